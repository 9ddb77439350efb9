"""The design model: one typed, immutable description of an Airflow DAG.

Everything else (analysis, exporters, importers, the UI) is a function of a `Design`.

Shape only is checked here (types, required fields, enum values). Whether ids are valid, references
resolve or the graph has cycles are lint findings (see `designer.analysis.rules`), so a half-drawn
design still loads and its problems can be explained.

Lists are flat, with explicit parent ids: tasks name their group, groups name their parent.
Design ids are unique across tasks and groups; an edge end names either a task or a group. The id
Airflow sees within its group is the design id, unless `Task.task_id` / `Group.group_id` gives another
one: Airflow only needs the composed ids (`section_1.extract`, `section_2.extract`) to be unique.

Immutable all the way down, so an old design kept for undo can never change: models are frozen,
sequences of names and models are tuples, and free data (args, param defaults, literal lists) is
held in `FrozenDict`/`FrozenList` (see `designer.frozen`), which read and serialize like dict/list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from designer.frozen import FrozenData, FrozenDict, FrozenList
from designer.limits import INT32, MAX_DEPTH, float_problem, int_problem

SCHEMA_VERSION = 1

# Hard bounds on what a design expands to, checked before anything is expanded (shape errors, not
# lint findings: past them the analysis and the exports would not finish).
MAX_COPIES = 10_000  # copies of one statically fanned-out task; instances of one literal mapping
MAX_EXPANDED_TASKS = 100_000  # task instances of one run: tasks after fan-out, literal mappings expanded
MAX_EXPANDED_TEXT = 20_000_000  # characters of arguments the fan-out copies repeat, over the whole design
MAX_DURATION = dt.timedelta(days=36_525)  # 100 years
# Airflow keeps retries (max_tries), pool_slots, priority_weight, max_active_runs and max_active_tasks in
# 32-bit INTEGER columns (it silently clamps priority_weight); larger values are refused, not clamped.
Int32 = Annotated[int, Field(ge=INT32[0], le=INT32[1])]
Duration = Annotated[dt.timedelta, Field(le=MAX_DURATION)]

JsonScalar = str | int | float | bool | None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update` applied, validated like a new model.

        Pydantic's own model_copy stores `update` values unvalidated, which would let a plain list or
        dict (mutable, unfrozen) or a wrong type into a frozen design."""
        if not update:
            return super().model_copy(deep=deep)
        fields = {name: getattr(self, name) for name in self.model_fields_set}
        return self.model_validate({**fields, **update})


class TriggerRule(StrEnum):
    """Airflow 3 trigger rules."""

    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ALL_DONE_MIN_ONE_SUCCESS = "all_done_min_one_success"
    ALL_DONE_SETUP_SUCCESS = "all_done_setup_success"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_SKIPPED = "none_skipped"
    ALWAYS = "always"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    ALL_SKIPPED = "all_skipped"


class TaskArgs(_Frozen):
    """Operator arguments shared by DAG default_args, group default_args and per-task overrides.

    Unset fields (None) inherit: task beats group, group beats parent group, which beats the DAG.
    """

    owner: str | None = None
    retries: Annotated[Int32, Field(ge=0)] | None = None
    retry_delay: Duration | None = None
    retry_exponential_backoff: bool | None = None
    execution_timeout: Duration | None = None
    depends_on_past: bool | None = None
    pool: str | None = None
    pool_slots: Annotated[Int32, Field(ge=1)] | None = None
    priority_weight: Int32 | None = None
    queue: str | None = None


class IntervalSchedule(_Frozen):
    """Run every fixed interval (Airflow: `schedule=timedelta(...)`)."""

    interval: Duration


class NamedAsset(_Frozen):
    """An asset given more than its URI (Airflow: `Asset(name="orders", uri="s3://b/orders", group=...,
    extra={...})`); a text item of an asset schedule is `Asset("<uri>")`, whose name is its URI."""

    uri: str
    name: str | None = Field(None, description="None: the URI is the name.")
    group: str | None = Field(None, description="None: Airflow's default group.")
    extra: FrozenDict[str, Any] = FrozenDict()

    @field_validator("extra")
    @classmethod
    def _plain_extra(cls, value: Any) -> Any:
        return require_plain_data(value)


