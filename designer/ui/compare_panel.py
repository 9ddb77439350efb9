"""The Compare review tab: what changed between another design and the current one, as a list and on the canvas.

The other design is an uploaded file (a design, dag-factory YAML, or Airflow .py/.zip when Python import
is on) or the current design as it was some edits ago (the undo history). The canvas is drawn before
this tab in a run, so `baseline` reads only st.session_state (widget values are there before the run),
and a newly read file reruns the page once so the canvas marks follow it.
"""

from __future__ import annotations

import streamlit as st

from designer.dag_folder import PYTHON_UPLOADS, import_limits, import_upload, is_python_upload, python_import_allowed
from designer.diff import DesignDiff, diff_designs, grouped_messages, summary_line
from designer.model import Design
from designer.opening import read_designs
from designer.storage import DesignError
from designer.ui import panels, state
from designer.ui.canvas.payload import diff_highlight, diff_removed

COMPARE_TAB = "Compare"
FILE, HISTORY = "A file", "An earlier version"


def baseline() -> tuple[Design, str] | None:
    """The design being compared with and how to name it, or None while there is none."""
    ss = st.session_state
    if ss.get("compare_source", FILE) == HISTORY:
        undo = ss.get("undo") or []
        if not undo:
            return None
        steps = min(max(int(ss.get("compare_steps") or 1), 1), len(undo))
        return undo[-steps], f"the design {steps} edit{'s' * (steps != 1)} ago"
    loaded = ss.get("compare_file")
    if not loaded or not loaded["designs"]:
        return None
    designs = loaded["designs"]
    index = min(max(int(ss.get("compare_dag") or 0), 0), len(designs) - 1)
    label = loaded["name"] + (f" ({designs[index].dag.dag_id})" if len(designs) > 1 else "")
    return designs[index], label


def canvas_marks(design: Design) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, str]]], dict[str, list]]:
    """The canvas' diff marks while the Compare tab is open with "Show on canvas" on (else nothing):
    (highlight, edge_highlight) for added and changed items, and the removed items drawn as ghosts."""
    ss = st.session_state
    chosen = baseline() if ss.get("review_tab") == COMPARE_TAB and ss.get("diff_on_canvas") else None
    if chosen is None:
        return {}, {}, {}
    result = diff_designs(chosen[0], design)
    return (*diff_highlight(result), diff_removed(result, chosen[0]))


def marks_shows() -> tuple:
    """What `canvas_marks` depends on besides the design (for the canvas panel's `shows`)."""
    ss = st.session_state
    if ss.get("review_tab") != COMPARE_TAB or not ss.get("diff_on_canvas"):
        return ()
    chosen = baseline()
    return () if chosen is None else (panels.Same(chosen[0]),)


def _shows() -> tuple:
    chosen = baseline()
    return (panels.Same(state.design()), panels.Same(chosen and chosen[0]), len(st.session_state.get("undo") or []),
            marks_shows())


@panels.panel("compare", _shows)
def compare_panel() -> None:
    # Its widgets change the canvas' marks: each refreshes the panels (this one included).
    changed = {"on_change": panels.refresh, "args": ("compare",)}
    source = st.radio("Compare the current design with", (FILE, HISTORY), key="compare_source", horizontal=True,
                      **changed)
    if source == FILE:
        _file_choice()
    else:
        _history_choice()
    chosen = baseline()
    if chosen is None:
        return
    old, label = chosen
    result = diff_designs(old, state.design())
    st.toggle("Show on canvas", key="diff_on_canvas", **changed,
              help="Mark added (green) and changed (orange) tasks, groups and edges of the current design, "
                   "and draw removed ones as dashed red ghosts")
    st.text(f"From {label} to the current design: {summary_line(result)}")
    for heading, lines in grouped_messages(result):
        st.markdown(f"**{heading}**")
        st.code("\n".join(lines), language=None)
    if st.session_state.get("diff_on_canvas"):
        st.text(_removed_line(result))


def _removed_line(result: DesignDiff) -> str:
    """Removed items are ghosts on the canvas; they are named here too."""
    parts = []
    for what, table in result.marks().items():
        removed = sorted(key.replace(">", " >> ") if what == "edges" else key
                         for key, kind in table.items() if kind == "removed")
        if removed:
            parts.append(f"{what} {', '.join(removed)}")
    return "Removed (dashed on the canvas): " + ("; ".join(parts) if parts else "nothing")


def _file_choice() -> None:
    ss = st.session_state
    types = ["yaml", "yml", "json", *(PYTHON_UPLOADS if python_import_allowed() else ())]
    file = st.file_uploader("File to compare with", type=types, key="compare_upload")
    if file is None:
        if ss.pop("compare_file", None) is not None:
            st.rerun()  # the canvas drawn in this run still marked the old file
        return
    if (ss.get("compare_file") or {}).get("id") != file.file_id:
        ss.compare_file = {"id": file.file_id, "name": file.name, **_read(file.getvalue(), file.name)}
        st.rerun()
    loaded = ss.compare_file
    if loaded["error"]:
        st.error(loaded["error"])
        return
    designs = loaded["designs"]
    if len(designs) > 1:
        st.selectbox("DAG in the file", range(len(designs)), format_func=lambda i: designs[i].dag.dag_id,
                     key="compare_dag", on_change=panels.refresh, args=("compare",))
    if loaded["notes"]:
        with st.expander(f"Import notes ({len(loaded['notes'])})"):
            st.code("\n".join(loaded["notes"]), language=None)


def _read(data: bytes, name: str) -> dict:
    """{"designs": [...], "notes": [...], "error": one line or None} for an uploaded file."""
    try:
        if is_python_upload(name):
            if not python_import_allowed():
                raise ValueError(f"{name}: importing Airflow Python is off in this app")
            with st.spinner(f"Airflow is parsing {name} in a separate process…"):
                result = import_upload(data, name, import_limits())
            if not result.designs:
                raise ValueError(f"{name}: holds no DAG that Airflow could load")
            return {"designs": result.designs, "notes": [n.format(name) for n in result.notes], "error": None}
        designs, notes = read_designs(data, name)
        return {"designs": designs, "notes": [n.format(name) for n in notes], "error": None}
    except (DesignError, ValueError) as exc:
        return {"designs": [], "notes": [], "error": f"Cannot compare with {name}: {exc}"}


def _history_choice() -> None:
    kept = len(st.session_state.get("undo") or [])
    if not kept:
        st.info("No earlier version yet: every edit from now on can be compared with.")
        return
    st.number_input(f"Edits back (up to {kept})", min_value=1, value=1, step=1, key="compare_steps",
                    on_change=panels.refresh, args=("compare",))
