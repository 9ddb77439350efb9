"""A group edge leaves a group from its leaves, and Airflow's `TaskGroup.get_leaves` treats teardown tasks
apart: a teardown with no downstream in the group stands for the first non-teardown members upstream of it
(never a setup, never one with another non-teardown downstream in the group). The task graph follows it;
each case has a hand-written answer, and real Airflow loads the export with exactly those upstreams."""

from __future__ import annotations

import pytest

from designer.analysis import analyze
from designer.analysis.graph import build_task_graph
from designer.model import Design
from exporters import export
from tests.support.python_export import load, structure_problems


def grouped(tasks: list[dict], edges: str) -> Design:
    """Tasks in group g (unless they say otherwise), `after` outside it, and g >> after."""
    return Design.model_validate({
        "dag": {"dag_id": "teardown_leaves"},
        "groups": [{"id": "g", "prefix_group_id": False}],
        "tasks": [{"group": "g", **({"trigger_rule": "all_done_setup_success"} if t.get("is_teardown") else {}), **t}
                  for t in tasks] + [{"id": "after"}],
        "edges": [{"upstream": u, "downstream": d} for u, d in (p.split(">") for p in edges.split())]
        + [{"upstream": "g", "downstream": "after"}],
    })


CASES = [  # (tasks of g, edges inside g, what `after` waits for)
    ([{"id": "work"}, {"id": "clean", "is_teardown": True}], "work>clean", {"work"}),
    # a chain of teardowns is walked up to the work before it
    ([{"id": "work"}, {"id": "t1", "is_teardown": True}, {"id": "t2", "is_teardown": True}], "work>t1 t1>t2", {"work"}),
    # a teardown reached only from its setup stands for nothing
    ([{"id": "make", "is_setup": True}, {"id": "drop", "is_teardown": True}], "make>drop", set()),
    # work that feeds another (non-teardown) member in the group is not a leaf through the teardown
    ([{"id": "a"}, {"id": "b"}, {"id": "clean", "is_teardown": True}], "a>b a>clean", {"b"}),
    # a teardown that is not a leaf changes nothing
    ([{"id": "a"}, {"id": "clean", "is_teardown": True}, {"id": "b"}], "a>clean clean>b", {"b"}),
    # no teardown: the plain rule
    ([{"id": "a"}, {"id": "b"}], "a>b", {"b"}),
]


@pytest.mark.parametrize(("tasks", "edges", "expected"), CASES)
def test_a_group_edge_leaves_from_the_leaves_airflow_computes(tasks, edges, expected):
    design = grouped(tasks, edges)
    tg = build_task_graph(design)
    assert set(tg.pred["after"]) == expected
    said = [f.message for f in analyze(design).findings if f.code == "DD007"]
    assert bool(said) == (not expected), said  # no leaf for Airflow: the edge connects nothing, and lint says so


@pytest.mark.slow
def test_airflow_loads_each_case_with_those_upstreams(tmp_path):
    designs = [grouped(tasks, edges).model_copy(update={"dag": {"dag_id": f"teardown_leaves_{n}"}})
               for n, (tasks, edges, _) in enumerate(CASES)]
    folder = tmp_path / "dags"
    folder.mkdir()
    for design in designs:
        for rel, text in export(design, "python").items():
            (folder / rel.rsplit("/", 1)[-1]).write_text(text, encoding="utf-8")
    loaded = load(folder, tmp_path / "home")
    assert loaded["import_errors"] == {}
    assert [p for design in designs for p in structure_problems(design, loaded)] == []
