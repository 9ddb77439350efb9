"""Reviewing a big design in the app (AppTest, no browser): it opens laid out with its groups collapsed,
the Find box selects a task and expands the groups around it, focus mode sends the canvas only the
neighbourhood, and groups fold and unfold."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bench.designs import layered_design
from designer.ui.canvas.layout import LARGE_DESIGN, focus_positions
from tests.test_ui_app import button, canvas_data, run

BIG = layered_design(400)  # layers of 100 tasks, groups of 50 (every fourth inside an outer group)
assert len(BIG.tasks) >= LARGE_DESIGN


def big_page():
    """The real page, opening the design a test puts in session_state["open"] as an upload would."""
    import streamlit as st

    from designer.ui import app, state

    state.init()
    if "open" in st.session_state:
        state.replace(st.session_state.pop("open"), "test upload")
    app.render()


@pytest.fixture
def big():
    at = AppTest.from_function(big_page, default_timeout=60)
    at.session_state["open"] = BIG
    return run(at)




def collapsed(at) -> set[str]:
    return {g["id"] for g in canvas_data(at)["groups"] if g.get("collapsed")}


def group_chain(task_id: str) -> set[str]:
    """The groups around a task of BIG, read from the design itself."""
    groups = {g.id: g.parent for g in BIG.groups}
    current = next(t.group for t in BIG.tasks if t.id == task_id)
    chain = set()
    while current is not None:
        chain.add(current)
        current = groups[current]
    return chain


def test_a_big_design_opens_laid_out_with_every_group_collapsed(big):
    data = canvas_data(big)
    assert len(data["tasks"]) == len(BIG.tasks) and all("position" in t for t in data["tasks"])
    assert collapsed(big) == {g.id for g in BIG.groups}
    assert "focus" not in data
    assert big.session_state["undo"]  # opening is one undo step, the layout inside it


def test_find_selects_the_task_and_expands_the_groups_around_it(big):
    big.text_input(key="find_text").input("task_37")
    run(big)
    assert canvas_data(big)["selected"] == ["task_37"]  # the exact id first
    assert collapsed(big) == {g.id for g in BIG.groups} - group_chain("task_37")
    hits = big.selectbox(key="find_pick").options
    assert hits[0] == "task_37" and set(hits[1:]) == {f"task_37{i}" for i in range(10) if f"task_37{i}" in
                                                      {t.id for t in BIG.tasks}}
    big.selectbox(key="find_pick").select("task_371")
    run(big)
    assert canvas_data(big)["selected"] == ["task_371"]
    assert not (group_chain("task_371") & collapsed(big))


def test_find_with_no_match_changes_nothing(big):
    before = canvas_data(big)
    big.text_input(key="find_text").input("no_such_task")
    run(big)
    assert big.selectbox(key="find_pick").options == [] and big.selectbox(key="find_pick").disabled
    assert canvas_data(big)["selected"] == before["selected"] and collapsed(big) == {g.id for g in BIG.groups}


def test_focus_mode_sends_only_the_neighbourhood_and_unfolds_its_groups(big):
    task = "task_150"  # layer 1 of 4: upstreams in layer 0, downstreams in layer 2
    big.text_input(key="find_text").input(task)
    run(big)
    big.toggle(key="focus_on").set_value(True)
    big.number_input(key="focus_hops").set_value(1)
    run(big)
    ups = {e.upstream for e in BIG.edges if e.downstream == task}
    downs = {e.downstream for e in BIG.edges if e.upstream == task}
    shown = {task} | ups | downs
    groups = set().union(*(group_chain(t) for t in shown))
    data = canvas_data(big)
    assert set(data["focus"]) == shown | groups
    assert not (collapsed(big) & groups)  # groups in focus are drawn open
    # The neighbourhood is laid out on its own for the view; the design keeps its positions.
    design = big.session_state["design"]
    view = focus_positions(design, data["focus"])
    sent = {t["id"]: (t["position"]["x"], t["position"]["y"]) for t in data["tasks"]}
    stored = {t.id: (t.position.x, t.position.y) for t in design.tasks}
    assert {i: sent[i] for i in shown} == {i: view[i] for i in shown} != {i: stored[i] for i in shown}
    assert all(sent[i] == stored[i] for i in stored if i not in shown)
    assert len(big.session_state["undo"]) == 1  # focusing changed nothing in the design
    big.number_input(key="focus_hops").set_value(2)
    run(big)
    two = set(canvas_data(big)["focus"])
    assert shown | groups < two
    big.toggle(key="focus_on").set_value(False)
    run(big)
    assert "focus" not in canvas_data(big)
    assert {t["id"]: (t["position"]["x"], t["position"]["y"]) for t in canvas_data(big)["tasks"]} == stored


def test_focus_mode_without_a_selection_shows_everything(big):
    big.toggle(key="focus_on").set_value(True)
    run(big)
    assert "focus" not in canvas_data(big)


def test_collapse_all_and_expand_all(big):
    button(big, "Expand all").click()
    run(big)
    assert collapsed(big) == set()
    button(big, "Collapse all").click()
    run(big)
    assert collapsed(big) == {g.id for g in BIG.groups}
