"""Importing Airflow DAG code in the app: an uploaded .py file or .zip of a dags/ folder, and the folder table.

Off unless DAG_DESIGNER_ALLOW_PYTHON_IMPORT=1 (designer.dag_folder), since it runs the user's code on
the server. The import blocks only the session that asked: Airflow runs in a child process, which this
session's script thread waits for. The imported designs are kept in st.session_state["dag_folder"]
only; opening one replaces the current design (undo brings the previous one back).
"""

from __future__ import annotations

from dataclasses import asdict, fields

import pandas as pd
import streamlit as st

from designer.dag_folder import ALLOW_ENV, import_limits, import_upload, python_import_allowed
from designer.importers.airflow_python import AirflowImport, DagFileError, DagSummary, summarize_dag
from designer.storage import DesignError
from designer.ui import panels, state

FOLDER_TAB = "DAG folder"
COLUMNS = ["dag_id", "file", "tasks", "depth", "width", "grade", "errors", "warnings", "notes"]
OFF_CAPTION = (f"Airflow .py files and zipped dags/ folders are not accepted here: importing them runs their "
               f"code on this server. The operator can turn it on with {ALLOW_ENV}=1 (see the README).")


def import_python(data: bytes, name: str) -> None:
    """Import an uploaded .py or .zip, with progress: one DAG opens at once; a folder (or a file holding
    several DAGs) is listed in the DAG folder tab. A failure leaves the current design as it was."""
    if not python_import_allowed():
        state.fail(f"Could not open {name}; your current design is unchanged. Importing Airflow Python is off in "
                   f"this app ({ALLOW_ENV}=1 turns it on).")
        return
    try:
        limits = import_limits()
    except ValueError as exc:
        state.fail(str(exc))
        return
    with st.status(f"Importing {name}", expanded=True) as status:
        st.write(f"Airflow is parsing {name} in a separate process (at most {limits.wall_seconds:g} s)…")
        try:
            result = import_upload(data, name, limits)
        except DesignError as exc:
            status.update(label=f"Could not import {name}", state="error")
            state.fail(f"Could not open {name}; your current design is unchanged. {exc}")
            if isinstance(exc, DagFileError):
                _keep(name, AirflowImport([], [], {name: exc.details}), [])
            return
        rows = _summaries(result)
        status.update(label=f"Imported {len(rows)} DAG(s) from {name}", state="complete")
    if len(result.designs) == 1 and name.lower().endswith(".py"):
        _open(name, result, 0)
        return
    _keep(name, result, rows)
    if not result.designs:
        state.fail(f"{name} holds no DAG that Airflow could load ({len(result.import_errors)} import errors); "
                   "your current design is unchanged.")


def _summaries(result: AirflowImport) -> list[DagSummary]:
    """Each DAG's row, with a progress bar counting the DAGs summarised (analysis runs per DAG)."""
    bar = st.progress(0.0, text=f"Summarising {len(result.designs)} DAG(s)")
    rows = []
    for i, design in enumerate(result.designs, 1):
        rows.append(summarize_dag(result, design))
        bar.progress(i / len(result.designs), text=f"Summarised {i} of {len(result.designs)} DAGs")
    return rows


def _keep(name: str, result: AirflowImport, rows: list[DagSummary]) -> None:
    st.session_state.dag_folder = {"source": name, "result": result, "rows": rows}
    st.session_state.review_tab = FOLDER_TAB  # the table is what the user asked for


def _open(source: str, result: AirflowImport, index: int) -> None:
    design = result.designs[index]
    dag_id = design.dag.dag_id
    state.replace(design, source if len(result.designs) == 1 else f"{source}: {dag_id}")
    st.session_state.import_notes = [str(n) for n in result.notes if n.path[:1] == (dag_id,)]


@panels.panel("folder", lambda: None)
def folder_panel() -> None:
    """The last imported folder: a sortable table of its DAGs, an Open choice, Airflow's import errors."""
    folder = st.session_state.get("dag_folder")
    if not folder:
        st.info("No DAG folder imported in this session. Upload a .zip of a dags/ folder or a .py file holding "
                "several DAGs in the sidebar." if python_import_allowed() else OFF_CAPTION)
        return
    source, result, rows = folder["source"], folder["result"], folder["rows"]
    st.text(f"{source}: {len(rows)} DAG(s), {len(result.import_errors)} file(s) Airflow could not import")
    if rows:
        frame = pd.DataFrame([asdict(r) for r in rows], columns=[f.name for f in fields(DagSummary)])[COLUMNS]
        st.dataframe(frame, hide_index=True, width="stretch")
        cols = st.columns([3, 1], vertical_alignment="bottom")
        index = cols[0].selectbox("DAG to open", range(len(rows)), format_func=lambda i: rows[i].dag_id,
                                  key="folder_choice")
        if cols[1].button("Open", key="folder_open", width="stretch"):
            _open(source, result, index)
            st.rerun()
    if result.import_errors:
        with st.expander(f"Airflow's import errors ({len(result.import_errors)})", expanded=True):
            for file, text in result.import_errors.items():
                st.text(file)
                st.code(text.rstrip(), language=None)
    if result.notes:
        with st.expander(f"Import notes ({len(result.notes)})"):
            st.code("\n".join(n.format(source) for n in result.notes), language=None)
