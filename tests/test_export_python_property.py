"""Property test: hundreds of random valid designs, exported to Python, all load in one real DagBag with
exactly the structure designer.analysis.structure predicts; invalid ids are refused with ExportError.

The strategies draw edge values that once passed lint and then failed in an exporter or in Airflow (pool
names Airflow 2 refuses, zero and negative intervals, NaN and infinity, dag-factory's magic keys, doc_md
naming a file, callables into modules that run code), and the invariant is checked both ways: no error
finding => every exporter succeeds (dag-factory and Airflow 2 unless DD030 names them) => Airflow loads
it as designed; an exporter refuses => a finding explains it.

Designs are acyclic by construction: tasks get a random order and every edge goes from earlier to
later (a group end counts as all of its tasks). No group is empty and no edge joins a group to its
own member. Hypothesis runs derandomized, so CI sees the same designs every time.
"""

from __future__ import annotations

import ast
import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from designer.analysis import Severity, analyze
from designer.ids import local_id_problem, task_id_problem
from designer.model import (
    AssetAlias,
    AssetOrTimeSchedule,
    AssetSchedule,
    DagSettings,
    Design,
    DynamicMapping,
    Edge,
    Group,
    IntervalSchedule,
    NamedAsset,
    Param,
    StaticFanOut,
    Task,
    TaskArgs,
    TimetableSchedule,
    TriggerRule,
    UpstreamOutput,
)
from designer.storage import dump_design
from exporters import ExportError, export, exporters
from exporters.bundle import build_bundle
from exporters.checks import require_exportable
from exporters.naming import module_stem
from exporters.python_imports import allowed_modules, check_generated_module
from exporters.python_module import render_python
from tests.dag_factory_support import SCHEDULES
from tests.support.python_export import CALLABLES, load, ruff_problems, structure_problems

N_DESIGNS = 300
EDGE_CASE_IDS = ["_", "a-b", "class", "None", "1st", "dag", "dt", "DAG", "TaskGroup", "i", "value", "range",
                 "upstream_task", "list_files", "EmptyOperator", "x_0", "Label", "annotations", "__init__", "a-"]
LOCAL_IDS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,10}", fullmatch=True)
CALLABLE = "sample_callables.extract"
# Edge values: each either passes lint and must export and load, or is refused by lint first.
EDGE_POOLS = [None, None, "etl", "a.b-c", "é_pool", "my pool", "", "a/b", "p" * 251]
EDGE_INTERVALS = [dt.timedelta(hours=6), dt.timedelta(microseconds=1), dt.timedelta(0), dt.timedelta(hours=-1)]
# (NaN, infinity and integers beyond 64 bits never get into a design: the model refuses them, see
# tests/test_input_bounds.py; the exporters' own guard against them is tested in test_export_python.py.)
EDGE_DATA = [0, 1.5, -0.0, 2**63 - 1, -(2**63), 5e-324, 1.7976931348623157e308, "x", None, True, [1, "a"],
             {"k": [1, 2]}, {"__type__": "os.getcwd"}, {"a": {"__args__": [1]}}, dt.date(2024, 1, 1)]
