"""Task ids with dots (`load.v2`), as Airflow allows them: the id rules, composed-id collisions, edits, the
bitshift notation, every export, and the dag-factory round trip. Group ids never have dots (Airflow refuses)."""

from __future__ import annotations

import pytest

from designer import dsl
from designer.analysis import Severity, analyze
from designer.analysis.structure import expected_structure
from designer.edits import EditError, add_group, add_task, rename
from designer.ids import local_id_problem, task_id_problem
from designer.importers.dag_factory import import_dag_factory
from designer.model import DagSettings, Design, Group, Task, TaskArgs
from exporters import export
from exporters.checks import require_exportable
from exporters.graphviz_dot import to_dot
from tests.dag_factory_support import copy_callables, dotted_ids, load_folder, write_export
from tests.support.airflow_runner import ensure_airflow2_venv
from tests.support.python_export import load

# (id, valid as a task id, valid as a group id)
IDS = [
    ("load", True, True), ("load.v2", True, False), ("a.b.c", True, False), ("a..b", True, False),
    ("v2.", True, False), ("_x.y", True, False), ("1.5", True, False), ("x-1.y_2", True, False),
    (".x", False, False), ("-x", False, False), ("", False, False), ("a b", False, False), ("a/b", False, False),
    ("tâche.v2", False, False), ("a.b'c", False, False), ("a.{b}", False, False), ("a.\nb", False, False),
]


@pytest.mark.parametrize("value, as_task, as_group", IDS)
def test_task_ids_may_have_dots_group_ids_may_not(value, as_task, as_group):
    assert (task_id_problem(value) is None) is as_task
    assert (local_id_problem(value) is None) is as_group


def _errors(design: Design) -> list[str]:
    return [f"{f.code} {f.message}" for f in analyze(design, simulate_run=False).findings
            if f.severity == Severity.ERROR]


@pytest.mark.parametrize("value, as_task, as_group", IDS)
def test_dd001_follows_the_id_rules_per_kind(value, as_task, as_group):
    as_task_errors = _errors(Design(dag=DagSettings(dag_id="d"), tasks=(Task(id=value),)))
    as_group_errors = _errors(Design(dag=DagSettings(dag_id="d"), groups=(Group(id=value),),
                                     tasks=(Task(id="t", group=value),)))
    assert any(e.startswith("DD001") for e in as_task_errors) is not as_task
    assert any(e.startswith("DD001") for e in as_group_errors) is not as_group


def _design(tasks: list[tuple[str, str | None]], groups: list[tuple[str, str | None, bool]] = ()) -> Design:
    return Design(dag=DagSettings(dag_id="d"), tasks=tuple(Task(id=t, group=g) for t, g in tasks),
                  groups=tuple(Group(id=g, parent=p, prefix_group_id=prefix) for g, p, prefix in groups))


# Designs whose composed Airflow ids collide only because a task id has a dot; and near misses that don't.
COLLISIONS = [
    ("top-level load.v2 vs v2 in group load", _design([("load.v2", None), ("v2", "load")], [("load", None, True)]),
     "'load.v2'"),
    ("a.b in group g vs b in nested group g.a", _design([("a.b", "g"), ("b", "a")], [("g", None, True),
                                                                                   ("a", "g", True)]), "'g.a.b'"),
    ("task g.x vs nested group x in g", _design([("g.x", None), ("t", "x")], [("g", None, True), ("x", "g", True)]),
     "'g.x'"),
    ("prefix off: p.q in group o vs top-level p.q", _design([("p.q", "o"), ("p.q2", None)], [("o", None, False)]),
     None),
    ("prefix off: v2 in group load vs top-level v2", _design([("x.v2", "load"), ("x.v2b", None)],
                                                             [("load", None, False)]), None),
]


@pytest.mark.parametrize("case", [c[0] for c in COLLISIONS])
def test_composed_ids_that_collide_through_a_dot_are_dd002_errors(case):
    _, design, clash = next(c for c in COLLISIONS if c[0] == case)
    dd002 = [e for e in _errors(design) if e.startswith("DD002")]
    if clash is None:
        assert dd002 == []
    else:
        assert dd002 and clash in dd002[0], dd002


