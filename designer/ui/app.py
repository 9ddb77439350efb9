"""The app page: open a design (gallery or upload), see its graph, analysis and findings.

All user state lives in st.session_state (per browser session); nothing user-made is kept in
module globals or global caches.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from designer.analysis import Severity, analyze
from designer.analysis.findings import format_location
from designer.model import Design
from designer.storage import DesignError, load_design, parse_design
from exporters.graphviz_dot import to_dot

SAMPLES = Path(__file__).resolve().parents[2] / "sample_configs"
DEFAULT_SAMPLE = "nested_taskgroups.yaml"
SEVERITY_ICON = {Severity.ERROR: "🛑", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}


def sample_names() -> list[str]:
    return sorted(p.name for p in SAMPLES.glob("*.yaml"))


def current_design() -> Design:
    """The session's design; a new session starts with a sample loaded."""
    if "design" not in st.session_state:
        st.session_state.design = load_design(SAMPLES / DEFAULT_SAMPLE)
        st.session_state.source = DEFAULT_SAMPLE
    return st.session_state.design


def open_sample() -> None:
    name = st.session_state.sample_choice
    st.session_state.design = load_design(SAMPLES / name)
    st.session_state.source = name
    st.session_state.pop("load_error", None)


def open_upload() -> None:
    upload = st.session_state.get("upload")
    if upload is None:
        return
    try:
        design, _ = parse_design(upload.getvalue(), upload.name)
    except DesignError as exc:
        st.session_state.load_error = str(exc)  # the current design stays as it was
        return
    st.session_state.design = design
    st.session_state.source = upload.name
    st.session_state.pop("load_error", None)


def sidebar() -> None:
    with st.sidebar:
        st.header("Open a design")
        names = sample_names()
        source = st.session_state.get("source", DEFAULT_SAMPLE)
        st.selectbox("Gallery", names, index=names.index(source) if source in names else 0,
                     key="sample_choice", on_change=open_sample)
        st.file_uploader("Upload a design (YAML or JSON)", type=["yaml", "yml", "json"], key="upload",
                         on_change=open_upload)
        if error := st.session_state.get("load_error"):
            st.error(f"Could not open the file, your current design is unchanged.\n\n{error}")


def render() -> None:
    st.set_page_config(page_title="DAG Designer", layout="wide")
    design = current_design()
    sidebar()
    report = analyze(design)
    m = report.metrics

    st.title(design.dag.dag_id)
    if design.dag.description:
        st.caption(design.dag.description)
    cols = st.columns(6)
    cols[0].metric("Tasks", m.tasks)
    cols[1].metric("Edges", m.edges)
    cols[2].metric("Groups", m.groups)
    cols[3].metric("Depth", m.depth if m.depth is not None else "cycle")
    cols[4].metric("Width", m.width if m.width is not None else "cycle")
    cols[5].metric("Complexity", f"{report.complexity.grade} ({report.complexity.score:g})")

    show_critical = st.toggle("Highlight the critical path", value=False)
    cycle_nodes = frozenset(n for cycle in report.cycles for n in cycle)
    critical = frozenset(m.critical_path) if show_critical else frozenset()
    st.graphviz_chart(to_dot(design, highlight=cycle_nodes, critical=critical), use_container_width=True)

    left, right = st.columns([3, 2])
    with left:
        st.subheader("Findings")
        if not report.findings:
            st.success("No findings.")
        for f in report.findings:
            where = format_location(f.location)
            st.markdown(f"{SEVERITY_ICON[f.severity]} **{f.code}** {f.message}" + (f"  \n`{where}`" if where else ""))
    with right:
        st.subheader("Analysis")
        st.markdown(
            f"- **Critical path** ({m.critical_path_length or 0:g} s): {' → '.join(m.critical_path) or '—'}\n"
            f"- **Simulated run**: {report.simulation.makespan:g} s" if report.simulation else
            "- **Cycles**: " + "; ".join(" → ".join(c) for c in report.cycles)
        )
        st.markdown(
            f"- Max fan-in: {m.max_fan_in} ({m.max_fan_in_task or '—'})\n"
            f"- Max fan-out: {m.max_fan_out} ({m.max_fan_out_task or '—'})\n"
            f"- Cyclomatic complexity: {m.cyclomatic_complexity}\n"
            f"- Group nesting: {m.max_group_nesting}, edges crossing groups: {m.crossing_edges}\n"
            f"- Roots: {', '.join(m.roots) or '—'}\n- Leaves: {', '.join(m.leaves) or '—'}"
        )