class AssetAlias(_Frozen):
    """An asset alias in an asset condition (Airflow: `AssetAlias("name")`): whatever assets a task attaches
    to the alias at run time."""

    alias: Annotated[str, Field(min_length=1)]


class AssetSchedule(_Frozen):
    """Run when assets are updated: all of them or any (Airflow: `schedule=[Asset(a), Asset(b)]`,
    `Asset(a) | Asset(b)`). An item is an asset URI, a named asset, an alias, or a nested condition, so
    `a | (b & c)` is `{mode: any, assets: [a, {mode: all, assets: [b, c]}]}`."""

    assets: Annotated[tuple[str | NamedAsset | AssetAlias | AssetSchedule, ...], Field(min_length=1)]
    mode: Literal["all", "any"] = "all"

    @field_validator("assets")
    @classmethod
    def _not_too_deep(cls, assets: tuple) -> tuple:
        if condition_depth(assets) > MAX_CONDITION_DEPTH:
            raise ValueError(f"asset conditions are nested more than {MAX_CONDITION_DEPTH} levels deep")
        return assets


class TimetableSchedule(_Frozen):
    """A timetable object: its class by dotted import path and its keyword arguments, plain data only
    (Airflow: `schedule=CronPartitionTimetable(cron="0 * * * *", timezone="UTC")`, a plugin's timetable)."""

    timetable: str = Field(description="Dotted import path of the timetable class.")
    kwargs: FrozenDict[str, Any] = FrozenDict()

    @field_validator("kwargs")
    @classmethod
    def _plain_kwargs(cls, value: Any) -> Any:
        return require_plain_data(value)


class AssetOrTimeSchedule(_Frozen):
    """Run on a time schedule and also whenever assets are updated (Airflow: `AssetOrTimeSchedule`). The time
    schedule is a cron expression or preset (run in UTC) or a timetable object."""

    timetable: str | TimetableSchedule
    assets: AssetSchedule


# A string is a cron expression or a preset such as "@daily"; None means manual runs only.
Schedule = str | IntervalSchedule | AssetSchedule | AssetOrTimeSchedule | TimetableSchedule | None
MAX_CONDITION_DEPTH = 16  # nested asset conditions (`a | (b & (c | ...))`)


def condition_depth(assets: Iterable[Any]) -> int:
    """Levels of nested asset conditions in `assets` (1 for a flat list)."""
    return 1 + max((condition_depth(a.assets) for a in assets if isinstance(a, AssetSchedule)), default=0)


def schedule_timetable(schedule: Any) -> TimetableSchedule | None:
    """The timetable object a schedule names (itself, or an AssetOrTimeSchedule's time part), or None."""
    if isinstance(schedule, AssetOrTimeSchedule):
        schedule = schedule.timetable
    return schedule if isinstance(schedule, TimetableSchedule) else None


def timetable_path(schedule: Any) -> tuple[str, ...]:
    """The key path of `schedule_timetable(schedule)` in the DAG settings."""
    return ("schedule", "timetable") if isinstance(schedule, AssetOrTimeSchedule) else ("schedule",)


def _asset_items(schedule: Any) -> Iterator[tuple[tuple, str | NamedAsset | AssetAlias]]:
    """(key path under the schedule, item) of every asset URI and alias in a schedule: nested conditions and an
    AssetOrTimeSchedule's assets included."""
    if isinstance(schedule, AssetOrTimeSchedule):
        yield from ((("assets", *path), item) for path, item in _asset_items(schedule.assets))
    elif isinstance(schedule, AssetSchedule):
        for j, item in enumerate(schedule.assets):
            if isinstance(item, AssetSchedule):
                yield from ((("assets", j, *path), inner) for path, inner in _asset_items(item))
            else:
                yield ("assets", j), item


def asset_uris(schedule: Any) -> Iterator[tuple[tuple, str]]:
    """(key path under the schedule, URI) of every asset URI a schedule waits for."""
    for path, item in _asset_items(schedule):
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, NamedAsset):
            yield (*path, "uri"), item.uri


