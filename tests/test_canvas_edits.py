"""Canvas edit ops -> Design (designer.ui.canvas.edits) and the op channel's de-duplication (protocol)."""

from __future__ import annotations

import pytest

from designer.model import DagSettings, Design, Edge, Group, Position, Task
from designer.storage import load_design
from designer.ui.canvas.edits import apply_edit
from designer.ui.canvas.protocol import NO_ACK, accept
from tests.conftest import SAMPLES


@pytest.fixture
def design() -> Design:
    return load_design(SAMPLES / "nested_taskgroups.yaml")


def edges(d: Design) -> set[tuple[str, str]]:
    return {(e.upstream, e.downstream) for e in d.edges}


def task(d: Design, task_id: str) -> Task:
    return next(t for t in d.tasks if t.id == task_id)


def group(d: Design, group_id: str) -> Group:
    return next(g for g in d.groups if g.id == group_id)


# --- connect

@pytest.mark.parametrize(("u", "d"), [("report", "start"), ("start", "quality"), ("quality", "report"),
                                      ("data_processing", "start")])
def test_connect_adds_edges_between_tasks_and_groups(design, u, d):
    new = apply_edit(design, {"op": "connect", "upstream": u, "downstream": d})
    assert edges(new) == edges(design) | {(u, d)}
    assert edges(design) == edges(load_design(SAMPLES / "nested_taskgroups.yaml")), "the old design is untouched"


def test_connect_allows_a_cycle(design):
    new = apply_edit(design, {"op": "connect", "upstream": "report", "downstream": "start", "seq": 3})
    assert ("report", "start") in edges(new)


def test_connect_keeps_a_label(design):
    new = apply_edit(design, {"op": "connect", "upstream": "start", "downstream": "report", "label": "late"})
    assert Edge(upstream="start", downstream="report", label="late") in new.edges


@pytest.mark.parametrize("op", [
    {"op": "connect", "upstream": "extract", "downstream": "transform"},  # duplicate
    {"op": "connect", "upstream": "start", "downstream": "start"},  # self loop
    {"op": "connect", "upstream": "start", "downstream": "nope"},  # unknown end
    {"op": "connect", "upstream": "", "downstream": "start"},
    {"op": "connect", "upstream": None, "downstream": "start"},
    {"op": "connect"},
])
def test_connect_refusals_leave_the_design_unchanged(design, op):
    assert apply_edit(design, op) is design


# --- move

def test_move_records_task_and_group_positions(design):
    new = apply_edit(design, {"op": "move", "positions": {"start": {"x": 10, "y": -2.5},
                                                          "quality": {"x": 300.25, "y": 40}}})
    assert task(new, "start").position == Position(x=10, y=-2.5)
    assert group(new, "quality").position == Position(x=300.25, y=40)
    assert task(new, "report").position == task(design, "report").position  # not moved: kept


def test_move_ignores_unknown_ids_and_bad_points(design):
    op = {"op": "move", "positions": {"ghost": {"x": 1, "y": 2}, "start": {"x": "1", "y": 2},
                                      "report": {"x": float("nan"), "y": 0}, "extract": {"x": True, "y": 1},
                                      "transform": [1, 2]}}
    assert apply_edit(design, op) is design
    assert apply_edit(design, {"op": "move", "positions": "nope"}) is design


def test_move_to_the_same_place_returns_the_same_design(design):
    moved = apply_edit(design, {"op": "move", "positions": {"start": {"x": 1, "y": 2}}})
    assert apply_edit(moved, {"op": "move", "positions": {"start": {"x": 1, "y": 2}}}) is moved


# --- reparent

def test_reparent_moves_a_task_into_a_group_and_out_again(design):
    inside = apply_edit(design, {"op": "reparent", "id": "report", "group": "quality"})
    assert task(inside, "report").group == "quality"
    out = apply_edit(inside, {"op": "reparent", "id": "report", "group": None})
    assert task(out, "report").group is None


