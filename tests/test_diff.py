"""designer.diff: pairs of small designs with hand-written change lists, the cases that must compare
equal, messages, canvas marks, and properties over generated designs."""

from __future__ import annotations

import json
import random

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.diff import BRIEF_CHARS, Change, diff_designs
from designer.model import DagSettings, Design, Edge, Group, Position, Task, TriggerRule
from designer.storage import dump_design, parse_design

BASE = """\
dag:
  dag_id: etl
  schedule: "@daily"
  tags: [etl]
  params: {env: {default: dev, type: string}}
  default_args: {retries: 1}
groups:
  - {id: load, tooltip: Loading}
  - {id: inner, parent: load}
tasks:
  - {id: extract, operator: bash, args: {bash_command: echo x, env: {A: "1"}}}
  - {id: store, group: load, fan_out: {count: 3}}
  - {id: mapped, operator: python, args: {python_callable: m.f}, mapping: {expand: {x: [1, 2]}}}
edges:
  - {upstream: extract, downstream: store, label: rows}
  - {upstream: extract, downstream: mapped}
"""
MAPPED = {"id": "mapped", "operator": "python", "args": {"python_callable": "m.f"},
          "mapping": {"expand": {"x": [1, 2]}}}

# (name, edits of BASE as (old text, new text), expected changes as (kind, what, subject, path, old, new))
CASES = [
    ("task added", [("edges:\n", "  - {id: report, operator: bash}\nedges:\n")],
     [("added", "task", "report", (), None, {"id": "report", "operator": "bash"})]),
    ("task removed with its edge", [(BASE.splitlines(keepends=True)[12], ""),
                                    ("  - {upstream: extract, downstream: mapped}\n", "")],
     [("removed", "task", "mapped", (), MAPPED, None),
      ("removed", "edge", "extract >> mapped", (), {"upstream": "extract", "downstream": "mapped"}, None)]),
    ("operator changed", [("id: extract, operator: bash", "id: extract, operator: python")],
     [("changed", "task", "extract", ("operator",), "bash", "python")]),
    ("arg added", [("bash_command: echo x,", "bash_command: echo x, cwd: /tmp,")],
     [("added", "task", "extract", ("args", "cwd"), None, "/tmp")]),
    ("arg removed", [(', env: {A: "1"}', "")],
     [("removed", "task", "extract", ("args", "env"), {"A": "1"}, None)]),
    ("arg changed", [("echo x", "echo y")],
     [("changed", "task", "extract", ("args", "bash_command"), "echo x", "echo y")]),
    ("nested arg key changed", [('A: "1"', 'A: "2"')],
     [("changed", "task", "extract", ("args", "env", "A"), "1", "2")]),
    ("nested arg key added and removed", [('A: "1"', 'B: "1"')],
     [("removed", "task", "extract", ("args", "env", "A"), "1", None),
      ("added", "task", "extract", ("args", "env", "B"), None, "1")]),
    ("a string becomes a number", [('A: "1"', "A: 1")],
     [("changed", "task", "extract", ("args", "env", "A"), "1", 1)]),
    ("integers become a boolean and a float", [("x: [1, 2]", "x: [true, 2.0]")],
     [("changed", "task", "mapped", ("mapping", "expand", "x"), [1, 2], [True, 2.0])]),
    ("trigger rule", [("group: load,", "group: load, trigger_rule: all_done,")],
     [("changed", "task", "store", ("trigger_rule",), "all_success", "all_done")]),
    ("mapping expand list changed", [("x: [1, 2]", "x: [1, 2, 3]")],
     [("changed", "task", "mapped", ("mapping", "expand", "x"), [1, 2], [1, 2, 3])]),
    ("mapping expand key added", [("x: [1, 2]", "x: [1, 2], y: [a]")],
     [("added", "task", "mapped", ("mapping", "expand", "y"), None, ["a"])]),
    ("mapping turned into a fan-out", [("mapping: {expand: {x: [1, 2]}}", "fan_out: {count: 2}")],
     [("changed", "task", "mapped", ("fan_out",), None, {"count": 2, "values": None, "arg": None}),
      ("changed", "task", "mapped", ("mapping",), {"expand": {"x": [1, 2]}}, None)]),
    ("fan_out count", [("count: 3", "count: 4")],
     [("changed", "task", "store", ("fan_out", "count"), 3, 4)]),
    ("group parent moved", [("{id: inner, parent: load}", "{id: inner}")],
     [("changed", "group", "inner", ("parent",), "load", None)]),
    ("task moved between groups", [("group: load,", "group: inner,")],
     [("changed", "task", "store", ("group",), "load", "inner")]),
    ("group tooltip", [("tooltip: Loading", "tooltip: Loading data")],
     [("changed", "group", "load", ("tooltip",), "Loading", "Loading data")]),
    ("group default_args", [("tooltip: Loading", "tooltip: Loading, default_args: {pool: db}")],
     [("changed", "group", "load", ("default_args", "pool"), None, "db")]),
    ("group added", [("groups:\n", "groups:\n  - {id: spare, ui_color: '#fff'}\n")],
     [("added", "group", "spare", (), None, {"id": "spare", "ui_color": "#fff"})]),
    ("edge added", [("edges:\n", "edges:\n  - {upstream: store, downstream: mapped}\n")],
     [("added", "edge", "store >> mapped", (), None, {"upstream": "store", "downstream": "mapped"})]),
    ("edge removed", [("  - {upstream: extract, downstream: store, label: rows}\n", "")],
     [("removed", "edge", "extract >> store", (),
       {"upstream": "extract", "downstream": "store", "label": "rows"}, None)]),
    ("edge label changed and set", [("label: rows", "label: all rows"),
                                    ("downstream: mapped}", "downstream: mapped, label: x}")],
     [("changed", "edge", "extract >> mapped", ("label",), None, "x"),
      ("changed", "edge", "extract >> store", ("label",), "rows", "all rows")]),
    ("DAG schedule", [('"@daily"', '"0 2 * * *"')],
     [("changed", "dag", None, ("schedule",), "@daily", "0 2 * * *")]),
    ("DAG schedule to an interval", [('"@daily"', "{interval: 3600}")],
     [("changed", "dag", None, ("schedule",), "@daily", {"interval": "PT1H"})]),
    ("DAG schedule to a timetable", [('"@daily"', "{timetable: my.tt.Workdays, kwargs: {days: 5}}")],
     [("changed", "dag", None, ("schedule",), "@daily", {"timetable": "my.tt.Workdays", "kwargs": {"days": 5}})]),
    ("DAG asset condition", [('"@daily"', "{mode: any, assets: [s3://a, {alias: late}]}")],
     [("changed", "dag", None, ("schedule",), "@daily", {"assets": ["s3://a", {"alias": "late"}], "mode": "any"})]),
    ("DAG tags", [("tags: [etl]", "tags: [etl, nightly]")],
     [("changed", "dag", None, ("tags",), ["etl"], ["etl", "nightly"])]),
    ("DAG param default", [("default: dev", "default: prod")],
     [("changed", "dag", None, ("params", "env", "default"), "dev", "prod")]),
    ("DAG param added", [("type: string}}", "type: string}, day: {default: 1}}")],
     [("added", "dag", None, ("params", "day"), None, {"default": 1, "type": None, "description": None})]),
    ("DAG default_args", [("retries: 1}", "retries: 2, owner: ops}")],
     [("changed", "dag", None, ("default_args", "owner"), None, "ops"),
      ("changed", "dag", None, ("default_args", "retries"), 1, 2)]),
    ("DAG id and start date", [("dag_id: etl", "dag_id: etl2\n  start_date: 2025-02-03")],
     [("changed", "dag", None, ("dag_id",), "etl", "etl2"),
      ("changed", "dag", None, ("start_date",), "2024-01-01T00:00:00", "2025-02-03T00:00:00")]),
    ("estimated duration is design data", [("group: load,", "group: load, estimated_duration: 300,")],
     [("changed", "task", "store", ("estimated_duration",), "PT1M", "PT5M")]),
    ("lint settings", [("dag:\n", "lint: {max_fan_in: 30, disabled: [DD010]}\ndag:\n")],
     [("changed", "lint", None, ("max_fan_in",), 20, 30),
      ("changed", "lint", None, ("disabled",), [], ["DD010"])]),
    ("rename: a removal, an addition and their edges", [("{id: extract,", "{id: pull,"),
                                                        ("upstream: extract", "upstream: pull"),
                                                        ("upstream: extract", "upstream: pull")],
     [("removed", "task", "extract", (), {"id": "extract", "operator": "bash",
                                          "args": {"bash_command": "echo x", "env": {"A": "1"}}}, None),
      ("added", "task", "pull", (), None, {"id": "pull", "operator": "bash",
                                           "args": {"bash_command": "echo x", "env": {"A": "1"}}}),
      ("removed", "edge", "extract >> mapped", (), {"upstream": "extract", "downstream": "mapped"}, None),
      ("removed", "edge", "extract >> store", (),
       {"upstream": "extract", "downstream": "store", "label": "rows"}, None),
      ("added", "edge", "pull >> mapped", (), None, {"upstream": "pull", "downstream": "mapped"}),
      ("added", "edge", "pull >> store", (), None, {"upstream": "pull", "downstream": "store", "label": "rows"})]),
]


