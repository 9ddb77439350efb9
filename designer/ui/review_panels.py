"""Live review: findings (click to highlight), metrics, the critical path, the simulated run and a
read-only Graphviz preview."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from designer.analysis import Report, Severity
from designer.analysis.findings import format_location
from designer.analysis.graph import build_task_graph
from designer.analysis.simulate import simulate
from designer.ui import panels, state
from designer.ui.canvas.payload import local_id_map, local_ids
from exporters.graphviz_dot import to_dot

SEVERITY_ICON = {Severity.ERROR: "🛑", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}


def _metrics_shows() -> tuple:
    report = state.report()
    return report.metrics, report.complexity, sum(f.severity is Severity.ERROR for f in report.findings)


@panels.panel("metrics", _metrics_shows)
def metrics() -> None:
    show_metrics(state.report())


def show_metrics(report: Report) -> None:
    m = report.metrics
    cols = st.columns(7)
    cols[0].metric("Tasks", m.tasks)
    cols[1].metric("Edges", m.edges)
    cols[2].metric("Groups", m.groups)
    cols[3].metric("Depth", m.depth if m.depth is not None else "cycle")
    cols[4].metric("Width", m.width if m.width is not None else "cycle")
    cols[5].metric("Complexity", f"{report.complexity.grade} ({report.complexity.score:g})")
    errors = sum(f.severity is Severity.ERROR for f in report.findings)
    cols[6].metric("Errors", errors)


@panels.panel("findings", lambda: state.report().findings)
def findings() -> None:
    """Each finding is a button: clicking it selects (highlights) its tasks on the canvas and preview."""
    report = state.report()
    if not report.findings:
        st.success("No findings.")
        return
    id_map = local_id_map(state.design())  # subjects may be Airflow task_ids (group.task)
    for i, f in enumerate(report.findings):
        where = format_location(f.location)
        label = f"{SEVERITY_ICON[f.severity]} {f.code} {f.message}" + (f" ({where})" if where else "")
        # A callback, so the selection is in place before the canvas is drawn in the next run.
        st.button(label, key=f"finding:{i}:{f.code}", width="stretch", disabled=not f.subjects,
                  help="Highlight on the canvas" if f.subjects else None,
                  on_click=panels.refreshing(state.show), args=(sorted(local_ids(state.design(), f.subjects, id_map)),))


@panels.panel("analysis", lambda: (state.report().metrics, state.report().cycles))
def analysis_details() -> None:
    report = state.report()
    m = report.metrics
    if report.cycles:
        st.error("Cycles: " + "; ".join(" → ".join(c + c[:1]) for c in report.cycles))
    else:
        st.markdown(f"**Critical path** ({m.critical_path_length or 0:g} s): {' → '.join(m.critical_path) or '—'}")
    st.markdown(
        f"- Max fan-in {m.max_fan_in} ({m.max_fan_in_task or '—'}), max fan-out {m.max_fan_out} "
        f"({m.max_fan_out_task or '—'})\n"
        f"- Cyclomatic complexity {m.cyclomatic_complexity}, group nesting {m.max_group_nesting}, "
        f"edges crossing groups {m.crossing_edges}\n"
        f"- Static fan-out tasks {m.static_fan_out_tasks}, mapped tasks {m.mapped_tasks}\n"
        f"- Roots: {', '.join(m.roots) or '—'}; leaves: {', '.join(m.leaves) or '—'}; "
        f"isolated: {', '.join(m.isolated) or '—'}"
    )


@panels.panel("gantt", lambda: (state.design().tasks, state.design().groups, state.design().edges,
                                 state.design().dag.max_active_tasks))
def gantt() -> None:
    """The simulated run under a chosen max_active_tasks."""
    report = state.report()
    if report.cycles:
        st.info("No simulated run while the DAG has a cycle.")
        return
    default = state.design().dag.max_active_tasks or 16
    limit = st.slider("max_active_tasks", 1, max(64, default), default, key="sim_limit")
    sim = simulate(build_task_graph(state.design()), max_active_tasks=limit)
    st.caption(f"Estimated run: {sim.makespan / 60:.1f} min with at most {limit} tasks at once "
               "(every branch assumed to run).")
    if not sim.runs:
        return
    frame = pd.DataFrame([{"task": r.task_id, "start": r.start / 60, "end": r.end / 60,
                           "instances": r.instances} for r in sim.runs])
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("start:Q", title="minutes"), x2="end:Q",
        y=alt.Y("task:N", sort=list(frame["task"]), title=None),
        tooltip=["task", "start", "end", "instances"],
    ).properties(height=min(24 * len(frame) + 40, 900))
    st.altair_chart(chart, width="stretch")


@panels.panel("preview", lambda: (panels.Same(state.design()), tuple(state.selected()),
                                   bool(st.session_state.get("show_critical"))))
def preview() -> None:
    report = state.report()
    highlight = frozenset(n for c in report.cycles for n in c)
    selected = set(state.selected())
    tg = build_task_graph(state.design())
    highlight |= {n for s in selected for n in tg.node_ids(s)}
    critical = frozenset(report.metrics.critical_path) if st.session_state.get("show_critical") else frozenset()
    st.graphviz_chart(to_dot(state.design(), highlight=highlight, critical=critical), width="stretch")
