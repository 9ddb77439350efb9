"""What one export target cannot write although the design is valid for Airflow 3: dag-factory 1.1's and
Airflow 2's limits.

Each function yields (location, subjects, why). Lint rule DD030 reports them as warnings naming the target
(the Python export for Airflow 3 still works); the dag-factory and Airflow 2 exporters refuse the design with
the same message, so the bundle leaves that variant out and says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from designer.ids import Namespace, airflow_local_id, airflow_local_ids
from designer.model import (
    AssetOrTimeSchedule,
    Design,
    TriggerRule,
    asset_aliases,
    asset_uris,
    named_assets,
    schedule_timetable,
    timetable_path,
)
from designer.operators import as_timedelta, operator_spec
from designer.validity import MAX_DATA_DEPTH, ValueProblem

# Mapping keys dag-factory consumes while loading (utils.cast_with_type, _yaml._flatten_logical_expressions):
# a mapping holding `__type__` is instantiated as a Python object.
DAG_FACTORY_MAGIC_KEYS = frozenset({"__type__", "__args__", "__and__", "__or__", "__join__"})
# Top-level keys of a dag-factory file that are not DAG ids; a magic key there is consumed (the DAG vanishes
# without an import error).
DAG_FACTORY_RESERVED_DAG_IDS = frozenset({"default", "task_groups"}) | DAG_FACTORY_MAGIC_KEYS
_CALLBACKS = ("on_execute_callback", "on_success_callback", "on_failure_callback", "on_retry_callback",
              "on_skipped_callback")
# Task keys dag-factory reads itself (DagBuilder.build, make_task, adjust_general_task_params).
DAG_FACTORY_TASK_KEYS = frozenset({
    "task_id", "dag", "task_group", "operator", "decorator", "dependencies", "task_group_name",
    "parent_group_name", "expand", "partial", "expand_kwargs", "variables_as_arguments",
    "python_callable_name", "python_callable_file", "execution_date_fn", "execution_date_fn_name",
    "execution_date_fn_file", "execution_delta", "inlets", "outlets", "success_check_file",
    "success_check_name", "success_check_lambda", "failure_check_file", "failure_check_name",
    "failure_check_lambda", "response_check_name", "response_check_file", "response_check_lambda",
    *_CALLBACKS, *(f"{c}_name" for c in _CALLBACKS), *(f"{c}_file" for c in _CALLBACKS),
})


def dag_factory_limits(design: Design) -> Iterator[ValueProblem]:
    """What the dag-factory 1.1 export cannot write (it refuses the design with the same message)."""
    dag_id = design.dag.dag_id
    if dag_id in DAG_FACTORY_RESERVED_DAG_IDS:
        yield ("dag", "dag_id"), (), (f"dag_id {dag_id!r} is a reserved top-level key of dag-factory files (the DAG "
                                      "would not be built); rename the DAG")
    for j, group in enumerate(design.groups):
        if not group.prefix_group_id:
            yield ("groups", j, "prefix_group_id"), (group.id,), (
                f"group {group.id!r} has prefix_group_id: false, which dag-factory 1.1 mishandles (dependencies "
                "of its tasks fail with KeyError)")
    yield from _dag_factory_name_clashes(design)
    for path, asset in named_assets(design.dag.schedule):
        yield from _magic_keys(asset.extra, ("dag", "schedule", *path, "extra"), (), f"asset {asset.uri[:60]!r} extra")
    if (timetable := schedule_timetable(design.dag.schedule)) is not None:
        where = ("dag", *timetable_path(design.dag.schedule), "kwargs")
        for name, value in timetable.kwargs.items():
            yield from _magic(name, (*where, name), (), f"timetable argument name {name!r}")
            yield from _magic_keys(value, (*where, name), (), f"timetable argument {name!r}")
    for name, param in design.dag.params.items():
        yield from _magic(name, ("dag", "params", name), (), f"param name {name!r}")
        yield from _magic_keys(param.default, ("dag", "params", name, "default"), (), f"param {name!r}")
    ns = Namespace(design)
    for i, task in enumerate(design.tasks):
        who, where = (task.id,), ("tasks", i)
        if task.is_setup or task.is_teardown:
            marker = "is_setup" if task.is_setup else "is_teardown"
            yield (*where, marker), who, (f"task {task.id!r} is a {marker[3:]} task, which a dag-factory file cannot "
                                          "mark (dag-factory has no as_setup/as_teardown)")
        spec = operator_spec(task.operator)
        for name, value in task.args.items():
            if spec is not None and spec.is_custom:
                if name in DAG_FACTORY_TASK_KEYS:
                    yield (*where, "args", name), who, (f"task {task.id!r}: dag-factory treats argument {name!r} "
                                                        "specially, so a custom operator cannot receive it")
                yield from _magic(name, (*where, "args", name), who, f"argument name {name!r}")
            yield from _magic_keys(value, (*where, "args", name), who, f"task {task.id!r} argument {name!r}")
            if name == "execution_delta" and spec is not None and not spec.is_custom:
                yield from _execution_delta(value, (*where, "args", name), who)
        for arg, source in (task.mapping.expand.items() if task.mapping is not None else ()):
            at = (*where, "mapping", "expand", arg)
            yield from _magic(arg, at, who, f"expanded argument {arg!r}")
            if isinstance(source, list | tuple):
                if ".output" in source or "XcomArg" in source:
                    yield at, who, (f"task {task.id!r}: dag-factory reads the list item '.output' or 'XcomArg' in "
                                    f"expand {arg!r} as a task reference")
                yield from _magic_keys(source, at, who, f"task {task.id!r} expand {arg!r}")
            elif source.task in ns.tasks:
                full = ns.qualify_task(ns.tasks[source.task])
                if ".output" in full:  # dag-factory splits the reference at the first ".output"
                    yield at, who, (f"task {task.id!r} maps over {full!r}, whose task_id contains '.output', "
                                    "which dag-factory cannot reference")
        if task.fan_out is not None and task.fan_out.values is not None:
            yield from _magic_keys(task.fan_out.values, (*where, "fan_out", "values"), who,
                                   f"task {task.id!r} fan_out values")


def _dag_factory_name_clashes(design: Design) -> Iterator[ValueProblem]:
    """dag-factory keys tasks and groups by one name each, their Airflow id within their group (it makes the
    task_id or group_id of it), and looks dependencies up by that name: so the names must be unique in the
    whole DAG, which Airflow itself does not need (`section_1.extract`, `section_2.extract`)."""
    owners: dict[str, list[tuple[tuple, str]]] = {}
    for i, task in enumerate(design.tasks):
        for name in dict.fromkeys(airflow_local_ids(task)):
            owners.setdefault(name, []).append((("tasks", i), task.id))
    for j, group in enumerate(design.groups):
        owners.setdefault(airflow_local_id(group), []).append((("groups", j), group.id))
    for name, items in owners.items():
        if len(items) > 1:
            who = tuple(dict.fromkeys(item_id for _, item_id in items))
            yield items[-1][0], who, (f"{', '.join(who)} are all named {name!r} within their groups, and dag-factory "
                                      "needs each task and group name to be unique in the DAG")


def airflow2_limits(design: Design) -> Iterator[ValueProblem]:
    """What the Python export for Airflow 2 cannot write (it refuses the design with the same message)."""
    for i, task in enumerate(design.tasks):
        if task.trigger_rule == TriggerRule.ALL_DONE_MIN_ONE_SUCCESS:
            yield ("tasks", i, "trigger_rule"), (task.id,), (
                f"task {task.id!r}: trigger rule all_done_min_one_success does not exist in Airflow 2")
    schedule = design.dag.schedule
    for path, uri in asset_uris(schedule):
        if not uri.isascii():
            yield ("dag", "schedule", *path), (), (
                f"the asset schedule's URI {uri[:60]!r} has non-ASCII characters, which Airflow 2 refuses")
    for path, alias in asset_aliases(schedule):
        yield ("dag", "schedule", *path), (), (f"the schedule waits for the asset alias {alias[:60]!r}; Airflow 2.9 "
                                                "has no aliases (DatasetAlias came in 2.10)")
    for path, asset in named_assets(schedule):
        if asset.name is not None or asset.group is not None:
            yield ("dag", "schedule", *path), (), (f"the asset {asset.uri[:60]!r} has a name or group, which Airflow 2 "
                                                    "datasets do not have")
    if isinstance(schedule, AssetOrTimeSchedule):
        yield ("dag", "schedule"), (), ("the schedule is an AssetOrTimeSchedule, which Airflow 2 calls "
                                        "DatasetOrTimeSchedule with other arguments")
    if (timetable := schedule_timetable(schedule)) is not None and timetable.timetable.startswith("airflow.sdk."):
        yield ("dag", *timetable_path(schedule), "timetable"), (), (
            f"the timetable {timetable.timetable!r} is an Airflow 3 class (airflow.sdk does not exist in Airflow 2)")


def _magic(key: Any, where: tuple, who: tuple[str, ...], what: str) -> Iterator[ValueProblem]:
    """`what` names the key (`param name '__type__'`) or what holds it (`'env' holds the key '__type__'`)."""
    if key in DAG_FACTORY_MAGIC_KEYS:
        yield where, who, f"{what}, which dag-factory turns into a Python object or drops; rename it"


def _magic_keys(value: Any, where: tuple, who: tuple[str, ...], label: str, depth: int = 0) -> Iterator[ValueProblem]:
    """Magic keys anywhere inside a data value; `label` names the value (`param 'p'`)."""
    if depth > MAX_DATA_DEPTH:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _magic(key, where, who, f"{label} holds the key {key!r}")
            yield from _magic_keys(item, (*where, str(key)), who, label, depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _magic_keys(item, (*where, index), who, label, depth + 1)


def _execution_delta(value: Any, where: tuple, who: tuple[str, ...]) -> Iterator[ValueProblem]:
    # dag-factory parses execution_delta itself, with a regex that accepts "<n> seconds" but no objects.
    try:
        seconds = as_timedelta(value).total_seconds()
    except (TypeError, ValueError):
        return  # DD015 reports a value that is not a duration
    if seconds < 0 or seconds != int(seconds):
        yield where, who, (f"task {who[0]!r}: dag-factory can only express execution_delta as whole, non-negative "
                           f"seconds, not {value!r:.40}")
