"""Value checks shared by the lint rules, the exporters and the UI.

Each function says why a value cannot be written as Airflow code or would be refused by Airflow, or
returns None. The lint rules report these problems while a design is drawn; the exporters call the
same functions as a last guard, so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
import keyword
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from designer.model import Design, IntervalSchedule, Task, TaskArgs, schedule_timetable, timetable_path

# Keyword arguments the generated task call writes itself.
RESERVED_ARGUMENTS = frozenset({"task_id", "dag", "task_group"})
# Airflow: Asset/Dataset URIs and names are at most 1500 characters (sdk.definitions.asset).
MAX_ASSET_URI_LENGTH = 1500
# Airflow 2 validates a pool name like a task id (airflow.utils.helpers.validate_key, `re.match`): word
# characters, dots and dashes, at most 250 characters; `BaseOperator` raises at parse time otherwise.
POOL_NAME = re.compile(r"[\w.-]+")
MAX_POOL_NAME_LENGTH = 250
# Data values deeper than this are not walked (the exporters refuse deeper nesting anyway).
MAX_DATA_DEPTH = 32
# Line breaks and tabs are allowed in multi-line text (commands, SQL, docs); no other control character is.
MULTILINE_CONTROLS = frozenset("\t\n\r")


def python_name_problem(name: str) -> str | None:
    """Why `name` is not a plain Python name (ASCII identifier, not a keyword), or None."""
    if not (name.isascii() and name.isidentifier()):
        return f"{name!r} is not a Python name"
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    return None


def dotted_path_problem(path: str) -> str | None:
    """Why `path` cannot be imported as `from pkg.module import name`, or None.

    Every dot-separated part must be a plain Python name: `pkg.class.fn` and `pkg.1abc.fn` cannot be
    written as an import statement.
    """
    parts = path.split(".")
    if len(parts) < 2:
        return "needs a module and a name, like pkg.module.function"
    for part in parts:
        if not part:
            return "has an empty part between dots"
        if not (part.isascii() and part.isidentifier()):
            return f"has {part!r}, which is not a Python name"
        if keyword.iskeyword(part):
            return f"has {part!r}, which is a Python keyword"
    return None


def asset_name_problem(name: str) -> str | None:
    """Why Airflow refuses `name` as an asset name, group or alias (empty, over 1500 characters), or None;
    control characters cannot be stored."""
    if not name.strip():
        return "is empty"
    if bad := control_characters(name):
        return f"contains the control character {bad[0]}"
    if len(name) > MAX_ASSET_URI_LENGTH:
        return f"is {len(name)} characters long; Airflow allows {MAX_ASSET_URI_LENGTH}"
    return None


def argument_name_problem(name: str) -> str | None:
    """Why `name` cannot be a keyword argument of a generated operator call, or None."""
    if name in RESERVED_ARGUMENTS:
        return f"{name!r} is set by the generated code itself"
    return python_name_problem(name)


def arguments_given_twice(task: Task) -> list[str]:
    """Argument names `task` sets in `args` that the design also sets another way (a trigger rule other than
    all_success, an override, doc_md): the generated call would pass them twice."""
    also = {name for name, value in task.overrides if value is not None}
    if task.trigger_rule != "all_success":
        also.add("trigger_rule")
    if task.doc_md:
        also.add("doc_md")
    return sorted(also.intersection(task.args))


def asset_uri_problem(uri: str) -> str | None:
    """Why Airflow refuses `uri` as an asset (Airflow 2: dataset) URI, or None.

    Airflow raises for an empty or all-whitespace URI, one over 1500 characters, one it cannot split,
    the reserved `airflow://` scheme and the names `self` and `context`; control characters cannot be
    stored.
    """
    if not uri:
        return "is empty"
    if uri.isspace():
        return "is only whitespace"
    if bad := control_characters(uri):
        return f"contains the control character {bad[0]}"
    if len(uri) > MAX_ASSET_URI_LENGTH:
        return f"is {len(uri)} characters long; Airflow allows {MAX_ASSET_URI_LENGTH}"
    if uri in ("self", "context"):
        return f"is {uri!r}, a name Airflow reserves"
    try:
        scheme = urlsplit(uri).scheme.lower()
    except ValueError as exc:  # Airflow splits the URI the same way and fails the same
        return f"is not a valid URI ({exc})"
    if scheme == "airflow":
        return "uses the scheme 'airflow://', which Airflow reserves for itself"
    return None


# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control_character(text: str) -> bool:
    """True when `text` holds any control character (tabs and line breaks included)."""
    return _CONTROL.search(text) is not None


def control_characters(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The control characters (Unicode category Cc) in `text` other than `allowed`, described like
    `U+0000 (NUL)`, each once, in order of appearance."""
    seen: list[str] = []
    for ch in _CONTROL.findall(text):
        if ch not in allowed and ch not in seen:
            seen.append(ch)
    return [_describe(ch) for ch in seen]


_NAMES = {"\0": "NUL", "\t": "tab", "\n": "line feed", "\r": "carriage return", "\x1b": "ESC", "\x7f": "DEL"}


