"""The structure Airflow must show after loading an export of a design.

Exporter tests (and the generated per-DAG tests) compare what DagBag loads with this, field by field.
"""

from __future__ import annotations

from typing import Any

from designer.analysis.graph import build_task_graph
from designer.model import Design
from designer.operators import operator_spec


def expected_structure(design: Design) -> dict[str, Any]:
    """{"dag_id", "tasks": {task_id: {upstream, group, operator, trigger_rule, mapped[, setup | teardown]}},
    "groups": {group_id: parent}}; `setup`/`teardown` (True) only for setup and teardown tasks.

    Group ids are Airflow's (qualified); `group` is None for tasks at the top level.
    """
    tg = build_task_graph(design)
    ns = tg.ns
    tasks: dict[str, dict[str, Any]] = {}
    for node in sorted(tg.graph):
        task = ns.tasks[tg.graph.nodes[node]["task"]]
        spec = operator_spec(task.operator)
        tasks[node] = {
            "upstream": sorted(tg.graph.pred[node]),
            "group": ns.qualify_group(task.group) if task.group in ns.groups else None,
            "operator": spec.class_name if spec else task.operator,
            "trigger_rule": str(task.trigger_rule),
            "mapped": task.mapping is not None,
            **({"setup": True} if task.is_setup else {}),
            **({"teardown": True} if task.is_teardown else {}),
        }
    groups = {}
    for gid, group in sorted(ns.groups.items()):
        parent = group.parent if group.parent in ns.groups else None
        groups[ns.qualify_group(gid)] = ns.qualify_group(parent) if parent else None
    return {"dag_id": design.dag.dag_id, "tasks": tasks, "groups": groups}
