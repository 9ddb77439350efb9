"""Reading dag-factory values: the safe YAML read, `__type__` mappings, schedules, dates, params, default_args.

Functions here take a `note(rel_path, message)` callback and return what the design can hold; anything
else is reported through `note` and left out (returned as DROP or None).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError

from designer import storage
from designer.analysis.findings import KeyPath
from designer.importers import shown
from designer.model import (
    AssetAlias,
    AssetOrTimeSchedule,
    AssetSchedule,
    IntervalSchedule,
    NamedAsset,
    Param,
    TaskArgs,
    TimetableSchedule,
)
from designer.operators import catalog
from designer.storage import LineIndex

Note = Callable[[KeyPath, str], None]
DROP = object()  # a value that could not be imported (already noted)

TIMEDELTA_TYPES = frozenset({"datetime.timedelta", "pendulum.Duration", "pendulum.duration"})
PARAM_TYPES = frozenset({"airflow.sdk.Param", "airflow.models.param.Param", "airflow.models.Param",
                         "airflow.sdk.definitions.param.Param"})
ASSET_TYPES = frozenset({"airflow.sdk.Asset", "airflow.sdk.definitions.asset.Asset", "airflow.datasets.Dataset",
                         "airflow.Dataset", "airflow.sdk.Dataset", "airflow.Asset"})
MAGIC_KEYS = ("__type__", "__args__", "__and__", "__or__", "__join__")
_TIMEDELTA_KEYS = frozenset({"days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"})
_DURATION = TypeAdapter(dt.timedelta)


class Tagged:
    """A YAML node with an explicit tag (`!!python/name:...`), kept as a marker instead of being run."""

    def __init__(self, tag: str) -> None:
        self.tag = tag


class _Loader(storage.SafeLoader):
    """The designer's safe loader, plus markers for explicit tags."""


_Loader.add_multi_constructor("", lambda _loader, _suffix, node: Tagged(node.tag))


def read_yaml(data: str | bytes, source: str) -> tuple[Any, LineIndex, str]:
    """(document, line index, text) of a dag-factory file, read with the design files' safeguards
    (size cap, UTF-8, bounded nodes and nesting, duplicate keys refused, numbers that can be held);
    anchors, aliases and merge keys (`<<: *defaults`) are accepted, each alias counting as its whole
    subtree against the node cap; keys need not be strings; tags become Tagged markers."""
    text = storage.decode_text(data, source, what="files")
    document, index = storage.read_yaml(text, source, loader=_Loader, what="files", aliases=True, string_keys=False)
    return document, index, text


_ENV_REFERENCE = re.compile(r"\$(\w+|\{[^}]*\})")  # what os.path.expandvars replaces


def env_references(text: str) -> list[tuple[int, str]]:
    """(line, `$NAME`) for every environment reference dag-factory would expand, comment lines excepted."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        found.extend((number, m.group(0)) for m in _ENV_REFERENCE.finditer(line))
    return found


# Old class paths dag-factory files still use (dagfactory's `convert` rewrites them) -> catalog keys.
LEGACY_OPERATORS = {
    "airflow.operators.bash_operator.BashOperator": "bash",
    "airflow.operators.python_operator.PythonOperator": "python",
    "airflow.operators.python_operator.BranchPythonOperator": "branch_python",
    "airflow.operators.python_operator.ShortCircuitOperator": "short_circuit",
    "airflow.operators.dummy_operator.DummyOperator": "empty",
    "airflow.operators.dummy.DummyOperator": "empty",
    "airflow.operators.latest_only_operator.LatestOnlyOperator": "latest_only",
    "airflow.operators.dagrun_operator.TriggerDagRunOperator": "trigger_dagrun",
    "airflow.operators.email_operator.EmailOperator": "email",
    "airflow.sensors.external_task_sensor.ExternalTaskSensor": "external_task_sensor",
    "airflow.contrib.sensors.file_sensor.FileSensor": "file_sensor",
    "airflow.sensors.time_delta_sensor.TimeDeltaSensor": "time_delta_sensor",
    "airflow.sensors.python.PythonSensor": "python_sensor",
}


def operator_key(class_path: str) -> str:
    """The catalog key for an operator class path (Airflow 3, Airflow 2 or legacy), else the path itself."""
    for key, spec in catalog().items():
        if not spec.is_custom and class_path in (f"{spec.airflow3_module}.{spec.class_name}",
                                                 f"{spec.airflow2_module}.{spec.class_name}"):
            return key
    return LEGACY_OPERATORS.get(class_path, class_path)


def type_of(value: Any) -> str | None:
    """The `__type__` of a dag-factory typed mapping, or None."""
    if isinstance(value, dict) and isinstance(value.get("__type__"), str):
        return value["__type__"]
    return None


def timedelta_of(value: Any, rel: KeyPath, note: Note) -> dt.timedelta | None:
    """A duration from seconds, an ISO 8601 string or a `__type__: datetime.timedelta` mapping."""
    kind = type_of(value)
    if kind in TIMEDELTA_TYPES:
        kwargs = {k: v for k, v in value.items() if k not in ("__type__", "__args__")}
        args = value.get("__args__") or []
        if set(kwargs) <= _TIMEDELTA_KEYS and isinstance(args, list) and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in [*args, *kwargs.values()]):
            try:
                return dt.timedelta(*args, **kwargs)
            except (TypeError, OverflowError):
                pass
        note(rel, "could not read this timedelta; left out")
        return None
    if isinstance(value, bool) or value is None or kind is not None:
        note(rel, f"expected a duration, got {_describe(value)}; left out")
        return None
    try:
        return _DURATION.validate_python(value)
    except ValidationError:
        note(rel, f"expected a duration (seconds, ISO 8601 or a datetime.timedelta), got {shown(value)}; left out")
        return None


def relative_delta(value: str) -> dt.timedelta | None:
    """dag-factory's own "<n> hours|minutes|seconds|days" form (utils.get_time_delta), or None."""
    pattern = (r"((?P<hours>\d+?)\s+hour)?((?P<minutes>\d+?)\s+minute)?((?P<seconds>\d+?)\s+second)?"
               r"((?P<days>\d+?)\s+day)?")
    match = re.match(pattern, value, flags=re.IGNORECASE)
    parts = {k: int(v) for k, v in (match.groupdict() if match else {}).items() if v}
    return dt.timedelta(**parts) if parts else None