def _describe(ch: str) -> str:
    name = _NAMES.get(ch)
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def fanned_out_sources(task: Task, tasks: Mapping[str, Task]) -> Iterator[tuple[str, str]]:
    """(argument, source task id) for each argument `task` maps over the output of a statically fanned-out
    task: the copies have one output each, so "its output" names no single value."""
    if task.mapping is None:
        return
    for arg, source in task.mapping.expand.items():
        if isinstance(source, list):
            continue
        upstream = tasks.get(source.task)
        if upstream is not None and upstream.fan_out is not None:
            yield arg, source.task


def format_location(path: tuple[str | int, ...]) -> str:
    """`("tasks", 3, "args")` -> `tasks[3].args`; a key that is not printable text is quoted (`env.'a\\tb'`),
    so control characters in keys never reach a terminal."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if part.isprintable() else repr(part)
            out += f".{text}" if out else text
    return out


def pool_name_problem(name: str) -> str | None:
    """Why Airflow refuses `name` as a pool (Airflow 2.11 raises at parse time: `The key 'my pool' has to be
    made of alphanumeric characters, dashes, dots and underscores exclusively`), or None."""
    if not POOL_NAME.fullmatch(name):
        return "may only contain letters, digits, '_', '.' and '-' (Airflow 2 refuses the DAG file otherwise)"
    if len(name) > MAX_POOL_NAME_LENGTH:
        return f"is {len(name)} characters long; Airflow allows {MAX_POOL_NAME_LENGTH}"
    return None


def interval_problem(interval: dt.timedelta) -> str | None:
    """Why Airflow refuses `interval` as a schedule (`schedule interval must be positive`), or None."""
    if interval <= dt.timedelta(0):
        return f"is {interval}; Airflow only takes a positive interval (the DAG would not load)"
    return None


def data_problems(value: Any, where: tuple, depth: int = 0) -> Iterator[tuple[tuple, str]]:
    """(key path, why) for each part of a data value (a param default, an argument, a mapped list) that no
    export can write: NaN and infinity (no Python literal, no JSON value), and anything but text, numbers,
    booleans, null, lists and mappings with such keys (a YAML date, for example)."""
    if depth > MAX_DATA_DEPTH:
        yield where, f"is nested more than {MAX_DATA_DEPTH} levels deep"
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield where, "is NaN or infinite, which cannot be written as Python or JSON; use a finite number"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not (key is None or isinstance(key, str | int | bool) or isinstance(key, float) and math.isfinite(key)):
                yield where, f"has the key {_brief(key)}, which is not text or a finite number"
            yield from data_problems(item, (*where, str(key)), depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from data_problems(item, (*where, index), depth + 1)
    elif not (value is None or isinstance(value, str | int | bool)):
        yield where, f"is {_brief(value)}; only text, numbers, booleans, null, lists and mappings can be exported"


def _brief(value: Any) -> str:
    """A value that is not plain data, as a user would recognise it from their file (never a Python repr):
    a YAML date or time by its ISO text, anything else by its kind."""
    if isinstance(value, dt.date | dt.time):
        return f"a {type(value).__name__} value ({value.isoformat()})"
    if isinstance(value, float):
        return f"the number {value}"
    return f"a {type(value).__name__} value"


# (location in the design, ids of the tasks or groups it is about, what is wrong)
ValueProblem = tuple[tuple, tuple[str, ...], str]


def unloadable_values(design: Design) -> Iterator[ValueProblem]:
    """Values the model accepts but an export refuses or Airflow refuses at parse time: pool names Airflow 2
    rejects, a zero or negative interval schedule, and data (params, arguments, mapped values) that is not
    plain data (see `data_problems`).
    The lint rule reports each one; the exporters refuse the design with the same message."""
    dag = design.dag
    if isinstance(dag.schedule, IntervalSchedule) and (problem := interval_problem(dag.schedule.interval)):
        yield ("dag", "schedule", "interval"), (), f"the interval schedule {problem}"
    if (timetable := schedule_timetable(dag.schedule)) is not None:
        yield from ((path, (), f"{format_location(path)} {problem}")
                    for path, problem in data_problems(timetable.kwargs, ("dag", *timetable_path(dag.schedule),
                                                                          "kwargs")))
    yield from _pools(dag.default_args, ("dag", "default_args"), ())
    for j, group in enumerate(design.groups):
        yield from _pools(group.default_args, ("groups", j, "default_args"), (group.id,))
    data: list[tuple[Any, tuple, tuple[str, ...]]] = [
        (param.default, ("dag", "params", name, "default"), ()) for name, param in dag.params.items()]
    for i, task in enumerate(design.tasks):
        who = (task.id,)
        yield from _pools(task.overrides, ("tasks", i, "overrides"), who)
        data.append((task.args, ("tasks", i, "args"), who))
        if task.fan_out is not None and task.fan_out.values is not None:
            data.append((task.fan_out.values, ("tasks", i, "fan_out", "values"), who))
        for arg, source in (task.mapping.expand.items() if task.mapping is not None else ()):
            if isinstance(source, list | tuple):  # else the output of an upstream task
                data.append((source, ("tasks", i, "mapping", "expand", arg), who))
    for value, where, who in data:
        for path, problem in data_problems(value, where):
            yield path, who, f"{format_location(path)} {problem}"


def _pools(args: TaskArgs, where: tuple, who: tuple[str, ...]) -> Iterator[ValueProblem]:
    if args.pool is not None and (problem := pool_name_problem(args.pool)):
        yield (*where, "pool"), who, f"pool {args.pool[:60]!r} {problem}"