EDGE_PARAM_NAMES = ["n", "a b", "$HOME", "__type__", "default"]
EDGE_DOCS = [None, "Docs.", "README.md", "x.md\n"]
EDGE_CALLABLES = [CALLABLE, CALLABLE, CALLABLE, "builtins.eval", "os.system", "subprocess.run"]
# Schedules each refused by lint (DD022, DD028) or by one target (DD030) for a reason of their own.
EDGE_SCHEDULES = [
    TimetableSchedule(timetable="sample_callables.not_a_timetable.x1", kwargs={"class": 1}),
    AssetOrTimeSchedule(timetable="@continuous", assets=AssetSchedule(assets=["s3://b/a"])),
    AssetSchedule(assets=[NamedAsset(uri="s3://b/a", name="a", extra={"__type__": "os.getcwd"})]),
    AssetSchedule(assets=["s3://b/a", AssetSchedule(assets=[AssetAlias(alias="\t")], mode="any")]),
]
SETTINGS = settings(max_examples=N_DESIGNS, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


@st.composite
def designs(draw) -> Design:
    n_tasks = draw(st.integers(1, 14))
    n_groups = draw(st.integers(0, 4))
    pool = st.one_of(st.sampled_from(EDGE_CASE_IDS), LOCAL_IDS)
    ids = draw(st.lists(pool, min_size=n_tasks + n_groups, max_size=n_tasks + n_groups, unique=True))
    group_ids, task_ids = ids[:n_groups], ids[n_groups:]
    # Task ids may contain dots, as in Airflow (`load.v2`); group ids may not.
    task_ids = [f"{tid}.v{i}" if draw(st.integers(0, 5)) == 0 else tid for i, tid in enumerate(task_ids)]
    # Own Airflow ids, now and then one that another item already has (DD002 in one group, DD030 for dag-factory).
    own = {item: draw(st.sampled_from([None, None, None, f"{item}_af", *ids[:2]])) for item in ids}
    groups = [Group(id=gid, group_id=own[gid] if local_id_problem(own[gid] or "") is None else None,
                    parent=draw(st.sampled_from([None, *group_ids[:i]])),
                    prefix_group_id=draw(st.booleans()), tooltip=draw(st.sampled_from(["", "tip"])),
                    default_args=TaskArgs(retries=draw(st.sampled_from([None, 2])),
                                          pool=draw(st.sampled_from(EDGE_POOLS))))
              for i, gid in enumerate(group_ids)]
    members = {tid: draw(st.sampled_from([None, *group_ids])) for tid in task_ids}
    if members[task_ids[0]] is None and draw(st.integers(0, 4)) == 0:
        # An id near Airflow's 250-character limit (top level, not fanned out).
        del members[task_ids[0]]
        task_ids[0] = "t" * draw(st.integers(240, 250))
        members[task_ids[0]] = None
    groups = _without_empty_groups(groups, members)
    order = draw(st.permutations(task_ids))
    pos = {tid: i for i, tid in enumerate(order)}
    kinds = {tid: draw(st.sampled_from(["empty", "bash", "python", "fan", "map_literal", "map_upstream",
                                        "branch"])) for tid in task_ids}
    if len(task_ids[0]) > 200:
        kinds[task_ids[0]] = "empty"
    edges = _edges(draw, task_ids, groups, members, pos)
    tasks = [_task(draw, tid, kinds[tid], members[tid], order, pos, kinds, edges) for tid in task_ids]
    tasks = [t.model_copy(update={"task_id": own.get(t.id)}) if len(t.id) < 200 else t for t in tasks if t is not None]
    mapped_edges = [Edge(upstream=t.mapping.expand["bash_command"].task, downstream=t.id) for t in tasks
                    if t.mapping and isinstance(t.mapping.expand.get("bash_command"), UpstreamOutput)
                    and draw(st.booleans())]
    return Design(dag=_dag(draw), tasks=tuple(tasks), groups=tuple(groups), edges=(*edges, *mapped_edges))


def _without_empty_groups(groups: list[Group], members: dict) -> list[Group]:
    used = set(members.values())
    parents = {g.id: g.parent for g in groups}
    for gid in list(used):
        while gid is not None:
            used.add(gid)
            gid = parents.get(gid)
    return [g for g in groups if g.id in used]


def _span(ref: str, groups: dict[str, Group], members: dict, pos: dict) -> list[int]:
    if ref in pos:
        return [pos[ref]]
    inside = {ref}
    changed = True
    while changed:
        changed = False
        for g in groups.values():
            if g.parent in inside and g.id not in inside:
                inside.add(g.id)
                changed = True
    return [pos[t] for t, m in members.items() if m in inside]


def _edges(draw, task_ids, groups, members, pos) -> list[Edge]:
    by_id = {g.id: g for g in groups}
    refs = task_ids + list(by_id)
    spans = {r: _span(r, by_id, members, pos) for r in refs}
    chains = {r: _chain(r, by_id, members) for r in refs}
    candidates = [(a, b) for a in refs for b in refs
                  if max(spans[a]) < min(spans[b]) and a not in chains[b] and b not in chains[a]]
    if not candidates:
        return []
    wanted = min(len(candidates), len(task_ids))
    picked = draw(st.lists(st.sampled_from(candidates), min_size=wanted, max_size=2 * wanted + 2, unique=True))
    return [Edge(upstream=a, downstream=b, label=draw(st.sampled_from([None, None, "yes", "it's \"x\""])))
            for a, b in picked]


def _chain(ref: str, groups: dict[str, Group], members: dict) -> set[str]:
    """Groups enclosing `ref` (a group includes itself)."""
    current = members.get(ref) if ref in members else ref
    out = set()
    while current is not None:
        out.add(current)
        current = groups[current].parent
    return out


def _task(draw, tid, kind, group, order, pos, kinds, edges) -> Task:
    common = {"id": tid, "group": group, "trigger_rule": draw(st.sampled_from(list(TriggerRule))),
              "overrides": TaskArgs(pool=draw(st.sampled_from(EDGE_POOLS)))}
    # Setup and teardown tasks (DD031 refuses what Airflow would: a follower of a setup not at all_success).
    role = draw(st.sampled_from([None, None, None, None, "setup", "teardown"]))
    if role == "setup":
        common["is_setup"] = True
    elif role == "teardown":
        common.update(is_teardown=True, trigger_rule=TriggerRule.ALL_DONE_SETUP_SUCCESS)
    if kind == "bash":
        env = draw(st.sampled_from([None, None, {"X": "1"}, {"X": 1e308}, {"__or__": "a"}]))
        return Task(**common, operator="bash", args={"bash_command": f"echo {tid}", **({"env": env} if env else {})})
    if kind == "python":
        return Task(**common, operator="python", args={"python_callable": draw(st.sampled_from(EDGE_CALLABLES)),
                                                       "op_args": [draw(st.sampled_from(EDGE_DATA))]})
    if kind == "fan":
        fan = draw(st.sampled_from([StaticFanOut(count=2), StaticFanOut(values=["echo a", "echo b", "echo c"],
                                                                         arg="bash_command")]))
        return Task(**common, operator="bash" if fan.arg else "empty", fan_out=fan)
    if kind == "map_literal":
        return Task(**common, operator="bash", mapping=DynamicMapping(expand={"bash_command": ["echo 1", "echo 2"]}))
    if kind == "map_upstream":
        sources = [t for t in order[: pos[tid]] if kinds[t] in ("python", "bash", "map_literal")]
        if sources:
            source = UpstreamOutput(task=draw(st.sampled_from(sources)))
            return Task(**common, operator="bash", mapping=DynamicMapping(expand={"bash_command": source}))
    if kind == "branch":
        follow = [e.downstream for e in edges if e.upstream == tid and e.downstream in pos]
        if follow:
            return Task(**common, operator="branch_python", args={"python_callable": CALLABLE},
                        branches=draw(st.lists(st.sampled_from(follow), min_size=1, unique=True)))
    return Task(**common)


def _dag(draw) -> DagSettings:
    schedule = draw(st.sampled_from([None, "@daily", "0 * * * *",
                                     AssetSchedule(assets=["s3://b/a", "s3://b/c"], mode="any"),
                                     AssetSchedule(assets=["s3://b/a"]),
                                     *(IntervalSchedule(interval=i) for i in EDGE_INTERVALS),
                                     *SCHEDULES.values(), *EDGE_SCHEDULES]))
    params = {draw(st.sampled_from(EDGE_PARAM_NAMES)): Param(default=draw(st.sampled_from(EDGE_DATA)))}
    return DagSettings(dag_id="tbd", schedule=schedule, tags=draw(st.lists(st.sampled_from(["a", "b-c"]), unique=True)),
                       default_args=TaskArgs(retries=1, pool=draw(st.sampled_from(EDGE_POOLS))),
                       params={"n": Param(default=draw(st.integers(0, 9))), **params},
                       doc_md=draw(st.sampled_from(EDGE_DOCS)))


def _collect() -> list[Design]:
    collected: list[Design] = []

    @SETTINGS
    @given(designs())
    def run(design: Design) -> None:
        try:
            require_exportable(design)
        except ExportError:
            assume(False)  # e.g. a fan-out copy `x_0` colliding with a task named `x_0`
        try:
            render_python(design)
        except ExportError as exc:
            # Mapped tasks whose sources sit in each other's groups cannot be written with `with`
            # blocks; the exporter refuses them (test_export_python pins the message).
            assume("cross between groups" not in str(exc))
            raise
        collected.append(design.model_copy(update={"dag": design.dag.model_copy(
            update={"dag_id": f"prop_{len(collected):03d}.{design.tasks[0].id[:20]}"})}))

    run()
    return collected


@pytest.mark.slow
def test_random_designs_load_in_airflow_exactly_as_designed(tmp_path):
    designs_ = _collect()
    assert len(designs_) >= N_DESIGNS
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / CALLABLES.name).write_text(CALLABLES.read_text())
    files = []
    for design in designs_:
        source = render_python(design)
        assert render_python(design) == source  # deterministic
        assert check_generated_module(source, allowed_modules(design)) == []
        path = folder / f"{module_stem(design)}.py"
        path.write_text(source)
        files.append(path)
    assert ruff_problems(files, tmp_path) == ""
    loaded = load(folder, tmp_path / "home")
    assert loaded["import_errors"] == {}
    failures = {d.dag.dag_id: p for d in designs_ if (p := structure_problems(d, loaded))}
    if failures:
        first = next(d for d in designs_ if d.dag.dag_id in failures)
        pytest.fail(f"{len(failures)} designs differ in Airflow; first:\n" + "\n".join(failures[first.dag.dag_id])
                    + "\n\n" + dump_design(first))