def asset_names(schedule: Any) -> Iterator[tuple[tuple, str, str]]:
    """(key path under the schedule, what it is, text) of every asset name, group and alias a schedule names."""
    for path, item in _asset_items(schedule):
        if isinstance(item, AssetAlias):
            yield (*path, "alias"), "asset alias", item.alias
        elif isinstance(item, NamedAsset):
            for field in ("name", "group"):
                if (text := getattr(item, field)) is not None:
                    yield (*path, field), f"asset {field}", text


def asset_aliases(schedule: Any) -> Iterator[tuple[tuple, str]]:
    """(key path under the schedule, alias name) of every asset alias a schedule waits for."""
    return (((*path, "alias"), item.alias) for path, item in _asset_items(schedule) if isinstance(item, AssetAlias))


def named_assets(schedule: Any) -> Iterator[tuple[tuple, NamedAsset]]:
    """(key path under the schedule, asset) of every named asset a schedule waits for."""
    return ((path, item) for path, item in _asset_items(schedule) if isinstance(item, NamedAsset))


class Param(_Frozen):
    """A DAG run parameter (Airflow `Param`)."""

    default: FrozenData = None
    type: Literal["string", "integer", "number", "boolean", "array", "object", "null"] | None = None
    description: str | None = None

    @field_validator("default")
    @classmethod
    def _storable_default(cls, value: Any) -> Any:
        return require_plain_data(value)


class DagSettings(_Frozen):
    dag_id: str
    description: str = ""
    schedule: Schedule = None
    start_date: dt.datetime = dt.datetime(2024, 1, 1)
    catchup: bool = False
    default_args: TaskArgs = TaskArgs()
    tags: tuple[str, ...] = ()
    params: FrozenDict[str, Param] = FrozenDict()
    max_active_runs: Annotated[Int32, Field(ge=1)] | None = None
    max_active_tasks: Annotated[Int32, Field(ge=1)] | None = None
    dagrun_timeout: Duration | None = None
    doc_md: str | None = None
    on_success_callback: str | None = Field(None, description="Dotted path of a callable.")
    on_failure_callback: str | None = Field(None, description="Dotted path of a callable.")

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_to_datetime(cls, value: Any) -> Any:
        # YAML reads an unquoted 2024-01-01 as a date; Airflow wants a datetime.
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime(value.year, value.month, value.day)
        return value

    @field_validator("start_date")
    @classmethod
    def _date_in_range(cls, value: dt.datetime) -> dt.datetime:
        # Airflow converts to UTC and adds schedule intervals: keep room at both ends of Python's range.
        try:
            utc = value.astimezone(dt.UTC) if value.tzinfo else value
        except OverflowError:
            raise ValueError("is out of range once converted to UTC") from None
        if not 1 < utc.year < 9999:
            raise ValueError("must be between the years 2 and 9998 (UTC)")
        return value


class Position(_Frozen):
    x: Annotated[float, Field(allow_inf_nan=False)]
    y: Annotated[float, Field(allow_inf_nan=False)]


class StaticFanOut(_Frozen):
    """N concrete copies of one task, ids `<id>_<i>` for i in 0..N-1.

    With `values`, copy i receives `values[i]` as argument `arg` (when `arg` is set); with `count`,
    the copies differ only by index.
    """

    count: Annotated[int, Field(ge=1, le=MAX_COPIES)] | None = None
    values: FrozenList[JsonScalar] | None = None
    arg: str | None = None

    @field_validator("values")
    @classmethod
    def _bounded_values(cls, value: Any) -> Any:
        if value is not None and len(value) > MAX_COPIES:
            raise ValueError(f"has {len(value):,} values; a fan-out makes at most {MAX_COPIES:,} copies")
        return require_plain_data(value)

    @property
    def size(self) -> int:
        if self.values is not None:
            return len(self.values)
        return self.count or 0


class UpstreamOutput(_Frozen):
    """The XCom return value of another task (Airflow: `other.output`)."""

    task: str