def plain(value: Any, rel: KeyPath, note: Note, depth: int = 0) -> Any:
    """An argument value without dag-factory constructs: timedeltas become seconds, the rest is noted."""
    if isinstance(value, Tagged):
        note(rel, f"YAML tag {shown(value)} is not supported (dag-factory would run Python to build it); left out")
        return DROP
    kind = type_of(value)
    if kind in TIMEDELTA_TYPES:
        delta = timedelta_of(value, rel, note)
        if delta is None:
            return DROP
        seconds = delta.total_seconds()
        return int(seconds) if seconds == int(seconds) else seconds
    if kind == "builtins.list" and "items" in value:
        return plain(value["items"], rel, note, depth)
    if isinstance(value, dict):
        magic = [k for k in MAGIC_KEYS if k in value]
        if magic:
            note(rel, f"{magic[0]} mappings build Python objects in dag-factory and are not supported; left out")
            return DROP
        out = {}
        for key, item in value.items():
            converted = plain(item, (*rel, key), note, depth + 1)
            if converted is not DROP:
                out[key] = converted
        return out
    if isinstance(value, list):
        items = [plain(item, (*rel, i), note, depth + 1) for i, item in enumerate(value)]
        return [item for item in items if item is not DROP]
    return value


def schedule_of(value: Any, rel: KeyPath, note: Note) -> Any:
    """A design schedule: None, a cron/preset string, an IntervalSchedule, an asset condition (a list, Asset
    and AssetAlias mappings, `__and__`/`__or__`, AssetAll/AssetAny), an AssetOrTimeSchedule or a timetable
    built from plain arguments (`__type__` with keyword arguments); DROP when unsupported."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if value.strip().lower() == "none" else value
    kind = type_of(value)
    if kind in TIMEDELTA_TYPES:
        delta = timedelta_of(value, rel, note)
        return IntervalSchedule(interval=delta) if delta is not None else DROP
    if isinstance(value, list) or kind in ASSET_TYPES | ALIAS_TYPES | CONDITION_TYPES or _combining(value):
        condition = _condition(value, rel, note)
        return condition if condition is not None else DROP
    if kind in ASSET_OR_TIME_TYPES and set(value) <= {"__type__", "timetable", "assets"}:
        timetable = _timetable(value.get("timetable"), (*rel, "timetable"), note)
        assets = _condition(value.get("assets"), (*rel, "assets"), note)
        if timetable is not None and assets is not None:
            return AssetOrTimeSchedule(timetable=timetable, assets=assets)
        return DROP
    if kind is not None:
        timetable = _timetable(value, rel, note)
        return timetable if timetable is not None else DROP
    note(rel, f"schedule {_describe(value)} is not supported (cron/presets, timedeltas, asset conditions and "
         "timetables); the DAG is imported without a schedule")
    return DROP


ALIAS_TYPES = frozenset({"airflow.sdk.AssetAlias", "airflow.sdk.definitions.asset.AssetAlias",
                         "airflow.datasets.DatasetAlias"})
CONDITION_TYPES = frozenset({"airflow.sdk.AssetAll", "airflow.sdk.AssetAny", "airflow.sdk.definitions.asset.AssetAll",
                             "airflow.sdk.definitions.asset.AssetAny"})
ASSET_OR_TIME_TYPES = frozenset({"airflow.sdk.AssetOrTimeSchedule",
                                 "airflow.sdk.definitions.timetables.assets.AssetOrTimeSchedule"})
CRON_TRIGGER_TYPES = frozenset({"airflow.sdk.CronTriggerTimetable", "airflow.timetables.trigger.CronTriggerTimetable"})


def _combining(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and ("__or__" in value or "__and__" in value)


def _condition(value: Any, rel: KeyPath, note: Note) -> AssetSchedule | None:
    """An asset condition from a list (all), `{__and__|__or__: [...]}`, AssetAll/AssetAny with `__args__`, or
    one asset or alias; None (noted) for anything else."""
    kind = type_of(value)
    if isinstance(value, list):
        items, mode = value, "all"
    elif _combining(value):
        (op, items), = value.items()
        mode = "any" if op == "__or__" else "all"
    elif kind in CONDITION_TYPES and set(value) <= {"__type__", "__args__"}:
        items, mode = value.get("__args__"), "any" if kind.endswith("AssetAny") else "all"
    elif kind in ASSET_TYPES | ALIAS_TYPES or isinstance(value, str):
        items, mode = [value], "all"
    else:
        note(rel, f"schedule {_describe(value)} is not an asset condition the design can hold; the DAG is imported "
             "without a schedule")
        return None
    if not isinstance(items, list) or not items:
        note(rel, "an asset condition without assets is not supported; the DAG is imported without a schedule")
        return None
    out: list[Any] = []
    for i, item in enumerate(items):
        where = (*rel, i)
        if isinstance(item, list) or _combining(item) or type_of(item) in CONDITION_TYPES:
            inner = _condition(item, where, note)
        elif type_of(item) in ALIAS_TYPES:
            inner = _alias(item, where, note)
        else:
            inner = _asset(item, where, note)
        if inner is None:
            return None
        out.append(inner)
    return AssetSchedule(assets=out, mode=mode)


def _alias(value: dict, rel: KeyPath, note: Note) -> AssetAlias | None:
    args = value.get("__args__") or []
    name = value.get("name") or (args[0] if isinstance(args, list) and args else None)
    if not isinstance(name, str) or not name.strip() or set(value) - {"__type__", "__args__", "name"}:
        note(rel, f"asset alias {_describe(value)} is not supported (only a name); the DAG is imported without a "
             "schedule")
        return None
    return AssetAlias(alias=name)


def _asset(value: Any, rel: KeyPath, note: Note) -> str | NamedAsset | None:
    """An asset as its URI text, or a NamedAsset when it has a name (other than its URI), group or extra."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if type_of(value) in ASSET_TYPES:
        args = value.get("__args__") or []
        first = args[0] if isinstance(args, list) and args else None
        name = value.get("name", first)
        uri = value.get("uri") or name
        others = set(value) - {"__type__", "__args__", "uri", "name", "group", "extra"}
        if isinstance(uri, str) and uri.strip():
            if others:
                note(rel, f"asset settings {_keys(others)} are not supported; left out")
            extra = plain(value.get("extra") or {}, (*rel, "extra"), note)
            fields = {"uri": uri.strip(), "name": name if isinstance(name, str) and name != uri else None,
                      "group": value.get("group"), "extra": extra if isinstance(extra, dict) else {}}
            if fields["name"] is None and fields["group"] is None and not fields["extra"]:
                return fields["uri"]
            try:
                return NamedAsset(**fields)
            except ValidationError as exc:
                note(rel, f"asset {shown(uri)}: {exc.errors(include_url=False)[0]['msg']}; kept by its URI only")
                return fields["uri"]
    note(rel, f"asset {_describe(value)} is not supported; the DAG is imported without a schedule")
    return None