def edited(edits: list[tuple[str, str]]) -> str:
    text = BASE
    for old, new in edits:
        assert old in text, old  # every edit must apply, or the case would test nothing
        text = text.replace(old, new, 1)
    return text


def design(text: str) -> Design:
    return parse_design(text, "<test>")[0]


def as_tuples(changes) -> list[tuple]:
    return [(c.kind, c.what, c.subject, c.path, c.old, c.new) for c in changes]


@pytest.mark.parametrize(("edits", "expected"), [pytest.param(e, x, id=n) for n, e, x in CASES])
def test_known_differences_give_exactly_the_hand_written_changes(edits, expected):
    result = diff_designs(design(BASE), design(edited(edits)))
    assert as_tuples(result.changes) == expected
    assert json.loads(json.dumps(result.as_dict()))["changes"] == [c.as_dict() | {"path": list(c.path)}
                                                                 for c in result.changes]


@pytest.mark.parametrize(("edits", "expected"), [pytest.param(e, x, id=n) for n, e, x in CASES])
def test_swapping_the_designs_mirrors_the_changes(edits, expected):
    mirrored = {"added": "removed", "removed": "added", "changed": "changed"}
    back = diff_designs(design(edited(edits)), design(BASE))
    assert sorted(map(repr, as_tuples(back.changes))) == sorted(
        repr((mirrored[kind], what, subject, path, new, old)) for kind, what, subject, path, old, new in expected)