class DynamicMapping(_Frozen):
    """Dynamic task mapping: `Operator.partial(**args).expand(**expand)` at run time.

    Each `expand` value is a literal list or the output of an upstream task; the task's own `args`
    are the partial (shared) arguments.
    """

    # Constrained as a dict, then frozen: pydantic documents min_length on a wrapped dict as "minLength".
    expand: Annotated[dict[str, FrozenList[Any] | UpstreamOutput], Field(min_length=1), AfterValidator(FrozenDict)]

    @field_validator("expand")
    @classmethod
    def _bounded_lists(cls, value: Any) -> Any:
        lists = {name: items for name, items in value.items() if not isinstance(items, UpstreamOutput)}
        if (instances := mapped_instances(lists.values())) > MAX_COPIES:
            raise ValueError(f"literal lists make {instances:,} mapped instances; at most {MAX_COPIES:,}")
        require_plain_data(lists)
        return value


def _airflow_id_if_different(data: Any, field: str) -> Any:
    """`data` without `field` when it repeats the design id: one way to write each design."""
    if isinstance(data, Mapping) and field in data and data.get(field) == data.get("id"):
        return {key: value for key, value in data.items() if key != field}
    return data


class Task(_Frozen):
    id: str
    task_id: str | None = Field(
        None, description="The task_id Airflow sees within the task's group when it is not `id` (two groups may each "
                          "hold an `extract`; design ids stay unique).")
    operator: str = "empty"
    args: FrozenDict[str, Any] = FrozenDict()
    group: str | None = None
    trigger_rule: TriggerRule = TriggerRule.ALL_SUCCESS
    overrides: TaskArgs = TaskArgs()
    branches: tuple[str, ...] = Field(
        (), description="For branching operators: local ids of the tasks the branch may choose."
    )
    fan_out: StaticFanOut | None = None
    mapping: DynamicMapping | None = None
    is_setup: bool = Field(False, description="A setup task (Airflow: `as_setup()`, `@setup`): it prepares a "
                                              "resource that its teardown tasks release.")
    is_teardown: bool = Field(False, description="A teardown task (Airflow: `as_teardown()`, `@teardown`): it runs "
                                                 "when its setups succeeded, whatever happened in between, with "
                                                 "trigger rule all_done_setup_success; its setups are its upstream "
                                                 "setup tasks.")
    estimated_duration: Annotated[Duration, Field(ge=dt.timedelta(0))] = dt.timedelta(minutes=1)
    doc_md: str | None = None
    position: Position | None = None

    @model_validator(mode="before")
    @classmethod
    def _task_id_if_different(cls, data: Any) -> Any:
        return _airflow_id_if_different(data, "task_id")

    @field_validator("args")
    @classmethod
    def _storable_args(cls, value: Any) -> Any:
        return require_plain_data(value)

    @model_validator(mode="after")
    def _setup_or_teardown(self) -> Self:
        if self.is_setup and self.is_teardown:
            raise ValueError("a task is a setup or a teardown task, not both (is_setup and is_teardown are both true)")
        return self

    @property
    def instances(self) -> int:
        """Task instances of one run: fan-out copies times literal mapped instances."""
        copies = self.fan_out.size if self.fan_out is not None else 1
        if self.mapping is None:
            return copies
        return copies * mapped_instances(v for v in self.mapping.expand.values() if not isinstance(v, UpstreamOutput))


class Group(_Frozen):
    id: str
    group_id: str | None = Field(
        None, description="The group_id Airflow sees within the parent group when it is not `id`.")
    parent: str | None = None
    tooltip: str = ""
    prefix_group_id: bool = True
    default_args: TaskArgs = TaskArgs()
    ui_color: str | None = None
    ui_fgcolor: str | None = None
    position: Position | None = None

    @model_validator(mode="before")
    @classmethod
    def _group_id_if_different(cls, data: Any) -> Any:
        return _airflow_id_if_different(data, "group_id")


class Edge(_Frozen):
    """`upstream >> downstream`; either end may be a task or a group id."""

    upstream: str
    downstream: str
    label: str | None = None


class LintSettings(_Frozen):
    """Thresholds and switches for the lint rules, kept with the design."""

    max_group_size: Annotated[int, Field(ge=1)] = 50
    max_fan_in: Annotated[int, Field(ge=1)] = 20
    max_fan_out: Annotated[int, Field(ge=1)] = 20
    max_nesting_depth: Annotated[int, Field(ge=1)] = 3
    max_literal_mapping: Annotated[int, Field(ge=1)] = 256
    max_tasks: Annotated[int, Field(ge=1)] = 1000
    redundant_edge_check_limit: Annotated[int, Field(ge=0)] = 20000
    disabled: tuple[str, ...] = ()


