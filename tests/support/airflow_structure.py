"""Load a DAG folder with Airflow's own DagBag and print what it built, as JSON.

Run in a subprocess (Airflow keeps global state): `python airflow_structure.py DAGS_FOLDER`.
Output: {"import_errors": {path: text}, "dags": {dag_id: {"tasks": ..., "groups": ..., "schedule": ...}}},
with the same task/group shape as designer.analysis.structure.expected_structure. Works on Airflow 2 and 3.
"""

from __future__ import annotations

import json
import sys


def _value(rule) -> str:
    return getattr(rule, "value", rule)


def describe(dag) -> dict:
    tasks = {}
    for t in dag.tasks:
        group = t.task_group.group_id if t.task_group is not None else None
        tasks[t.task_id] = {
            "upstream": sorted(t.upstream_task_ids),
            "group": group,
            "operator": t.task_type,
            "trigger_rule": _value(t.trigger_rule),
            "mapped": bool(getattr(t, "is_mapped", False)),
        }
    groups = {}
    for gid, group in dag.task_group_dict.items():
        parent = group.parent_group
        groups[gid] = parent.group_id if parent is not None else None
    return {
        "dag_id": dag.dag_id,
        "tasks": dict(sorted(tasks.items())),
        "groups": dict(sorted(groups.items())),
        "timetable": type(dag.timetable).__name__,
        "catchup": dag.catchup,
        "start_date": dag.start_date.isoformat() if dag.start_date else None,
        "tags": sorted(dag.tags or []),
        "max_active_runs": dag.max_active_runs,
        "max_active_tasks": dag.max_active_tasks,
        "params": {k: dag.params.get_param(k).value for k in dag.params} if dag.params else {},
    }


def main(folder: str) -> None:
    try:
        from airflow.models import DagBag
    except ImportError:  # pragma: no cover
        raise
    try:
        bag = DagBag(folder, safe_mode=True, include_examples=False)  # Airflow 2
    except TypeError:
        bag = DagBag(folder, safe_mode=True)  # Airflow 3: include_examples is gone
    out = {
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "dags": {dag_id: describe(dag) for dag_id, dag in bag.dags.items()},
    }
    sys.stdout.write("\n@@STRUCTURE@@" + json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