def reformatted(text: str) -> list[str]:
    """BASE written other ways that must compare equal: JSON with sorted keys, every list reversed,
    positions on every box, defaults spelled out."""
    data = yaml.safe_load(text)
    as_json = json.dumps(data, sort_keys=True, indent=1)
    reordered = {key: (value[::-1] if isinstance(value, list) else value) for key, value in reversed(data.items())}
    placed = {**data, "tasks": [{**t, "position": {"x": i * 10.5, "y": 3}} for i, t in enumerate(data["tasks"])],
              "groups": [{**g, "position": {"x": 0, "y": i}} for i, g in enumerate(data["groups"])]}
    spelled = {**data, "schema_version": 1, "lint": {"max_fan_in": 20},
               "tasks": [{"trigger_rule": "all_success", "estimated_duration": 60, "group": None, **t}
                         for t in data["tasks"]]}
    return [as_json, yaml.safe_dump(reordered), yaml.safe_dump(placed), yaml.safe_dump(spelled),
            dump_design(design(text), "json")]


@pytest.mark.parametrize("index", range(5), ids=["json sorted keys", "reversed order", "positions",
                                                  "defaults spelled out", "design file round trip"])
def test_the_same_design_written_differently_is_equal(index):
    other = reformatted(BASE)[index]
    assert other.strip() != BASE.strip()
    result = diff_designs(design(BASE), design(other))
    assert result.is_empty and result.as_dict() == {"equal": True, "summary": result.summary(), "changes": []}
    assert diff_designs(design(other), design(BASE)).is_empty