def test_edits_accept_dotted_task_ids_and_refuse_dotted_group_ids():
    design = add_task(Design(dag=DagSettings(dag_id="d")), Task(id="load.v2"))
    design = add_group(design, Group(id="g"))
    with pytest.raises(EditError, match="'g.1'"):
        add_group(design, Group(id="g.1"))
    with pytest.raises(EditError, match="'g.1'"):
        rename(design, "g", "g.1")
    assert [t.id for t in rename(design, "load.v2", "load.v3").tasks] == ["load.v3"]
    with pytest.raises(EditError, match="'.v3'"):
        rename(design, "load.v2", ".v3")


def test_bitshift_notation_reads_and_writes_dotted_ids():
    design = dotted_ids()
    text = dsl.render(design)
    assert "pick.mode >> [each.file, full.v3]" in text or "pick.mode >> [full.v3, each.file]" in text
    assert set(dsl.parse(text).edges) == {(e.upstream, e.downstream) for e in design.edges}


@pytest.mark.parametrize("target", ["python", "python-airflow2", "dag-factory", "tests", "design"])
def test_every_export_takes_dotted_task_ids(target):
    files = export(dotted_ids(), target)
    assert any("load.v2" in text for text in files.values())


def test_graphviz_dot_names_the_composed_dotted_ids():
    assert '"load.inner.x.y"' in to_dot(dotted_ids()) and '"copy.n_1"' in to_dot(dotted_ids())


def test_dag_factory_round_trip_keeps_dotted_ids_and_branch_choices():
    design = dotted_ids()
    require_exportable(design)
    text = next(v for k, v in export(design, "dag-factory").items() if k.endswith(".yaml"))
    (back,), notes = import_dag_factory(text, "dotted.yaml")
    assert notes == []
    assert expected_structure(back) == expected_structure(design)
    plain = [t.id for t in design.tasks if t.fan_out is None]  # fan-outs come back as their copies
    assert [(t.id, t.group, t.operator, t.mapping, t.branches) for t in back.tasks if t.id in plain] == [
        (t.id, t.group, t.operator, t.mapping, t.branches) for t in design.tasks if t.id in plain]
    again = next(v for k, v in export(back, "dag-factory").items() if k.endswith(".yaml"))
    assert import_dag_factory(again, "dotted.yaml") == ([back], [])


@pytest.mark.slow
@pytest.mark.parametrize("target", ["python", "dag-factory"])
def test_airflow_loads_dotted_task_ids_as_designed(target, tmp_path):
    design = dotted_ids()
    folder = tmp_path / "dags"
    folder.mkdir()
    copy_callables(folder)
    write_export(design, target, folder)
    loaded = load_folder(folder, tmp_path / "home")
    assert loaded["import_errors"] == {}
    got = loaded["dags"][design.dag.dag_id]
    expected = expected_structure(design)
    assert (got["tasks"], got["groups"]) == (expected["tasks"], expected["groups"])
    assert "load.load.v2" in got["tasks"] and "load.inner.x.y" in got["tasks"]


@pytest.mark.slow
@pytest.mark.airflow2
def test_airflow2_loads_dotted_task_ids_as_designed(tmp_path):
    design = dotted_ids()
    folder = tmp_path / "dags"
    folder.mkdir()
    copy_callables(folder)
    write_export(design, "python-airflow2", folder)
    loaded = load(folder, tmp_path / "home", python=ensure_airflow2_venv())
    assert loaded["import_errors"] == {}
    expected = expected_structure(design)
    got = loaded["dags"][design.dag.dag_id]
    assert (got["tasks"], got["groups"]) == (expected["tasks"], expected["groups"])


def test_a_dotted_task_at_the_top_level_and_its_namesake_in_a_group_cannot_both_be_imported():
    (design,), notes = import_dag_factory(
        "d:\n  task_groups: {load: {}}\n  tasks:\n    load.v2: {operator: my.ops.Op}\n"
        "    v2: {operator: my.ops.Op, task_group_name: load}\n", "x.yaml")
    assert [n.message for n in notes] == [
        "cannot be exported yet: Airflow id 'load.v2' would be created by load.v2, v2 (DD002)"]
    assert notes[0].line in (4, 5)
    assert [t.id for t in design.tasks] == ["load.v2", "v2"] and TaskArgs() == design.tasks[0].overrides