def test_reparent_nests_and_unnests_groups(design):
    new = apply_edit(design, {"op": "reparent", "id": "quality", "group": None})
    assert group(new, "quality").parent is None
    back = apply_edit(new, {"op": "reparent", "id": "data_processing", "group": "quality"})
    assert group(back, "data_processing").parent == "quality"


@pytest.mark.parametrize("op", [
    {"op": "reparent", "id": "data_processing", "group": "quality"},  # into its own subgroup
    {"op": "reparent", "id": "quality", "group": "quality"},  # into itself
    {"op": "reparent", "id": "start", "group": "nope"},
    {"op": "reparent", "id": "nope", "group": "quality"},
    {"op": "reparent", "id": "start", "group": ""},
    {"op": "reparent", "id": "extract", "group": "data_processing"},  # already there
])
def test_reparent_refusals_leave_the_design_unchanged(design, op):
    assert apply_edit(design, op) is design


def test_reparent_into_a_group_whose_parents_loop_is_refused_not_hung():
    broken = Design(dag=DagSettings(dag_id="d"), groups=(Group(id="a", parent="b"), Group(id="b", parent="a")),
                    tasks=(Task(id="t"),))
    assert apply_edit(broken, {"op": "reparent", "id": "t", "group": "a"}) is broken
    assert apply_edit(broken, {"op": "delete", "ids": ["a", "b"]}) is broken


# --- delete

def test_delete_a_task_removes_its_edges(design):
    new = apply_edit(design, {"op": "delete", "ids": ["start"]})
    assert "start" not in {t.id for t in new.tasks}
    assert not any("start" in pair for pair in edges(new))


def test_delete_a_group_moves_its_members_to_its_parent(design):
    new = apply_edit(design, {"op": "delete", "ids": ["quality"]})
    assert "quality" not in {g.id for g in new.groups}
    assert task(new, "check_nulls").group == "data_processing"
    assert ("transform", "quality") not in edges(new) and ("quality", "validate") not in edges(new)


def test_delete_nested_groups_together_moves_members_to_the_top(design):
    new = apply_edit(design, {"op": "delete", "ids": ["quality", "data_processing"]})
    assert not new.groups
    assert task(new, "check_nulls").group is None and task(new, "extract").group is None
    assert edges(new) == {("extract", "transform")}


def test_delete_listed_edges(design):
    new = apply_edit(design, {"op": "delete", "ids": [],
                              "edges": [{"upstream": "extract", "downstream": "transform"},
                                        {"upstream": "nope", "downstream": "x"}, "junk"]})
    assert edges(new) == edges(design) - {("extract", "transform")}
    assert len(new.tasks) == len(design.tasks)


@pytest.mark.parametrize("op", [{"op": "delete"}, {"op": "delete", "ids": "start"}, {"op": "delete", "ids": ["nope"]},
                                {"op": "delete", "ids": [1, None]}])
def test_delete_nothing_leaves_the_design_unchanged(design, op):
    assert apply_edit(design, op) is design


# --- add_task

def test_add_task_in_a_group_at_a_position(design):
    new = apply_edit(design, {"op": "add_task", "id": "notify", "operator": "email", "group": "quality",
                              "position": {"x": 5, "y": 6}})
    t = task(new, "notify")
    assert (t.operator, t.group, t.position) == ("email", "quality", Position(x=5, y=6))


def test_add_task_makes_a_taken_id_unique(design):
    new = apply_edit(design, {"op": "add_task", "id": "report"})
    assert task(new, "report_2").operator == "empty"
    newer = apply_edit(new, {"op": "add_task", "id": "quality"})  # a group id counts as taken too
    assert {t.id for t in newer.tasks} >= {"report_2", "quality_2"}


