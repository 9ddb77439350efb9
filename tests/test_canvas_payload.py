"""The data the canvas frontend receives (designer.ui.canvas.payload.canvas_payload)."""

from __future__ import annotations

import json

import pytest

from designer.analysis import analyze
from designer.diff import diff_designs
from designer.edits import connect
from designer.model import DagSettings, Design, DynamicMapping, Edge, Group, Position, StaticFanOut, Task
from designer.storage import load_design
from designer.ui.canvas.delta import WIRE_KEYS, wire_message
from designer.ui.canvas.payload import PAYLOAD_VERSION, canvas_payload, diff_removed, local_ids, operator_label
from tests.conftest import SAMPLES, sample_paths


@pytest.fixture
def design() -> Design:
    """The sample without its stored positions (tests of positions set their own)."""
    sample = load_design(SAMPLES / "nested_taskgroups.yaml")
    return sample.model_copy(update={"tasks": tuple(t.model_copy(update={"position": None}) for t in sample.tasks),
                                     "groups": tuple(g.model_copy(update={"position": None}) for g in sample.groups)})


def test_payload_shape(design):
    data = canvas_payload(design, instance="c1", height=480, relayout_token=3, ack={"client": "abc", "seq": 7})
    assert set(data) == {"version", "instance", "height", "operators", "tasks", "groups", "edges", "selected",
                         "highlight", "edge_highlight", "relayout_token", "ack"}
    assert (data["instance"], data["height"], data["relayout_token"]) == ("c1", 480, 3)
    assert data["ack"] == {"client": "abc", "seq": 7}
    assert data["operators"] == {"bash": "Bash", "empty": "Empty"}
    # Keys with default values are left out (the frontend reads a missing key as its default).
    assert data["tasks"][0] == {"id": "start", "operator": "empty"}
    assert data["tasks"][1] == {"id": "extract", "operator": "bash", "group": "data_processing"}
    assert data["groups"] == [{"id": "data_processing"}, {"id": "quality", "parent": "data_processing"}]
    assert data["edges"][0] == {"upstream": "start", "downstream": "data_processing"}
    assert data["highlight"] == {"cycle": [], "critical": [], "diff-added": [], "diff-changed": []}
    assert data["edge_highlight"] == {"diff-added": [], "diff-changed": []}
    assert json.loads(json.dumps(data)) == data, "plain JSON"


def test_default_ack_is_empty(design):
    assert canvas_payload(design)["ack"] == {"client": None, "seq": 0}


def test_positions_are_whole_pixels_and_labels_are_kept(design):
    moved = design.model_copy(update={
        "tasks": (design.tasks[0].model_copy(update={"position": Position(x=1.26, y=-3.7)}), *design.tasks[1:]),
        "groups": (design.groups[0].model_copy(update={"position": Position(x=10, y=20)}), *design.groups[1:]),
        "edges": (design.edges[0].model_copy(update={"label": "go"}), *design.edges[1:]),
    })
    data = canvas_payload(moved)
    assert data["tasks"][0]["position"] == {"x": 1, "y": -4}
    assert data["groups"][0]["position"] == {"x": 10, "y": 20}
    assert data["edges"][0]["label"] == "go"


def test_mapped_and_fanned_out_tasks_are_marked():
    d = Design(dag=DagSettings(dag_id="d"), tasks=(
        Task(id="m", operator="python", mapping=DynamicMapping(expand={"op_args": [[1], [2]]})),
        Task(id="f", operator="my_co.ops.LoadOperator", fan_out=StaticFanOut(values=["a", "b", "c"])),
    ))
    data = canvas_payload(d)
    m, f = data["tasks"]
    assert (m.get("mapped"), m.get("fan_out")) == (True, None)
    assert (f.get("mapped"), f.get("fan_out")) == (None, 3)
    assert data["operators"] == {"my_co.ops.LoadOperator": "LoadOperator", "python": "Python"}


def test_operator_labels():
    assert operator_label("bash") == "Bash"
    assert operator_label("empty") == "Empty"
    assert operator_label("pkg.mod.Custom") == "Custom"


def test_selection_highlight_and_collapsed_keep_known_ids_only(design):
    data = canvas_payload(design, selected=["report", "gone", "report", "quality"],
                          highlight={"cycle": ["start", "x"], "critical": ["start", "extract"], "other": ["start"]},
                          collapsed=["quality", "start", "nope"])
    assert data["selected"] == ["report", "quality"]
    assert data["highlight"] == {"cycle": ["start"], "critical": ["start", "extract"], "diff-added": [],
                                 "diff-changed": []}
    assert [g.get("collapsed", False) for g in data["groups"]] == [False, True]



@pytest.mark.parametrize(("focus", "sent"), [
    (None, None),  # focus mode off: the key is left out and everything is shown
    ([], []),  # on, with nothing to show
    (["report", "quality", "gone", "report"], ["quality", "report"]),  # known ids, once, sorted
])
def test_focus_is_sent_only_in_focus_mode_with_known_ids(design, focus, sent):
    data = canvas_payload(design, focus=focus)
    assert data.get("focus") == sent and ("focus" in data) is (focus is not None)


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_every_sample_makes_a_json_payload(path):
    d = load_design(path)  # INVALID_ samples load too: their problems are lint findings
    data = canvas_payload(d)
    assert len(data["tasks"]) == len(d.tasks) and len(data["edges"]) == len(d.edges)
    json.dumps(data)


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_every_sample_goes_as_a_whole_message_then_as_a_small_delta(path):
    d = load_design(path)
    data = canvas_payload(d, run=1)
    assert not set(data) & set(WIRE_KEYS), "the message's own keys are free"
    first = wire_message(data, 1, stream="s")
    assert first == {**data, "stream": "s", "seq": 1}
    second = wire_message(canvas_payload(d, run=2), 2, data, first, stream="s")
    assert second == {"version": PAYLOAD_VERSION, "stream": "s", "seq": 2, "base": 1, "set": {"run": 2}}


