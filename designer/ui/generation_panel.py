"""The Generate review tab: a template design and a generation config edited as text, problems shown in
place, every tenant x environment rendered, one rendering on a read-only canvas with its metrics and
findings, a table of all of them, a structural diff of any two, and every export as one zip.

Only the text in this session is used. Tenants from a database (`tenant_source`) are read by the command
line only: the app does not open databases or files a user names.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import streamlit as st

from designer.analysis import Severity, analyze
from designer.analysis.findings import format_location
from designer.analysis.rules.generation import estimated_parse_seconds, lint_generation
from designer.diff import diff_designs, grouped_messages, summary_line
from designer.generation import Generation, config_beside, generate, parse_template
from designer.generation_config import parse_config
from designer.storage import DesignError, Problem, dump_design
from designer.ui import panels, review_panels, state
from designer.ui.canvas import dag_canvas
from exporters import ExportError
from exporters.generation import GENERATION_TARGETS, export_generation

GENERATION_TAB = "Generate"
CANVAS_KEY = "generation_canvas"
SAMPLES = Path(__file__).resolve().parents[2] / "sample_configs"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


@panels.panel("generate", lambda: None)
def generation_panel() -> None:
    st.session_state.setdefault("gen_template", _sample("multi_tenant.yaml"))
    st.session_state.setdefault("gen_config", _sample("multi_tenant.generate.yaml"))
    left, right = st.columns(2)
    with left:
        st.text_area("Template design (strings may hold ${{ tenant }}, ${{ env.name }}, ...)", key="gen_template",
                     height=300)
        st.button("Use the current design as the template", on_click=_use_current_design)
    with right:
        st.text_area("Generation config (tenants, environments, values)", key="gen_config", height=300)
    generation = _generation(st.session_state["gen_template"], st.session_state["gen_config"])
    if generation is None:
        return
    problems = generation.problems
    if problems:
        st.error(f"{len(problems)} problem(s) in the rendered designs:\n\n" + "\n".join(
            f"- line {p.line or '?'}, {format_location(p.path) or 'document'}: {p.message}" for p in problems[:20]))
    findings = lint_generation(generation)
    for finding in findings:
        (st.error if finding.severity is Severity.ERROR else st.warning)(
            f"{finding.code} ({finding.file} {format_location(finding.location) or '-'}): {finding.message}")
    rows = _table(generation)
    if not rows:
        return
    counts = [row["tasks"] for row in rows]
    st.caption(f"{len(rows)} DAGs, {sum(counts):,} tasks; estimated Airflow parse time: static modules "
               f"{estimated_parse_seconds(counts, 'python'):.1f} s in all, factory module "
               f"{estimated_parse_seconds(counts, 'factory'):.1f} s, dag-factory "
               f"{estimated_parse_seconds(counts, 'dag-factory'):.1f} s")
    st.dataframe(rows, hide_index=True, key="gen_table")
    _preview(generation)
    _diff(generation)
    _download(generation)


def open_template(path: Path) -> None:
    """Open a template design and the config beside it in this tab, with its first rendering as the current
    design (an ordinary design: edit it, export it; the tab keeps the template)."""
    config = config_beside(path)
    st.session_state["gen_template"] = path.read_text(encoding="utf-8")
    st.session_state["gen_config"] = config.read_text(encoding="utf-8")
    st.session_state["review_tab"] = GENERATION_TAB
    generation = _generation(st.session_state["gen_template"], st.session_state["gen_config"])
    first = next((dag for dag in generation.dags if dag.design is not None), None) if generation else None
    if first is None:
        state.fail(f"{path.name} renders no design: see the Generate tab")
        return
    state.replace(first.design, f"{path.name} ({first.label})")
    st.session_state["gen_pick"] = first.label


def _use_current_design() -> None:
    st.session_state["gen_template"] = dump_design(state.design())


def _generation(template_text: str, config_text: str) -> Generation | None:
    """The generation of the texts (kept per session for the same texts); errors shown in place."""
    digest = hashlib.sha256(f"{template_text}\0{config_text}".encode("utf-8", "surrogatepass")).hexdigest()
    cached = st.session_state.get("gen_cache")
    if cached and cached[0] == digest:
        return cached[1]
    try:
        template = parse_template(template_text, "template.yaml")
    except DesignError as exc:
        st.error(f"Template: {exc}")
        return None
    try:
        if "tenant_source" in config_text:
            raise DesignError("config.yaml", [Problem("tenant_source (tenants from a database) is read by the "
                                                      "command line only: python -m designer generate")])
        config = parse_config(config_text, "config.yaml")
    except DesignError as exc:
        st.error("Config: " + "\n".join(
            f"\n- line {p.line or '?'}, {format_location(p.path) or 'document'}: {p.message}" for p in exc.problems))
        return None
    generation = generate(template, config)
    st.session_state["gen_cache"] = (digest, generation)
    return generation


def _table(generation: Generation) -> list[dict]:
    rows = []
    for dag in generation.dags:
        if dag.design is None:
            continue
        report = analyze(dag.design, simulate_run=False)
        errors = sum(f.severity is Severity.ERROR for f in report.findings)
        rows.append({"tenant": dag.tenant, "environment": dag.environment, "dag_id": dag.design.dag.dag_id,
                     "tasks": report.metrics.tasks, "errors": errors,
                     "other findings": len(report.findings) - errors})
    return rows


def _labels(generation: Generation) -> dict[str, object]:
    return {dag.label: dag for dag in generation.dags if dag.design is not None}


def _preview(generation: Generation) -> None:
    labels = _labels(generation)
    choice = st.selectbox("Rendering to show (tenant x environment)", list(labels), key="gen_pick")
    if choice is None:
        return
    design = labels[choice].design
    report = analyze(design)
    review_panels.show_metrics(report)
    dag_canvas(design, key=CANVAS_KEY, height=420, run=panels.run_number())
    for finding in report.findings:
        st.text(f"{finding.code} {finding.severity} {format_location(finding.location) or 'dag'}: {finding.message}")


def _diff(generation: Generation) -> None:
    labels = _labels(generation)
    names = list(labels)
    if len(names) < 2:
        return
    first, second = st.columns(2)
    old = first.selectbox("Compare", names, index=0, key="gen_diff_old")
    new = second.selectbox("with", names, index=1, key="gen_diff_new")
    result = diff_designs(labels[old].design, labels[new].design)
    st.text(f"From {old} to {new}: {summary_line(result)}")
    for heading, lines in grouped_messages(result):
        st.markdown(f"**{heading}**")
        st.code("\n".join(lines), language=None)


def _download(generation: Generation) -> None:
    target = st.selectbox("Export every generated DAG as", GENERATION_TARGETS, key="gen_target")
    try:
        files = export_generation(generation, target)
    except (ExportError, DesignError) as exc:
        st.error(str(exc))
        return
    st.download_button(f"Download {len(files)} files (.zip)", zip_files(files), file_name=f"generated_{target}.zip",
                       mime="application/zip", key="gen_download")


def zip_files(files: dict[str, str]) -> bytes:
    """A deterministic zip of relative path -> text (fixed dates and order)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()