@pytest.mark.parametrize(("op", "expected_id", "expected_group"), [
    ({"op": "add_task"}, "task", None),
    ({"op": "add_task", "id": "bad id!"}, "task", None),
    ({"op": "add_task", "id": "t1", "group": "nope"}, "t1", None),
    ({"op": "add_task", "id": "t2", "position": {"x": "a"}}, "t2", None),
])
def test_add_task_repairs_what_it_can(design, op, expected_id, expected_group):
    new = apply_edit(design, op)
    t = task(new, expected_id)
    assert t.group == expected_group and t.position is None


# --- view ops, junk

@pytest.mark.parametrize("op", [
    {"op": "select", "ids": ["start"]}, {"op": "toggle_collapse", "id": "quality", "collapsed": True},
    {"op": "explode"}, {"nope": 1}, {}, "connect", None, ["op"],
])
def test_view_ops_and_junk_leave_the_design_unchanged(design, op):
    assert apply_edit(design, op) is design


def test_a_sequence_of_ops_like_a_drawing_session(design):
    ops = [
        {"op": "add_task", "id": "notify", "group": None, "position": {"x": 900, "y": 100}},
        {"op": "connect", "upstream": "report", "downstream": "notify"},
        {"op": "reparent", "id": "notify", "group": "data_processing"},
        {"op": "reparent", "id": "quality", "group": None},
        {"op": "move", "positions": {"notify": {"x": 400, "y": 300}}},
        {"op": "delete", "ids": ["check_nulls"]},
    ]
    for op in ops:
        design = apply_edit(design, op)
    assert task(design, "notify").group == "data_processing"
    assert task(design, "notify").position == Position(x=400, y=300)
    assert group(design, "quality").parent is None
    assert ("report", "notify") in edges(design)
    assert "check_nulls" not in {t.id for t in design.tasks}


# --- protocol: which ops of a batch are new

def op(seq: int, name: str = "select") -> dict:
    return {"op": name, "seq": seq, "ids": []}


def test_accept_returns_new_ops_in_order_and_the_ack():
    ops, ack = accept({"client": "c1", "ops": [op(2), op(1)]}, NO_ACK)
    assert [o["seq"] for o in ops] == [1, 2]
    assert ack == {"client": "c1", "seq": 2}


def test_accept_skips_ops_already_applied():
    _, ack = accept({"client": "c1", "ops": [op(1), op(2)]}, NO_ACK)
    # The canvas resends what Python had not acknowledged when it sent op 3.
    ops, ack = accept({"client": "c1", "ops": [op(2), op(3)]}, ack)
    assert [o["seq"] for o in ops] == [3]
    again, same = accept({"client": "c1", "ops": [op(2), op(3)]}, ack)
    assert again == [] and same == ack


def test_accept_restarts_numbering_for_a_new_client():
    _, ack = accept({"client": "c1", "ops": [op(1), op(2), op(3)]}, NO_ACK)
    ops, ack = accept({"client": "c2", "ops": [op(1)]}, ack)
    assert [o["seq"] for o in ops] == [1] and ack == {"client": "c2", "seq": 1}


def test_accept_drops_duplicate_sequence_numbers():
    ops, _ = accept({"client": "c", "ops": [op(1, "connect"), op(1, "move")]}, NO_ACK)
    assert [o["op"] for o in ops] == ["connect"]


@pytest.mark.parametrize("batch", [
    None, "x", [], {"client": "c"}, {"ops": [op(1)]}, {"client": "", "ops": [op(1)]}, {"client": 5, "ops": [op(1)]},
    {"client": "c" * 65, "ops": [op(1)]}, {"client": "c", "ops": "nope"},
    {"client": "c", "ops": [{"op": "select"}, {"seq": 1}, {"op": "x", "seq": 0}, {"op": "x", "seq": True},
                            {"op": 1, "seq": 2}, "junk"]},
])
def test_accept_ignores_malformed_batches(batch):
    ops, _ = accept(batch, NO_ACK)
    assert ops == []