BAD_IDS = st.one_of(
    st.sampled_from(["load data", "tâche", "g.1", ".g", "-x", "a'b", "a\nb", "x{y}", "ü"]),
    st.text(min_size=1, max_size=8).filter(lambda s: local_id_problem(s) is not None),
)


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(bad=BAD_IDS, as_group=st.booleans())
def test_invalid_ids_are_refused_with_a_clear_error(bad, as_group):
    assume(as_group or task_id_problem(bad) is not None)  # task ids may contain dots, group ids may not
    if as_group:
        design = Design(dag=DagSettings(dag_id="d"), groups=(Group(id=bad),), tasks=(Task(id="t", group=bad),))
    else:
        design = Design(dag=DagSettings(dag_id="d"), tasks=(Task(id=bad),))
    with pytest.raises(ExportError, match="DD001") as info:
        render_python(design)
    assert repr(bad) in str(info.value)


# Control characters other than tabs and line breaks are refused before export (DD024), and one-line
# fields (tags, param names, colours, labels) take no tabs or line breaks either.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])
               | st.sampled_from("\n\t\r'\"\\{} 中🙂\u0301"), max_size=120)
LINE = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.sampled_from("'\"\\{} 中🙂\u0301"),
               max_size=120)
SCALARS = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
           | st.floats(allow_nan=False, allow_infinity=False) | TEXT)
