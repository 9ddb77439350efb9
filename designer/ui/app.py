"""The DAG Designer page: draw on the canvas, edit in panels, review live, export.

All user state lives in st.session_state through designer.ui.state; nothing user-made is kept in
module globals or global caches. The page is made of panels (designer.ui.panels): an edit reruns only
the panels whose display it changed.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from designer.ui import (
    compare_panel,
    drawing,
    edit_panels,
    generation_panel,
    import_panels,
    io_panels,
    navigator,
    panels,
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


def _header_shows() -> tuple[str, str]:
    return state.design().dag.dag_id, state.design().dag.description


@panels.panel("header", _header_shows)
def header() -> None:
    dag_id, description = _header_shows()
    st.title(dag_id)
    st.caption(description or " ")  # always there, so the canvas keeps its place


def render() -> None:
    st.set_page_config(page_title="DAG Designer", layout="wide")
    state.init()
    panels.start_page()
    panels.before_refresh(workspace_panel.autosave)
    sidebar()
    header()
    edit_panels.toolbar()
    review_panels.metrics()

    drawing_area, panel = st.columns([3, 2], gap="medium")
    with drawing_area:
        navigator.navigator()
        drawing.canvas()
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
        "Findings": review_panels.findings,
        "Analysis": review_panels.analysis_details,
        "Simulated run": review_panels.gantt,
        "Graphviz preview": review_panels.preview,
        "Export": io_panels.export_panel,
        compare_panel.COMPARE_TAB: compare_panel.compare_panel,
        import_panels.FOLDER_TAB: import_panels.folder_panel,
        generation_panel.GENERATION_TAB: generation_panel.generation_panel,
    })
    panels.finish_page()


def lazy_tabs(key: str, tabs: dict[str, Callable[[], None]]) -> None:
    """Tabs that run only the open panel: a 2,000-task table, Gantt chart or Graphviz preview costs
    nothing while it is not looked at."""
    for tab, panel in zip(st.tabs(list(tabs), key=key, on_change="rerun"), tabs.values(), strict=True):
        if tab.open:
            with tab:
                panel()
