"""A task's or group's own Airflow id (`Task.task_id`, `Group.group_id`) beside its design id: Airflow only
needs composed ids unique, so two groups may each hold an `extract`. The model, the namespace, lint, the
exporters and the diff all follow it; loading the exports in Airflow is in test_export_python.py and
test_dag_factory_export.py (designs `same_airflow_ids_in_two_groups`, `own_airflow_ids`)."""

from __future__ import annotations

import pytest

from designer.analysis import Severity, analyze
from designer.analysis.structure import expected_structure
from designer.diff import diff_designs
from designer.ids import Namespace, airflow_local_id, airflow_local_ids
from designer.model import DagSettings, Design, Group, StaticFanOut, Task
from designer.storage import dump_design, parse_design
from exporters import ExportError, export
from tests.dag_factory_support import own_airflow_ids, same_airflow_ids_in_two_groups


def _findings(design: Design, code: str) -> list:
    return [f for f in analyze(design, simulate_run=False).findings if f.code == code]


def test_an_own_id_equal_to_the_design_id_is_not_kept():
    assert Task(id="a", task_id="a").task_id is None and Group(id="g", group_id="g").group_id is None
    assert Task(id="a", task_id="b").task_id == "b"
    assert Task(id="a").model_copy(update={"task_id": "a"}).task_id is None


@pytest.mark.parametrize(("task", "expected"), [
    (Task(id="x"), ["x"]),
    (Task(id="x_2", task_id="x"), ["x"]),
    (Task(id="x_2", task_id="x", fan_out=StaticFanOut(count=2)), ["x_0", "x_1"]),
])
def test_airflow_local_ids_follow_the_own_id(task, expected):
    assert airflow_local_ids(task) == expected
    assert airflow_local_id(task) == (task.task_id or task.id)


def test_composed_ids_use_the_own_ids_of_tasks_and_groups():
    design = same_airflow_ids_in_two_groups()
    ns = Namespace(design)
    assert ns.qualify_group("inner_2") == "s2.inner"
    assert ns.qualify_task(ns.tasks["load_2"]) == "s2.inner.load"
    assert sorted(expected_structure(design)["tasks"]) == ["end", "s1.extract", "s1.inner.load", "s2.extract",
                                                           "s2.inner.load"]
    assert sorted(expected_structure(design)["groups"]) == ["s1", "s1.inner", "s2", "s2.inner"]
    assert [f for f in analyze(design).findings if f.severity is Severity.ERROR] == []


# (design, finding code, text the message must hold): own ids are checked like design ids.
BAD = [
    (Design(dag=DagSettings(dag_id="d"), tasks=(Task(id="a", task_id="load data"),)), "DD001", "'load data'"),
    (Design(dag=DagSettings(dag_id="d"), groups=(Group(id="g", group_id="g.1"),), tasks=(Task(id="t", group="g"),)),
     "DD001", "'g.1'"),
    (Design(dag=DagSettings(dag_id="d"), tasks=(Task(id="a"), Task(id="b", task_id="a"))), "DD002", "'a'"),
    (Design(dag=DagSettings(dag_id="d"), groups=(Group(id="g"), Group(id="h", group_id="g")),
            tasks=(Task(id="t", group="g"), Task(id="u", group="h"))), "DD002", "'g'"),
    (Design(dag=DagSettings(dag_id="d"), groups=(Group(id="g"),),
            tasks=(Task(id="t", group="g"), Task(id="u", task_id="g.t"))), "DD002", "'g.t'"),
]


@pytest.mark.parametrize(("design", "code", "text"), BAD)
def test_own_ids_are_held_to_the_id_rules_and_to_unique_composed_ids(design, code, text):
    errors = [f for f in _findings(design, code) if f.severity is Severity.ERROR]
    assert errors and text in errors[0].message, errors
    with pytest.raises(ExportError, match=code):
        export(design, "python")


def test_dag_factory_needs_unique_names_and_says_which_clash():
    design = same_airflow_ids_in_two_groups()
    messages = [f.message for f in _findings(design, "DD030")]
    assert any("extract, extract_2 are all named 'extract'" in m for m in messages), messages
    assert any("inner, inner_2 are all named 'inner'" in m for m in messages), messages
    with pytest.raises(ExportError, match="are all named"):
        export(design, "dag-factory")
    export(design, "python")  # Airflow itself takes them


def test_dag_factory_writes_the_airflow_ids_as_task_and_group_names():
    text = next(v for k, v in export(own_airflow_ids(), "dag-factory").items() if k.endswith(".yaml"))
    for line in ("task_id: list_files", "group_name: inner", "parent_group_name: sales", "task_id: load_1",
                 "task_group_name: inner", "op_args: list_files.output", "- pick"):
        assert line in text, line
    for design_id in ("src_1", "x_1", "x_2", "g_sales", "g_inner", "pick_1"):
        assert design_id not in text, design_id


def test_python_export_writes_the_airflow_ids_and_names_variables_after_them():
    text = export(same_airflow_ids_in_two_groups(), "python")["dags/dag_same_airflow_ids.py"]
    assert text.count('task_id="extract"') == 2 and text.count('group_id="inner"') == 2
    assert 'extract_2 = EmptyOperator(task_id="extract")  # noqa: AIR001' in text


def test_design_files_and_the_diff_keep_the_own_ids():
    design = same_airflow_ids_in_two_groups()
    assert parse_design(dump_design(design))[0] == design
    renamed = design.model_copy(update={"tasks": tuple(
        t.model_copy(update={"task_id": "pull"}) if t.id == "extract_2" else t for t in design.tasks)})
    [change] = diff_designs(design, renamed).changes
    assert (change.subject, change.path, change.old, change.new) == ("extract_2", ("task_id",), "extract", "pull")
