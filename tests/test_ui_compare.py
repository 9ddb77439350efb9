"""The Compare review tab, driven by AppTest: a hand-written pair of designs, the change list exactly as
`python -m designer diff` prints it, and the canvas payload's diff highlight (hand-written answers)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.test_ui_app import button, canvas_data, open_tab, run

OLD = b"""schema_version: 1
dag: {dag_id: pair, schedule: "@daily", start_date: "2024-01-01T00:00:00"}
groups:
  - {id: stage}
  - {id: retired}
tasks:
  - {id: extract, operator: bash, args: {bash_command: "echo e"}}
  - {id: clean, operator: bash, group: stage, args: {bash_command: "echo c"}}
  - {id: load, operator: empty}
  - {id: old_report, operator: empty, group: retired}
edges:
  - {upstream: extract, downstream: clean}
  - {upstream: clean, downstream: load, label: first}
  - {upstream: load, downstream: old_report}
"""
NEW = b"""schema_version: 1
dag: {dag_id: pair, schedule: "@hourly", start_date: "2024-01-01T00:00:00"}
groups:
  - {id: stage, tooltip: staging}
  - {id: publish}
tasks:
  - {id: extract, operator: bash, args: {bash_command: "echo e"}, position: {x: 500, y: 10}}
  - {id: clean, operator: bash, group: stage, args: {bash_command: "echo cleaner"}}
  - {id: load, operator: empty}
  - {id: notify, operator: empty, group: publish}
edges:
  - {upstream: extract, downstream: clean}
  - {upstream: clean, downstream: load, label: second}
  - {upstream: load, downstream: notify}
  - {upstream: extract, downstream: load}
"""
# By hand: the schedule; group stage's tooltip (default "") is set, retired goes, publish comes; clean's
# command changes, old_report goes, notify comes (extract only moved: layout is not compared); the
# clean >> load label changes, load >> old_report goes, load >> notify and extract >> load come.
CHANGES = [
    ("DAG settings", ['DAG: schedule changed from "@daily" to "@hourly"']),
    ("Groups", ["group publish added", "group retired removed", 'group stage: tooltip changed from "" to "staging"']),
    ("Tasks", ['task clean: args.bash_command changed from "echo c" to "echo cleaner"', "task notify added",
               "task old_report removed"]),
    ("Edges", ['edge clean >> load: label changed from "first" to "second"', "edge extract >> load added",
               "edge load >> notify added", "edge load >> old_report removed"]),
]
SUMMARY = ("From old.yaml to the current design: different: 1 DAG setting changed; groups: 1 added, 1 removed, "
           "1 changed; tasks: 1 added, 1 removed, 1 changed; edges: 2 added, 1 removed, 1 changed (11 changes)")


@pytest.fixture
def compared():
    """The app with NEW open and OLD uploaded in the Compare tab."""
    at = run(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60))
    at.file_uploader(key="upload:0").set_value(("new.yaml", NEW, "application/yaml"))
    run(at)
    assert at.session_state["design"].dag.schedule == "@hourly"
    open_tab(at, "review_tab", "Compare")
    at.file_uploader(key="compare_upload").set_value(("old.yaml", OLD, "application/yaml"))
    return run(at)


def shown_changes(at) -> list[tuple[str, list[str]]]:
    headings = [m.value.strip("*") for m in at.markdown if m.value.startswith("**")]
    blocks = [c.value.splitlines() for c in at.code]
    return list(zip(headings, blocks, strict=True))


def test_the_change_list_is_the_diff_commands_grouped(compared):
    assert shown_changes(compared) == CHANGES
    assert SUMMARY in [t.value for t in compared.text]


def test_show_on_canvas_marks_added_and_changed_items_and_draws_the_removed_as_ghosts(compared):
    empty = {"diff-added": [], "diff-changed": []}
    data = canvas_data(compared)
    assert {k: data["highlight"][k] for k in empty} == empty and data["edge_highlight"] == empty
    compared.toggle(key="diff_on_canvas").set_value(True)
    run(compared)
    data = canvas_data(compared)
    assert {k: data["highlight"][k] for k in empty} == {"diff-added": ["notify", "publish"],
                                                         "diff-changed": ["clean", "stage"]}
    assert data["edge_highlight"] == {"diff-added": [["extract", "load"], ["load", "notify"]],
                                      "diff-changed": [["clean", "load"]]}
    # Removed items are drawn as ghosts (at the top level: their old group may be gone) and named too.
    assert data["removed"] == {"tasks": [{"id": "old_report", "operator": "empty"}], "groups": [{"id": "retired"}],
                               "edges": [["load", "old_report"]]}
    assert ("Removed (dashed on the canvas): tasks old_report; groups retired; edges load >> old_report"
            in [t.value for t in compared.text])
    open_tab(compared, "review_tab", "Findings")  # marks belong to the Compare tab
    assert canvas_data(compared)["edge_highlight"] == empty and "removed" not in canvas_data(compared)


def test_compare_with_the_design_before_the_last_edits(compared):
    compared.radio(key="compare_source").set_value("An earlier version")
    run(compared)
    # Undo history: the sample the app opened with, then NEW. One edit back is the sample.
    compared.toggle(key="diff_on_canvas").set_value(True)
    button(compared, "New empty design").click()
    run(compared)
    assert [t.value for t in compared.text if t.value.startswith("From")][0].startswith(
        "From the design 1 edit ago to the current design: different:")
    assert all("removed" in line for _, lines in shown_changes(compared)[1:] for line in lines)
    compared.number_input(key="compare_steps").set_value(5)  # more than kept: the oldest kept
    run(compared)
    assert any(t.value.startswith("From the design 2 edits ago") for t in compared.text)


def test_an_unreadable_file_to_compare_with_is_one_line(compared):
    compared.file_uploader(key="compare_upload").set_value(("bad.yaml", b"a: &x [1]\nb: *x\n", "application/yaml"))
    run(compared)
    assert [e.value for e in compared.error] == ["Cannot compare with bad.yaml: bad.yaml:2: YAML aliases (*name) "
                                                 "are not allowed"]