def _timetable(value: Any, rel: KeyPath, note: Note) -> TimetableSchedule | str | None:
    """A timetable `{__type__: <class path>, <keyword arguments>}`, a CronTriggerTimetable in UTC as its cron text,
    or a plain cron text; None (noted) otherwise."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    kind = type_of(value)
    args = value.get("__args__") if kind is not None else None
    if kind in CRON_TRIGGER_TYPES and isinstance(args, list) and len(args) == 1 and "expression" not in value:
        value = {**{k: v for k, v in value.items() if k != "__args__"}, "expression": args[0]}  # its first parameter
    elif kind is None or args or any(not isinstance(k, str) for k in value):
        note(rel, f"timetable {_describe(value)} is not supported (a __type__ with keyword arguments only); the DAG is "
             "imported without a schedule")
        return None
    kwargs = {k: plain(v, (*rel, k), note) for k, v in value.items() if k not in ("__type__", "__args__")}
    if any(v is DROP for v in kwargs.values()):
        return None
    if kind in CRON_TRIGGER_TYPES and set(kwargs) <= {"expression", "timezone"} \
            and kwargs.get("timezone") in ("UTC", "Etc/UTC") and isinstance(kwargs.get("expression"), str):
        return kwargs["expression"]
    try:
        return TimetableSchedule(timetable=kind, kwargs=kwargs)
    except ValidationError as exc:
        note(rel, f"timetable {shown(kind, quote=False)}: {exc.errors(include_url=False)[0]['msg']}; the DAG is "
             "imported without a schedule")
        return None


def datetime_of(value: Any, timezone: Any, rel: KeyPath, note: Note) -> dt.datetime | None:
    """A start date as dag-factory reads it (tz *replaced* by `timezone`), converted to naive UTC."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            note(rel, f"{shown(value, 40)} is not a fixed date (dag-factory reads relative times such as '3 days' as "
                 "'that long before today', which changes every day); the design's default start date is used")
            return None
    if not isinstance(value, dt.datetime):
        note(rel, f"expected a date, got {_describe(value)}; left out")
        return None
    zone = timezone or "UTC"
    try:
        aware = value.replace(tzinfo=ZoneInfo(str(zone)))
    except (ZoneInfoNotFoundError, ValueError):
        note(rel, f"unknown timezone {shown(zone)}; the date is read as UTC")
        aware = value.replace(tzinfo=dt.UTC)
    if str(zone) not in ("UTC", "Etc/UTC"):
        note(rel, f"timezone {shown(zone, quote=False)}: the design has no DAG timezone, so the date is converted to "
             "UTC and cron schedules run in UTC")
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