class Design(_Frozen):
    schema_version: Literal[1] = SCHEMA_VERSION
    dag: DagSettings
    tasks: tuple[Task, ...] = ()
    groups: tuple[Group, ...] = ()
    edges: tuple[Edge, ...] = ()
    lint: LintSettings = LintSettings()

    @field_validator("tasks", "groups", mode="before")
    @classmethod
    def _not_too_many(cls, items: Any) -> Any:
        # Before the items are validated: a million bad items would make a million errors.
        if isinstance(items, list | tuple) and len(items) > MAX_EXPANDED_TASKS:
            raise ValueError(f"has {len(items):,} items; a design may have at most {MAX_EXPANDED_TASKS:,}")
        return items

    @field_validator("tasks")
    @classmethod
    def _bounded_expansion(cls, tasks: Any) -> Any:
        if problem := expansion_problem(tasks):
            raise ValueError(problem)
        return tasks


def mapped_instances(lists: Any) -> int:
    """Instances of a mapping over literal `lists` (their cross product; 1 without lists)."""
    count = 1
    for items in lists:
        count *= len(items)
    return count


def expansion_problem(tasks: Iterable[Task]) -> str | None:
    """Why expanding `tasks` (fan-out copies, mapped instances, the argument text copies repeat) would
    exceed the bounds above, or None. The model checks it whenever a design is validated (edits too:
    `model_copy` validates here); the task graph checks it again for designs built with model_construct."""
    instances = text = 0
    largest = ("", 0)
    for task in tasks:
        instances += task.instances
        if task.fan_out is not None and task.args:
            size = len(json.dumps(task.args, default=str)) * task.fan_out.size
            text += size
            largest = max(largest, (task.id, size), key=lambda pair: pair[1])
    if instances > MAX_EXPANDED_TASKS:
        return (f"expands to {instances:,} task instances (fan-out copies and literal mappings counted); "
                f"a design may have at most {MAX_EXPANDED_TASKS:,}")
    if text > MAX_EXPANDED_TEXT:
        return (f"fan-out copies repeat {text:,} characters of arguments (most from task {largest[0]!r}); "
                f"at most {MAX_EXPANDED_TEXT:,}")
    return None


def check_expansion(design: Design) -> None:
    """Raise ValueError when `design` expands past the bounds (see `expansion_problem`)."""
    if problem := expansion_problem(design.tasks):
        raise ValueError(f"the design's tasks: {problem}")


def require_plain_data(value: Any) -> Any:
    """`value` when it is data every export can write: string keys, integers within 64 bits, finite
    floats, at most MAX_DEPTH levels, no container inside itself; else ValueError naming the first
    offender's place (a task argument built in code does not pass the file reader's checks)."""
    checked: dict[int, int] = {}  # id of a container -> depth it was found fine at (shared ones are walked once)

    def check(item: Any, where: str, depth: int, inside: frozenset[int]) -> tuple[str, str] | None:
        if isinstance(item, bool) or item is None or isinstance(item, str):
            return None
        if isinstance(item, int | float):
            problem = int_problem(item) if isinstance(item, int) else float_problem(item)
            return (where, problem) if problem else None
        if not isinstance(item, Mapping | list | tuple):
            return None  # other types are the field's own business
        if depth >= MAX_DEPTH:
            return where, f"is nested more than {MAX_DEPTH} levels deep"
        if id(item) in inside:
            return where, "contains itself"
        if checked.get(id(item), -1) >= depth:
            return None
        inside = inside | {id(item)}
        mapping = isinstance(item, Mapping)
        for key, sub in (item.items() if mapping else enumerate(item)):
            if mapping and not isinstance(key, str):
                return where, f"key {key} (a {type(key).__name__}) is not a string"
            if found := check(sub, f"{where}.{key}" if mapping else f"{where}[{key}]", depth + 1, inside):
                return found
        checked[id(item)] = depth
        return None

    if found := check(value, "", 0, frozenset()):
        where, problem = found
        raise ValueError(f"{where.lstrip('.')}: {problem}" if where else problem)
    return value
