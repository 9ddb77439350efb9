"""The DAG Designer page: draw on the canvas, edit in panels, review live, export.

All user state lives in st.session_state through designer.ui.state; nothing user-made is kept in
module globals or global caches.
"""

from __future__ import annotations

import streamlit as st

from designer.analysis import analyze
from designer.ui import drawing, edit_panels, io_panels, review_panels, state


def sidebar() -> None:
    with st.sidebar:
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
    message = state.take_message()
    if message:
        kind, text = message
        (slot.error if kind == "error" else slot.success)(text)


def render() -> None:
    st.set_page_config(page_title="DAG Designer", layout="wide")
    state.init()
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
        st.toggle("Highlight the critical path", key="show_critical")
        drawing.canvas(report)
    with panel:
        tabs = st.tabs(["Properties", "Add task", "New group", "DAG", "Patterns", "Bitshift", "Table"])
        with tabs[0]:
            edit_panels.properties()
        with tabs[1]:
            edit_panels.palette()
        with tabs[2]:
            edit_panels.new_group()
        with tabs[3]:
            edit_panels.dag_settings()
        with tabs[4]:
            edit_panels.stamps()
        with tabs[5]:
            edit_panels.bitshift_box()
        with tabs[6]:
            edit_panels.bulk_table()

    findings, details, run, preview, export = st.tabs(
        ["Findings", "Analysis", "Simulated run", "Graphviz preview", "Export"])
    with findings:
        review_panels.findings(report)
    with details:
        review_panels.analysis_details(report)
    with preview:
        review_panels.preview(report)
    with run:
        review_panels.gantt(report)
    with export:
        io_panels.export_panel()
