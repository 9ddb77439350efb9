"""Opening designs (gallery, upload, dag-factory import) and exporting them (previews and downloads).

A file that cannot be read leaves the current design untouched and says what is wrong and where.
"""

from __future__ import annotations

import shutil
from functools import partial

import streamlit as st

from designer.generation import config_beside, is_config_file
from designer.model import DagSettings, Design, TaskArgs
from designer.opening import open_file
from designer.storage import DesignError, load_design
from designer.ui import panels, state
from exporters import ExportError, export
from exporters.images import render_image
from exporters.naming import module_stem

CODE_VIEWS = {  # label -> (export target, language for highlighting)
    "Airflow 3 Python": ("python", "python"),
    "Airflow 2 Python": ("python-airflow2", "python"),
    "dag-factory YAML": ("dag-factory", "yaml"),
    "Design YAML": ("design", "yaml"),
    "Tests": ("tests", "python"),
}


def new_design() -> None:
    # Callbacks, as every change made in the sidebar: the run that follows shows it, and no run is stopped
    # half way by st.rerun after some panel has written its run mark (designer.ui.panels).
    st.button("New empty design", key="new_design", width="stretch", on_click=_new_design)


def _new_design() -> None:
    state.replace(Design(dag=DagSettings(dag_id="new_dag", default_args=TaskArgs(retries=1))), "new design")


def gallery() -> None:
    """The samples: designs, and template designs (a NAME.generate.yaml config beside them), which open in
    the Generate tab with their first rendering on the canvas."""
    names = sorted(p.name for p in state.SAMPLES.glob("*.yaml") if not is_config_file(p))
    source = (st.session_state.get("source") or "").split(" (")[0]
    st.selectbox("Gallery", names, index=names.index(source) if source in names else 0, key="gallery",
                 format_func=lambda n: f"{n} (template)" if config_beside(state.SAMPLES / n) else n)
    st.button("Open sample", key="open_sample", width="stretch", on_click=_open_sample)


def _open_sample() -> None:
    choice = st.session_state.gallery
    path = state.SAMPLES / choice
    if config_beside(path):
        from designer.ui import generation_panel

        generation_panel.open_template(path)
    else:
        state.replace(load_design(path), choice)


def upload() -> None:
    """Open a design file, or import a dag-factory YAML (recognised by its content); with Python import
    turned on (designer.dag_folder), also an Airflow DAG .py file or a .zip of a dags/ folder."""
    from designer.dag_folder import PYTHON_UPLOADS, python_import_allowed
    from designer.ui import import_panels

    allowed = python_import_allowed()
    label = "Open a design (YAML/JSON), a dag-factory YAML" + (", an Airflow .py or a zipped dags/ folder"
                                                               if allowed else "")
    key = f"upload:{st.session_state.get('upload_round', 0)}"
    st.file_uploader(label, type=["yaml", "yml", "json", *(PYTHON_UPLOADS if allowed else ())], key=key,
                     on_change=_uploaded, args=(key,))
    if not allowed:
        st.caption(import_panels.OFF_CAPTION)


def _uploaded(key: str) -> None:
    from designer.dag_folder import is_python_upload
    from designer.ui import import_panels

    file = st.session_state.get(key)
    if file is None:
        return
    st.session_state.upload_round = st.session_state.get("upload_round", 0) + 1  # one open per upload
    if is_python_upload(file.name):
        import_panels.import_python(file.getvalue(), file.name)
    else:
        open_upload(file.getvalue(), file.name)


def open_upload(data: bytes, name: str) -> bool:
    """Open uploaded bytes: the design replaces the current one (its import notes kept for display),
    or a message says why not and the current design stays as it was."""
    try:
        design, notes = open_file(data, name)
    except (DesignError, ValueError) as exc:
        state.fail(f"Could not open {name}; your current design is unchanged. {exc}")
        return False
    state.replace(design, name)
    st.session_state.import_notes = notes
    return True


@panels.panel("export", lambda: panels.Same(state.design()))
def export_panel() -> None:
    """One code view at a time (only the chosen export is generated), then the bundle and images,
    which are generated when their button is clicked."""
    design = state.design()
    stem = module_stem(design)
    view = st.segmented_control("Export", list(CODE_VIEWS), default="Airflow 3 Python", key="export_view")
    target, language = CODE_VIEWS[view or "Airflow 3 Python"]
    try:
        files = export(design, target)
    except ExportError as exc:
        st.warning(str(exc))
        files = {}
    for path, text in files.items():
        name = path.rsplit("/", 1)[-1]
        st.download_button(f"Download {name}", text, file_name=name, key=f"dl:{target}:{path}", mime="text/plain",
                           on_click="ignore")
        st.code(text, language=language, line_numbers=True)
    _bundle_and_images(design, stem)


def _bundle_and_images(design, stem: str) -> None:
    from exporters.bundle import build_bundle
    from exporters.checks import require_exportable

    cols = st.columns(4)
    try:
        require_exportable(design)
        cols[0].download_button("Repo bundle (.zip)", lambda: build_bundle(design), file_name=f"{stem}.zip",
                                mime="application/zip", key="dl:bundle", type="primary", on_click="ignore")
    except ExportError:
        cols[0].button("Repo bundle (.zip)", disabled=True, key="dl:bundle_disabled",
                       help="Fix the errors listed under Findings first")
    for col, fmt in zip(cols[1:], ("svg", "png", "dot"), strict=True):
        col.download_button(f"Image .{fmt}", partial(render_image, design, fmt), file_name=f"{stem}.{fmt}",
                            key=f"dl:img:{fmt}", on_click="ignore", disabled=fmt != "dot" and not shutil.which("dot"))
