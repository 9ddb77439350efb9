"""The DAG Designer page: draw on the canvas, edit in panels, review live, export.

All user state lives in st.session_state through designer.ui.state; nothing user-made is kept in
module globals or global caches.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from designer.analysis import analyze
from designer.ui import (
    compare_panel,
    drawing,
    edit_panels,
    generation_panel,
    import_panels,
    io_panels,
    navigator,
    review_panels,
    state,
    workspace_panel,
)


def sidebar() -> None:
    with st.sidebar:
        workspace_panel.workspace_panel()
        st.header("Designs")
        io_panels.new_design()
        io_panels.gallery()
        io_panels.upload()
        for note in st.session_state.pop("import_notes", []):
            st.warning(note)
        st.divider()
        st.caption(f"Opened from: {st.session_state.get('source', 'new design')}")


def show_message() -> None:
    # Always one element here, message or not: a message appearing must not shift the canvas'
    # place in the page, or the browser would rebuild the canvas (losing zoom and pan).
    slot = st.empty()
    message = state.current_message()
    if message:
        kind, text = message
        (slot.error if kind == "error" else slot.success)(text)


def render() -> None:
    st.set_page_config(page_title="DAG Designer", layout="wide")
    state.init()
    state.start_run()
    sidebar()
    design = state.design()
    report = analyze(design)

    st.title(design.dag.dag_id)
    st.caption(design.dag.description or " ")  # always there, so the canvas keeps its place
    edit_panels.toolbar()
    show_message()
    review_panels.metrics(report)

    drawing_area, panel = st.columns([3, 2], gap="medium")
    with drawing_area:
        navigator.navigator()
        st.toggle("Highlight the critical path", key="show_critical")
        drawing.canvas(report)
    with panel:
        lazy_tabs("edit_tab", {
            "Properties": edit_panels.properties,
            "Add task": edit_panels.palette,
            "New group": edit_panels.new_group,
            "DAG": edit_panels.dag_settings,
            "Patterns": edit_panels.stamps,
            "Bitshift": edit_panels.bitshift_box,
            "Table": edit_panels.bulk_table,
        })
    lazy_tabs("review_tab", {
        "Findings": partial(review_panels.findings, report),
        "Analysis": partial(review_panels.analysis_details, report),
        "Simulated run": partial(review_panels.gantt, report),
        "Graphviz preview": partial(review_panels.preview, report),
        "Export": io_panels.export_panel,
        compare_panel.COMPARE_TAB: compare_panel.compare_panel,
        import_panels.FOLDER_TAB: import_panels.folder_panel,
        generation_panel.GENERATION_TAB: generation_panel.generation_panel,
    })
    state.finish_run()


def lazy_tabs(key: str, panels: dict[str, Callable[[], None]]) -> None:
    """Tabs that run only the open panel: a 2,000-task table, Gantt chart or Graphviz preview costs
    nothing while it is not looked at."""
    for tab, panel in zip(st.tabs(list(panels), key=key, on_change="rerun"), panels.values(), strict=True):
        if tab.open:
            with tab:
                panel()
