"""Load a DAG folder with Airflow's own DagBag and print what it built, as JSON.

Run in a subprocess (Airflow keeps global state): `python airflow_structure.py DAGS_FOLDER`, with the
DAG folder as the working directory. Output: {"import_errors": {path: text}, "dags": {dag_id: {"tasks":
..., "groups": ..., "timetable": ...}}}, with the same task/group shape as
designer.analysis.structure.expected_structure. Works on Airflow 2 and 3.

The DAG folder is importable the way Airflow makes it: Airflow 2 appends `core.dags_folder` to sys.path
when `airflow` is imported (settings.prepare_syspath_for_dags_folder), Airflow 3's DAG processor parses
with a BundleDagBag, which appends the bundle folder. This script's own folder is not on sys.path in
a real Airflow, so it is taken off before anything is imported.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != _HERE]


def _value(rule) -> str:
    return getattr(rule, "value", rule)


def airflow_major() -> int:
    import airflow

    return int(airflow.__version__.split(".")[0])


def mapped_operator_class() -> type:
    """The class of mapped tasks: Airflow 2.x MappedOperator has no `is_mapped`, so test the class."""
    if airflow_major() >= 3:
        from airflow.sdk.definitions.mappedoperator import MappedOperator
    else:
        from airflow.models.mappedoperator import MappedOperator
    return MappedOperator


def timetable_detail(timetable) -> object:
    """The timetable as Airflow 3 serializes it (class path and every setting, asset conditions included);
    None on Airflow 2 or for a timetable the encoder does not know."""
    try:
        from airflow.serialization.encoders import encode_timetable

        return encode_timetable(timetable)
    except Exception:
        return None


def describe(dag, mapped_class: type) -> dict:
    tasks = {}
    for t in dag.tasks:
        group = t.task_group.group_id if t.task_group is not None else None
        tasks[t.task_id] = {
            "upstream": sorted(t.upstream_task_ids),
            "group": group,
            "operator": t.task_type,
            "trigger_rule": _value(t.trigger_rule),
            "mapped": isinstance(t, mapped_class),
            **({"setup": True} if getattr(t, "is_setup", False) else {}),
            **({"teardown": True} if getattr(t, "is_teardown", False) else {}),
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
        "timetable_detail": timetable_detail(dag.timetable),
        "catchup": dag.catchup,
        "start_date": dag.start_date.isoformat() if dag.start_date else None,
        "tags": sorted(dag.tags or []),
        "max_active_runs": dag.max_active_runs,
        "max_active_tasks": dag.max_active_tasks,
        "params": {k: dag.params.get_param(k).value for k in dag.params} if dag.params else {},
    }


def dag_bag(folder: str):
    """DagBag of `folder` with the DAG folder on sys.path, built the way each Airflow version parses."""
    path = str(Path(folder).resolve())
    if airflow_major() >= 3:
        # No include_examples on 3.x (AIRFLOW__CORE__LOAD_EXAMPLES=False does it); the bundle bag
        # appends the folder to sys.path as the DAG processor does.
        from airflow.dag_processing.dagbag import BundleDagBag

        return BundleDagBag(path, safe_mode=True, bundle_path=Path(path), bundle_name="dags-folder")
    from airflow.models import DagBag

    if path not in sys.path:  # what settings.prepare_syspath_for_dags_folder does for core.dags_folder
        sys.path.append(path)
    return DagBag(path, safe_mode=True, include_examples=False)


def main(folder: str) -> None:
    bag = dag_bag(folder)
    mapped_class = mapped_operator_class()
    out = {
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "dags": {dag_id: describe(dag, mapped_class) for dag_id, dag in bag.dags.items()},
    }
    sys.stdout.write("\n@@STRUCTURE@@" + json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
