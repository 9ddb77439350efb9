"""Demo page for the DAG canvas: `streamlit run designer/ui/canvas/demo_app.py`.

It mounts the canvas on sample_configs/nested_taskgroups.yaml (or, with `?n=500`, on a generated
design of n tasks) and prints the Python-side model under it, so a person -- or the browser tests
in tests/browser -- can see that Python received each edit. It is also the reference for mounting
the canvas in the app (see `on_canvas_edit` and the `dag_canvas` call).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # `streamlit run` puts this file's folder first, not the repo root
    sys.path.insert(0, str(ROOT))

from designer.analysis import analyze  # noqa: E402
from designer.edits import add_task, unique_id  # noqa: E402
from designer.model import DagSettings, Design, Edge, Group, Task  # noqa: E402
from designer.storage import load_design  # noqa: E402
from designer.ui.canvas import apply_edit, dag_canvas, local_ids  # noqa: E402
from designer.ui.panels import finish_page, run_number, start_page  # noqa: E402

SAMPLE = ROOT / "sample_configs" / "nested_taskgroups.yaml"
FULL_TEXT_LIMIT = 60  # above this many tasks the model text is a summary


def generated(n: int) -> Design:
    """n tasks in groups of 10, every other group nested in a section, each task after the previous one."""
    groups: list[Group] = []
    tasks: list[Task] = []
    for i in range(n):
        g = i // 10
        if i % 10 == 0:
            if g % 2 == 0:
                groups.append(Group(id=f"section_{g // 2}"))
            groups.append(Group(id=f"group_{g}", parent=f"section_{g // 2}" if g % 2 == 0 else None))
        tasks.append(Task(id=f"task_{i}", operator="bash" if i % 3 else "python", group=f"group_{g}"))
    edges = [Edge(upstream=f"task_{i - 1}", downstream=f"task_{i}") for i in range(1, n)]
    edges += [Edge(upstream=f"task_{i - 7}", downstream=f"task_{i}") for i in range(7, n, 5)]
    return Design(dag=DagSettings(dag_id=f"generated_{n}"), tasks=tuple(tasks), groups=tuple(groups),
                  edges=tuple(edges))


def unplaced(design: Design) -> Design:
    """`design` without positions: this page exercises the canvas' own first layout."""
    return design.model_copy(update={
        "tasks": tuple(t.model_copy(update={"position": None}) for t in design.tasks),
        "groups": tuple(g.model_copy(update={"position": None}) for g in design.groups)})


def init_state() -> None:
    n = int(st.query_params.get("n", "0") or 0)
    if st.session_state.get("demo_n") != n:
        st.session_state.demo_n = n
        st.session_state.design = generated(n) if n else unplaced(load_design(SAMPLE))
        st.session_state.selected = []
        st.session_state.collapsed = frozenset()
        st.session_state.relayout = 0
        st.session_state.ops = 0
        st.session_state.batches = 0


def on_canvas_edit(op: dict) -> None:
    """Runs in Streamlit's callback phase, before the page script: the page then shows the edit."""
    st.session_state.ops += 1
    st.session_state.last_op = op
    if op["op"] == "select":
        st.session_state.selected = list(op["ids"])
    elif op["op"] == "toggle_collapse":
        st.session_state.collapsed = st.session_state.collapsed ^ {op["id"]}
    else:
        st.session_state.design = apply_edit(st.session_state.design, op)


def on_canvas_edits_done() -> None:
    """Runs once after a batch's ops were all applied (where an app could st.rerun a few fragments)."""
    st.session_state.batches += 1


def add_late_task_after_the_canvas() -> None:
    st.session_state.late_due = True  # done once the canvas is drawn: see main()


def python_side_controls(design: Design) -> None:
    cols = st.columns([1, 1, 1, 2, 2])
    if cols[0].button("Re-layout (from Python)"):
        st.session_state.relayout += 1
    cols[0].toggle("Late task", key="late_toggle", on_change=add_late_task_after_the_canvas,
                   help="Add a task after the canvas is drawn, then st.rerun")
    cols[1].toggle("Highlight cycles", value=True, key="hl_cycle")
    cols[2].toggle("Highlight critical path", value=False, key="hl_critical")
    # A few hundred options are plenty for a demo (thousands would slow every rerun down).
    ids = ([t.id for t in design.tasks] + [g.id for g in design.groups])[:FULL_TEXT_LIMIT * 5]
    pick = cols[3].selectbox("Select from Python", ["—", *ids], key="py_select")
    if pick != st.session_state.get("py_select_seen"):
        st.session_state.py_select_seen = pick
        if pick != "—":
            st.session_state.selected = [pick]
    with cols[4].form("palette", clear_on_submit=True, border=False):
        left, right = st.columns(2)
        new_id = left.text_input("New task id", key="palette_id")
        group = right.selectbox("in group", ["(top level)", *[g.id for g in design.groups]], key="palette_group")
        if st.form_submit_button("Add task from Python") and new_id:
            task = Task(id=unique_id(design, new_id), operator="bash", group=None if group == "(top level)" else group)
            st.session_state.design = add_task(design, task)
            st.rerun()


def model_text(design: Design, findings: list[str]) -> str:
    positioned = sum(t.position is not None for t in design.tasks)
    head = (f"TASKS {len(design.tasks)} GROUPS {len(design.groups)} EDGES {len(design.edges)} "
            f"POSITIONED {positioned} OPS {st.session_state.ops} BATCHES {st.session_state.batches}")
    if len(design.tasks) > FULL_TEXT_LIMIT:
        return head + "\nFINDINGS: " + " ".join(findings)
    return "\n".join([
        head,
        "EDGES: " + " ".join(sorted(f"{e.upstream}>{e.downstream}" for e in design.edges)),
        "MEMBERS: " + " ".join(sorted(f"{t.id}@{t.group}" for t in design.tasks if t.group)),
        "NESTED: " + " ".join(sorted(f"{g.id}@{g.parent}" for g in design.groups if g.parent)),
        "SELECTED: " + " ".join(st.session_state.selected),
        "COLLAPSED: " + " ".join(sorted(st.session_state.collapsed)),
        "FINDINGS: " + " ".join(findings),
        "LAST OP: " + json.dumps(st.session_state.get("last_op"), sort_keys=True)[:300],
    ])


def main() -> None:
    st.set_page_config(page_title="DAG canvas demo", layout="wide")
    init_state()
    start_page()
    design: Design = st.session_state.design
    st.title(f"Canvas demo: {design.dag.dag_id}")
    python_side_controls(design)
    design = st.session_state.design
    report = analyze(design)
    highlight = {
        "cycle": local_ids(design, [n for cycle in report.cycles for n in cycle]) if st.session_state.hl_cycle else [],
        "critical": local_ids(design, report.metrics.critical_path) if st.session_state.hl_critical else [],
    }
    dag_canvas(design, key="canvas", selected=st.session_state.selected, highlight=highlight,
               collapsed=st.session_state.collapsed, relayout_token=st.session_state.relayout,
               height=520, on_edit=on_canvas_edit, on_edits_done=on_canvas_edits_done, run=run_number())
    if st.session_state.pop("late_due", False):
        # This run's canvas message may never reach the browser (st.rerun stops the run, and Streamlit
        # drops what it has not sent yet): the next message's delta is then based on one the canvas
        # lacks, and it asks for a whole payload. The browser tests check that it ends up right.
        st.session_state.design = add_task(design, Task(id=unique_id(design, "late"), operator="bash"))
        st.rerun()
    st.code(model_text(design, [f"{f.code}:{f.message.split(':')[0]}" for f in report.findings]), language=None)
    finish_page()


main()