def test_marks_and_summary_of_a_mixed_pair():
    new = edited([("edges:\n", "  - {id: report}\nedges:\n  - {upstream: store, downstream: report}\n"),
                  ("tooltip: Loading", "tooltip: Load"), ("echo x", "echo y"),
                  ("  - {upstream: extract, downstream: mapped}\n", ""), ("label: rows", "label: r"),
                  ("  - {id: inner, parent: load}\n", ""), ('"@daily"', "null")])
    result = diff_designs(design(BASE), design(new))
    assert result.marks() == {
        "tasks": {"extract": "changed", "report": "added"},
        "groups": {"inner": "removed", "load": "changed"},
        "edges": {"extract>mapped": "removed", "extract>store": "changed", "store>report": "added"},
    }
    assert result.summary() == {
        "changes": 8, "dag": 1, "lint": 0,
        "groups": {"added": 0, "removed": 1, "changed": 1},
        "tasks": {"added": 1, "removed": 0, "changed": 1},
        "edges": {"added": 1, "removed": 1, "changed": 1},
    }


@pytest.mark.parametrize(("change", "message"), [
    (Change("added", "task", "report", ()), "task report added"),
    (Change("removed", "edge", "a >> b", ()), "edge a >> b removed"),
    (Change("changed", "dag", None, ("schedule",), "@daily", None), 'DAG: schedule changed from "@daily" to null'),
    (Change("changed", "lint", None, ("max_fan_in",), 20, 30), "lint settings: max_fan_in changed from 20 to 30"),
    (Change("added", "task", "t", ("args", "env", "HOME"), None, "/root"), 'task t: args.env.HOME added: "/root"'),
    (Change("removed", "group", "g", ("default_args", "pool"), "db"), 'group g: default_args.pool removed (was "db")'),
    (Change("changed", "task", "t", ("args", "flag"), 1, True), "task t: args.flag changed from 1 to true"),
    (Change("changed", "task", "t", ("args", "cmd"), "a\nb\u202e", "ü"),
     'task t: args.cmd changed from "a\\nb\\u202e" to "ü"'),
    (Change("added", "task", "bad\nid", ()), 'task "bad\\nid" added'),
    (Change("changed", "task", "t", ("args", "sql"), "x" * 200, {"k": [1] * 100}),
     f'task t: args.sql changed from "{"x" * (BRIEF_CHARS - 2)}… to {{"k": [{"1, " * 17}1…'),
])
def test_messages_are_one_short_line_without_python_reprs(change, message):
    assert change.message == message
    assert change.message.isprintable()


@pytest.mark.parametrize(("old", "new", "path"), [
    (1, True, ("v",)), (0, False, ("v",)), (1, 1.0, ("v",)), (0.0, False, ("v",)), ("1", 1, ("v",)),
    ({"k": 1}, {"k": True}, ("v", "k")), ([1], [1.0], ("v",)), ({"k": [0]}, {"k": [False]}, ("v", "k")),
])
def test_values_equal_in_python_but_written_differently_are_a_change(old, new, path):
    """1 == 1.0 == True in Python, but a file (and generated code) tells them apart."""
    def with_arg(value):
        return Design(dag=DagSettings(dag_id="d"), tasks=(Task(id="t", args={"v": value}),))
    changes = diff_designs(with_arg(old), with_arg(new)).changes
    assert [(c.path[1:], type(c.new)) for c in changes] == [(path, type(new if len(path) == 1 else new["k"]))]
    assert diff_designs(with_arg(old), with_arg(old)).is_empty