def test_local_ids_map_airflow_task_ids_back(design):
    report = analyze(connect(design, "report", "start"))
    cycle = [n for c in report.cycles for n in c]
    assert "data_processing.quality.check_nulls" in cycle
    assert set(local_ids(design, cycle)) == {"start", "extract", "transform", "check_nulls", "validate", "report"}
    assert local_ids(design, ["report", "nope", "data_processing.extract", "report"]) == ["report", "extract"]


def test_local_ids_map_fan_out_copies_to_their_task():
    d = Design(dag=DagSettings(dag_id="d"), groups=(Group(id="g"),),
               tasks=(Task(id="f", group="g", fan_out=StaticFanOut(count=2)),))
    assert local_ids(d, ["g.f_0", "g.f_1", "f_1"]) == ["f"]


def big_design(n: int) -> Design:
    groups = [Group(id=f"section_{i}") for i in range(n // 100)]
    groups += [Group(id=f"group_{i}", parent=f"section_{i // 10}" if i // 10 < n // 100 else None)
               for i in range(n // 10)]
    tasks = [Task(id=f"task_{i:04d}", operator="bash", group=f"group_{i // 10}",
                  position=Position(x=123.456 + i, y=7890.123 - i)) for i in range(n)]
    edges = [Edge(upstream=f"task_{i - 1:04d}", downstream=f"task_{i:04d}") for i in range(1, n)]
    edges += [Edge(upstream=f"task_{i - 13:04d}", downstream=f"task_{i:04d}") for i in range(13, n, 3)]
    return Design(dag=DagSettings(dag_id="big"), tasks=tuple(tasks), groups=tuple(groups), edges=tuple(edges))


def test_a_2000_task_payload_stays_under_400_kb():
    d = big_design(2000)
    data = canvas_payload(d, selected=[t.id for t in d.tasks[:50]], highlight={"critical": [t.id for t in d.tasks]})
    size = len(json.dumps(data))  # what Streamlit puts in the proto (json.dumps, default separators)
    assert len(data["tasks"]) == 2000 and len(data["edges"]) > 2600
    assert size < 400_000, f"{size / 1000:.0f} KB"


# (edge_highlight given, what the payload keeps): pairs that are edges of the design, once each, in order.
EDGE_MARKS = [
    ({"diff-added": [("start", "data_processing")]},
     {"diff-added": [["start", "data_processing"]], "diff-changed": []}),
    ({"diff-changed": [("data_processing", "start")]}, {"diff-added": [], "diff-changed": []}),  # reversed
    ({"diff-added": [("start", "nowhere")], "other": [("start", "data_processing")]},
     {"diff-added": [], "diff-changed": []}),
    ({"diff-added": [("start", "data_processing"), ["start", "data_processing"]]},
     {"diff-added": [["start", "data_processing"]], "diff-changed": []}),
]


@pytest.mark.parametrize(("given", "kept"), EDGE_MARKS)
def test_edge_highlight_keeps_edges_of_the_design_only(design, given, kept):
    assert canvas_payload(design, edge_highlight=given)["edge_highlight"] == kept


def test_removed_items_are_sent_as_ghosts_with_their_old_positions():
    old = Design.model_validate({
        "dag": {"dag_id": "d"},
        "groups": [{"id": "g", "position": {"x": 7.4, "y": 8}}, {"id": "kept"}],
        "tasks": [{"id": "a"}, {"id": "b", "operator": "bash", "group": "g", "position": {"x": 1.6, "y": 2}},
                  {"id": "c", "fan_out": {"count": 2}}],
        "edges": [{"upstream": "a", "downstream": "b"}, {"upstream": "a", "downstream": "c"}]})
    new = Design.model_validate({"dag": {"dag_id": "d"}, "groups": [{"id": "kept"}],
                                 "tasks": [{"id": "a"}, {"id": "c", "fan_out": {"count": 2}}]})
    removed = diff_removed(diff_designs(old, new), old)
    # By hand: b (in the removed group g, drawn at the top level) and g go, and both of a's edges.
    assert removed == {"tasks": [{"id": "b", "operator": "bash", "position": {"x": 2, "y": 2}}],
                       "groups": [{"id": "g", "position": {"x": 7, "y": 8}}],
                       "edges": [["a", "b"], ["a", "c"]]}
    assert canvas_payload(new, removed=removed)["removed"] == removed
    assert "removed" not in canvas_payload(new, removed={"tasks": [], "groups": [], "edges": []})
    assert diff_removed(diff_designs(old, old), old) == {"tasks": [], "groups": [], "edges": []}


def test_setup_teardown_and_own_airflow_ids_are_sent_only_when_set():
    design = Design.model_validate({"dag": {"dag_id": "d"}, "tasks": [
        {"id": "make", "is_setup": True}, {"id": "drop", "is_teardown": True, "task_id": "cleanup",
                                           "trigger_rule": "all_done_setup_success"}, {"id": "plain"}]})
    tasks = canvas_payload(design)["tasks"]
    assert tasks == [{"id": "make", "operator": "empty", "role": "setup"},
                     {"id": "drop", "operator": "empty", "task_id": "cleanup", "role": "teardown"},
                     {"id": "plain", "operator": "empty"}]