JSON = st.recursive(SCALARS,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)


@st.composite
def texty_designs(draw) -> Design:
    """One design shape with random text (any length, quotes, newlines, wide characters) everywhere."""
    text = [draw(TEXT) for _ in range(8)]
    line = [draw(LINE) for _ in range(6)]
    gid = "g" * draw(st.sampled_from([1, 40, 190]))
    return Design(
        dag=DagSettings(dag_id="tbd", description=text[0], doc_md=text[1] or None, tags=[line[0][:100] or "t"],
                        params={line[1]: Param(default=text[4], description=text[5]),
                                "data": Param(default=draw(JSON))},
                        default_args=TaskArgs(retries=1)),
        groups=(Group(id=gid, tooltip=text[6], ui_color=line[2]),),
        tasks=(Task(id="t" * draw(st.sampled_from([1, 30, 240 - len(gid)])), group=gid, operator="bash",
                    args={"bash_command": text[0], "env": {text[1]: text[2]}}, doc_md=text[3] or None),
               Task(id="f", operator="bash", fan_out=StaticFanOut(values=text[4:7], arg="bash_command")),
               Task(id="m", operator="bash", mapping=DynamicMapping(expand={"bash_command": text[5:8]}))),
        edges=(Edge(upstream=gid, downstream="f", label=line[3]), Edge(upstream="f", downstream="m", label=line[4]),
               Edge(upstream=gid, downstream="m", label=line[5])),
    )


def test_random_text_is_written_ruff_clean_and_formatted(tmp_path):
    sources: list[str] = []

    @settings(max_examples=200, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(texty_designs(), st.sampled_from(["airflow3", "airflow2"]))
    def run(design: Design, target: str) -> None:
        source = render_python(design, target)
        tree = ast.parse(source)
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
        assert design.dag.description in strings and design.tasks[0].args["bash_command"] in strings
        sources.append(source)

    run()
    folder = tmp_path / "dags"
    folder.mkdir()
    files = []
    for i, source in enumerate(sources):
        files.append(folder / f"dag_text_{i}.py")
        files[-1].write_text(source, encoding="utf-8")
    assert ruff_problems(files, tmp_path) == ""


# --- lint and the exporters agree, both ways --------------------------------------------------------

# Targets that may refuse a design without errors, when lint rule DD030 names them.
LIMITED_TARGETS = ("dag-factory", "python-airflow2")


def _outcomes(design: Design) -> dict[str, str | None]:
    """Target (and "bundle") -> None when it exports, else the ExportError message. Any other exception
    propagates and fails the test: no exporter ends in a traceback."""
    out: dict[str, str | None] = {}
    for target in sorted(exporters()):
        try:
            export(design, target)
            out[target] = None
        except ExportError as exc:
            out[target] = str(exc)
    try:
        build_bundle(design)
        out["bundle"] = None
    except ExportError as exc:
        out["bundle"] = str(exc)
    return out


@settings(max_examples=120, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(designs())
def test_lint_and_every_exporter_agree_both_ways(design):
    findings = analyze(design, simulate_run=False).findings
    errors = [f for f in findings if f.severity is Severity.ERROR]
    outcomes = _outcomes(design)
    refused = {target for target, message in outcomes.items() if message is not None}
    if errors:  # the gate: every code export refuses, naming the rule (the design file saves unless lossy)
        assert refused >= set(outcomes) - {"design"}, outcomes
        assert all(errors[0].code in outcomes[t] for t in refused if t != "bundle")
        return
    limited = {t for t in LIMITED_TARGETS if any(f.code == "DD030" and f"the {t} export" in f.message
                                                   for f in findings)}
    assert refused == limited, {t: outcomes[t] for t in refused ^ limited}