def test_repeated_ids_in_half_drawn_designs_pair_equal_items_first():
    t = Task(id="t", operator="bash")
    old = Design(dag=DagSettings(dag_id="d"), tasks=(t, t.model_copy(update={"operator": "python"})),
                 edges=(Edge(upstream="t", downstream="t"),) * 2)
    new = Design(dag=DagSettings(dag_id="d"), tasks=(t.model_copy(update={"operator": "python"}), t),
                 edges=(Edge(upstream="t", downstream="t"),))
    assert as_tuples(diff_designs(old, new).changes) == [
        ("removed", "edge", "t >> t", (), {"upstream": "t", "downstream": "t"}, None)]
    assert diff_designs(old, new).marks()["tasks"] == {}


# --- properties over generated designs --------------------------------------------------------------

IDS = ["a", "b", "c", "d"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.floats(-2, 2, allow_nan=False),
                    st.sampled_from(["", "x", "1"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(
    st.sampled_from(["k", "v"]), inner, max_size=2), max_leaves=4)
positions = st.none() | st.builds(Position, x=st.integers(0, 9), y=st.integers(0, 9))
tasks = st.builds(Task, id=st.sampled_from(IDS), operator=st.sampled_from(["empty", "bash"]),
                  args=st.dictionaries(st.sampled_from(["cmd", "env"]), values, max_size=2),
                  group=st.sampled_from([None, "g", "h"]), trigger_rule=st.sampled_from(list(TriggerRule)[:3]),
                  position=positions)
groups = st.builds(Group, id=st.sampled_from(["g", "h"]), parent=st.sampled_from([None, "g"]),
                   tooltip=st.sampled_from(["", "t"]), position=positions)
edges = st.builds(Edge, upstream=st.sampled_from(IDS), downstream=st.sampled_from(IDS),
                  label=st.sampled_from([None, "x"]))
designs = st.builds(
    Design,
    dag=st.builds(DagSettings, dag_id=st.just("d"), schedule=st.sampled_from([None, "@daily"]),
                  tags=st.lists(st.sampled_from(["p", "q"]), max_size=2)),
    tasks=st.lists(tasks, max_size=4).map(tuple), groups=st.lists(groups, max_size=2).map(tuple),
    edges=st.lists(edges, max_size=4).map(tuple))


def canonical(d: Design) -> tuple:
    """The design as sorted JSON texts without positions: what the diff must treat as equal, written
    independently of designer.diff (JSON text tells 1, 1.0 and true apart)."""
    def text(item, exclude=frozenset()):
        return json.dumps(item.model_dump(mode="json", exclude=set(exclude)), sort_keys=True)
    return (text(d.dag), text(d.lint), sorted(text(t, {"position"}) for t in d.tasks),
            sorted(text(g, {"position"}) for g in d.groups), sorted(text(e) for e in d.edges))


def shuffled_and_moved(d: Design, seed: int) -> Design:
    rng = random.Random(seed)
    def moved(items):
        items = [i.model_copy(update={"position": Position(x=rng.random(), y=1)}) for i in items]
        rng.shuffle(items)
        return tuple(items)
    edges_ = list(d.edges)
    rng.shuffle(edges_)
    return d.model_copy(update={"tasks": moved(d.tasks), "groups": moved(d.groups), "edges": tuple(edges_)})


@settings(max_examples=300, deadline=None)
@given(designs, designs, st.integers(0, 1000))
def test_diff_is_empty_exactly_when_designs_are_equal_ignoring_positions_and_order(a, b, seed):
    assert diff_designs(a, a).is_empty
    assert diff_designs(a, shuffled_and_moved(a, seed)).is_empty
    assert diff_designs(a, design(dump_design(a))).is_empty  # through a file and back
    assert diff_designs(a, b).is_empty == (canonical(a) == canonical(b))
    mirrored = {"added": "removed", "removed": "added", "changed": "changed"}
    there = sorted(repr((mirrored[c.kind], c.what, c.subject, c.path, c.new, c.old))
                   for c in diff_designs(a, b).changes)
    assert there == sorted(repr(t) for t in as_tuples(diff_designs(b, a).changes))
    json.dumps(diff_designs(a, b).as_dict(), allow_nan=False)  # --json output is plain JSON
