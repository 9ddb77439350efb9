"""The design model: one typed, immutable description of an Airflow DAG.

Everything else (analysis, exporters, importers, the UI) is a function of a `Design`.

Shape only is checked here (types, required fields, enum values). Whether ids are valid, references
resolve or the graph has cycles are lint findings (see `designer.analysis.rules`), so a half-drawn
design still loads and its problems can be explained.

Lists are flat, with explicit parent ids: tasks name their group, groups name their parent.
Local ids are unique across tasks and groups (Airflow's shared namespace); an edge end names
either a task or a group.

Immutable all the way down, so an old design kept for undo can never change: models are frozen,
sequences of names and models are tuples, and free data (args, param defaults, literal lists) is
held in `FrozenDict`/`FrozenList` (see `designer.frozen`), which read and serialize like dict/list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from designer.frozen import FrozenData, FrozenDict, FrozenList

SCHEMA_VERSION = 1

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
    retries: Annotated[int, Field(ge=0)] | None = None
    retry_delay: dt.timedelta | None = None
    retry_exponential_backoff: bool | None = None
    execution_timeout: dt.timedelta | None = None
    depends_on_past: bool | None = None
    pool: str | None = None
    pool_slots: Annotated[int, Field(ge=1)] | None = None
    priority_weight: int | None = None
    queue: str | None = None


class IntervalSchedule(_Frozen):
    """Run every fixed interval (Airflow: `schedule=timedelta(...)`)."""

    interval: dt.timedelta


class AssetSchedule(_Frozen):
    """Run when assets are updated (Airflow: `schedule=[Asset(...)]` or `Asset(a) | Asset(b)`)."""

    assets: Annotated[tuple[str, ...], Field(min_length=1)]
    mode: Literal["all", "any"] = "all"


# A string is a cron expression or a preset such as "@daily"; None means manual runs only.
Schedule = str | IntervalSchedule | AssetSchedule | None


class Param(_Frozen):
    """A DAG run parameter (Airflow `Param`)."""

    default: FrozenData = None
    type: Literal["string", "integer", "number", "boolean", "array", "object", "null"] | None = None
    description: str | None = None


class DagSettings(_Frozen):
    dag_id: str
    description: str = ""
    schedule: Schedule = None
    start_date: dt.datetime = dt.datetime(2024, 1, 1)
    catchup: bool = False
    default_args: TaskArgs = TaskArgs()
    tags: tuple[str, ...] = ()
    params: FrozenDict[str, Param] = FrozenDict()
    max_active_runs: Annotated[int, Field(ge=1)] | None = None
    max_active_tasks: Annotated[int, Field(ge=1)] | None = None
    dagrun_timeout: dt.timedelta | None = None
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


class Position(_Frozen):
    x: float
    y: float


class StaticFanOut(_Frozen):
    """N concrete copies of one task, ids `<id>_<i>` for i in 0..N-1.

    With `values`, copy i receives `values[i]` as argument `arg` (when `arg` is set); with `count`,
    the copies differ only by index.
    """

    count: Annotated[int, Field(ge=1)] | None = None
    values: FrozenList[JsonScalar] | None = None
    arg: str | None = None

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


class Task(_Frozen):
    id: str
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
    estimated_duration: Annotated[dt.timedelta, Field(ge=dt.timedelta(0))] = dt.timedelta(minutes=1)
    doc_md: str | None = None
    position: Position | None = None


class Group(_Frozen):
    id: str
    parent: str | None = None
    tooltip: str = ""
    prefix_group_id: bool = True
    default_args: TaskArgs = TaskArgs()
    ui_color: str | None = None
    ui_fgcolor: str | None = None
    position: Position | None = None


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