def param_of(name: str, value: Any, rel: KeyPath, note: Note) -> Param | None:
    """A design Param from a plain default or an `airflow.sdk.Param` mapping."""
    kind = type_of(value)
    if kind is None:
        default = plain(value, rel, note)
        return None if default is DROP else Param(default=default)
    if kind not in PARAM_TYPES:
        note(rel, f"param {shown(name)}: {shown(kind, quote=False)} is not supported; left out")
        return None
    args = value.get("__args__") or []
    fields: dict[str, Any] = {}
    if "default" in value or args:
        default = plain(value.get("default", args[0] if args else None), rel, note)
        if default is not DROP:
            fields["default"] = default
    for key in ("type", "description"):
        if key in value:
            fields[key] = value[key]
    dropped = set(value) - {"__type__", "__args__", "default", "type", "description"}
    if dropped:
        note(rel, f"param {shown(name)}: {_keys(dropped)} are not part of the design; left out")
    try:
        return Param(**fields)
    except ValidationError as exc:
        note(rel, f"param {shown(name)}: {exc.errors(include_url=False)[0]['msg']}; imported with its default only")
        return Param(default=fields.get("default"))


TASK_ARG_FIELDS = tuple(TaskArgs.model_fields)


def task_args_of(values: dict[str, Any], rel: KeyPath, note: Note) -> TaskArgs:
    """TaskArgs from the TaskArgs keys of `values` (others are the caller's); bad values are noted and left out."""
    fields: dict[str, Any] = {}
    for key in TASK_ARG_FIELDS:
        if key not in values:
            continue
        value = values[key]
        if key in ("retry_delay", "execution_timeout"):
            value = timedelta_of(value, (*rel, key), note)
            if value is None:
                continue
        try:
            TaskArgs(**{key: value})
        except ValidationError as exc:
            note((*rel, key), f"{exc.errors(include_url=False)[0]['msg']}; left out")
            continue
        fields[key] = value
    return TaskArgs(**fields)


def _describe(value: Any) -> str:
    kind = type_of(value)
    if kind:
        return f"__type__ {shown(kind, quote=False)}"
    return shown(value)


def _keys(keys: Any) -> str:
    return ", ".join(sorted(shown(k, quote=False) for k in keys))
