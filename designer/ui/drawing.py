"""The drawing area: the canvas bound to the session's design, selection and folded groups.

Canvas edits arrive in Streamlit's callback phase, before the page script runs, so the analysis,
findings and panels of that run already show the edit. Structural edits and drags of placed boxes
are undo steps; the canvas placing boxes that had no position yet is not (see `state.place`).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from designer.ui import compare_panel, navigator, panels, state
from designer.ui.canvas import apply_edit, dag_canvas, local_ids
from designer.ui.canvas.layout import focus_positions

CANVAS_KEY = "canvas"
CANVAS_HEIGHT = 620


def on_canvas_edit(op: dict[str, Any]) -> None:
    """Apply one canvas op to the session (reads and writes st.session_state only: see dag_canvas)."""
    kind = op["op"]
    if kind == "select":
        state.select([i for i in op.get("ids") or [] if isinstance(i, str)])
    elif kind == "toggle_collapse":
        if isinstance(op.get("id"), str) and isinstance(op.get("collapsed"), bool):
            state.set_collapsed(op["id"], op["collapsed"])
    elif kind == "move" and not _moves_placed_boxes(op):
        state.place(apply_edit(state.design(), op))
    else:
        old = state.design()
        state.commit(apply_edit(old, op))
        if kind == "add_task":  # the new box is what the property panel shows next
            state.select(sorted({t.id for t in state.design().tasks} - {t.id for t in old.tasks}))


def _moves_placed_boxes(op: dict[str, Any]) -> bool:
    """True when every box in a move op already had a position: the user dragged it."""
    positions = op.get("positions")
    if not isinstance(positions, dict) or not positions:
        return False
    design = state.design()
    placed = {item.id for item in (*design.tasks, *design.groups) if item.position is not None}
    return all(key in placed for key in positions)


def _shows() -> tuple:
    """What the canvas draws: the design, selection, folded groups, focus, the critical path switch and the
    Compare tab's marks. Every canvas op changes one of them, so the canvas always answers its ops."""
    ss = st.session_state
    return (panels.Same(state.design()), tuple(state.selected()), ss.collapsed, ss.get("focus_on"),
            ss.get("focus_hops"), bool(ss.get("show_critical")), compare_panel.marks_shows())


def _edited() -> None:
    # The canvas reruns whatever else changed: its next payload acknowledges the ops (or it resends them).
    panels.refresh("canvas")


@panels.panel("canvas", _shows)
def canvas() -> None:
    """The canvas with cycles always highlighted, the critical path on demand, the Compare tab's marks and
    focus mode (only the selection's neighbourhood shown, the groups around it expanded)."""
    design = state.design()
    report = state.report()
    focus = navigator.focus_ids()
    collapsed = st.session_state.collapsed if focus is None else st.session_state.collapsed - focus
    shown_at = None if focus is None else focus_positions(design, focus)
    critical = report.metrics.critical_path if st.session_state.get("show_critical") else ()
    diff_nodes, diff_edges, removed = compare_panel.canvas_marks(design)
    highlight = {
        "cycle": local_ids(design, [task_id for cycle in report.cycles for task_id in cycle]),
        "critical": local_ids(design, critical),
        **diff_nodes,
    }
    dag_canvas(design, key=CANVAS_KEY, selected=state.selected(), collapsed=collapsed, focus=focus, shown_at=shown_at,
               removed=removed, highlight=highlight, edge_highlight=diff_edges, height=CANVAS_HEIGHT,
               on_edit=on_canvas_edit, on_edits_done=_edited, run=panels.run_number())
