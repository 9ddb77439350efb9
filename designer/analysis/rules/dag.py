"""Rules about DAG settings and about values that should not be in a DAG file at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from designer.analysis.findings import Finding, KeyPath, Severity, format_location, rule
from designer.analysis.report import Context
from designer.cron import PRESETS, cron_problem
from designer.ids import MAX_TAG_LENGTH
from designer.model import (
    AssetOrTimeSchedule,
    Design,
    TaskArgs,
    asset_names,
    asset_uris,
    schedule_timetable,
    timetable_path,
)
from designer.operators import operator_spec
from designer.parse_time import dotted_paths, runs_code
from designer.validity import (
    MULTILINE_CONTROLS,
    asset_name_problem,
    asset_uri_problem,
    control_characters,
    dotted_path_problem,
    has_control_character,
    python_name_problem,
    unloadable_values,
)

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@rule("DD022", "dag-settings", E)
def dag_settings(ctx: Context) -> Iterator[Finding]:
    """DAG settings Airflow rejects: an invalid cron expression (also as the time part of an asset-or-time
    schedule, where @once and @continuous are no cron either), `@continuous` with more than one active run,
    a scheduled DAG with a required param that has no default, a tag over 100 characters, a callback or
    timetable class that is not a dotted import path of Python names (`pkg.class.fn` and `pkg.1abc.fn`
    cannot be imported), a timetable argument that is not a Python name, an empty asset name, group or
    alias, or an asset schedule URI Airflow refuses: empty, only whitespace, with control characters, over
    1500 characters, or with the reserved `airflow://` scheme (`ValueError: Asset scheme 'airflow' is reserved`). Warns
    about asset URIs with non-ASCII characters (Airflow 2 and Airflow 3 on MySQL refuse them) or
    surrounding whitespace (assets match by exact URI)."""
    dag = ctx.design.dag
    for path, uri in asset_uris(dag.schedule):
        where = ("dag", "schedule", *path)
        if problem := asset_uri_problem(uri):
            yield Finding("DD022", E, f"asset URI {uri[:60]!r} {problem}", (), where)
        elif not uri.isascii():
            yield Finding("DD022", W, f"asset URI {uri[:60]!r} has non-ASCII characters, which Airflow 2 (and "
                          "Airflow 3 on MySQL) refuses", (), where)
        elif uri != uri.strip():
            yield Finding("DD022", W, f"asset URI {uri[:60]!r} starts or ends with whitespace; assets match by "
                          "exact URI, so the producing task must write the same spaces", (), where)
    for path, what, text in asset_names(dag.schedule):
        if problem := asset_name_problem(text):
            yield Finding("DD022", E, f"{what} {text[:60]!r} {problem}", (), ("dag", "schedule", *path))
    if isinstance(dag.schedule, AssetOrTimeSchedule) and isinstance(dag.schedule.timetable, str):
        cron = dag.schedule.timetable
        if problem := cron_problem(cron) or ("is not a cron schedule" if PRESETS.get(cron, "") is None else None):
            yield Finding("DD022", E, f"the time part {cron!r} of the asset-or-time schedule {problem}", (),
                          ("dag", "schedule", "timetable"))
    if (timetable := schedule_timetable(dag.schedule)) is not None:
        where = ("dag", *timetable_path(dag.schedule))
        if problem := dotted_path_problem(timetable.timetable):
            yield Finding("DD022", E, f"timetable {timetable.timetable[:80]!r} must be a dotted import path like "
                          f"pkg.module.MyTimetable: it {problem}", (), (*where, "timetable"))
        for name in timetable.kwargs:
            if problem := python_name_problem(name):
                yield Finding("DD022", E, f"timetable argument {problem}, so it cannot be passed by keyword", (),
                              (*where, "kwargs", name))
    if isinstance(dag.schedule, str):
        if problem := cron_problem(dag.schedule):
            yield Finding("DD022", E, f"schedule {dag.schedule!r} {problem}", (), ("dag", "schedule"))
        if dag.schedule == "@continuous" and (dag.max_active_runs or 16) > 1:
            yield Finding("DD022", E, "an @continuous schedule needs max_active_runs: 1", (),
                          ("dag", "max_active_runs"))
    if dag.schedule is not None:
        for name, param in dag.params.items():
            if param.default is None and param.type not in (None, "null"):
                yield Finding("DD022", E, f"param {name!r} has no default, which Airflow refuses for a scheduled DAG",
                              (), ("dag", "params", name))
    for i, tag in enumerate(dag.tags):
        if len(tag) > MAX_TAG_LENGTH or not tag:
            yield Finding("DD022", E, f"tag {tag[:30]!r}... must be 1 to {MAX_TAG_LENGTH} characters",
                          (), ("dag", "tags", i))
    for name in ("on_success_callback", "on_failure_callback"):
        value = getattr(dag, name)
        if value is not None and (problem := dotted_path_problem(value)):
            yield Finding("DD022", E, f"{name} {value[:80]!r} must be a dotted import path like pkg.module.function: "
                          f"it {problem}", (), ("dag", name))


@rule("DD027", "unloadable-value", E)
def unloadable_value(ctx: Context) -> Iterator[Finding]:
    """Values the design file accepts but Airflow or every export refuses: a pool name outside letters,
    digits, `_`, `.` and `-` or over 250 characters (Airflow 2 fails the DAG file: `The key 'my pool' has
    to be made of alphanumeric characters, dashes, dots and underscores exclusively`), a zero or negative
    interval schedule (`schedule interval must be positive`; Airflow 3 drops the DAG), and params,
    arguments and mapped values that are not plain data: NaN or infinity (no Python literal, no JSON
    value), keys that are not text or numbers, values of other types (a YAML date), nesting over 32."""
    for where, subjects, message in unloadable_values(ctx.design):
        yield Finding("DD027", E, message, subjects, where)


_SECRET_KEY = re.compile(
    r"(^|[_-])(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)($|[_-])",
    re.IGNORECASE)
_SECRET_VALUE = re.compile(
    r"AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|gh[pousr]_[A-Za-z0-9]{36}"  # GitHub tokens
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|sk_live_[A-Za-z0-9]{16,}"
    r"|[a-z][a-z0-9+.-]*://[^/\s:@{}]+:[^/\s@{}]+@"  # credentials in a URL
    r"|Bearer\s+[A-Za-z0-9._~+/-]{20,}"
)
_MAX_WALK_DEPTH = 20


@rule("DD023", "secret-literal", W)
def secret_literals(ctx: Context) -> Iterator[Finding]:
    """A value that looks like a password, token or key written into the design. DAG files are read by
    everyone with repository access and shown in Airflow's UI; keep secrets in Connections or Variables
    and reference them with templates such as `{{ conn.my_db.password }}`."""
    for i, task in enumerate(ctx.design.tasks):
        for path, value in _walk(task.args, ("tasks", i, "args")):
            if _looks_secret(path, value):
                yield Finding("DD023", W, f"task {task.id!r}: {_name(path)} looks like a secret written in the "
                              "design; use an Airflow Connection or Variable", (task.id,), path)
    for name, param in ctx.design.dag.params.items():
        for path, value in _walk(param.default, ("dag", "params", name, "default")):
            if _looks_secret((name, *path), value):
                yield Finding("DD023", W, f"param {name!r} looks like it holds a secret; use an Airflow Connection "
                              "or Variable", (), path)


def _walk(value: Any, path: KeyPath, depth: int = 0) -> Iterator[tuple[KeyPath, str]]:
    if depth > _MAX_WALK_DEPTH:
        return
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index), depth + 1)


def _looks_secret(path: KeyPath, value: str) -> bool:
    if not value or "{{" in value:
        return False  # a template reads the secret at run time: that is the right way
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    return bool(_SECRET_KEY.search(key) and len(value) >= 4) or bool(_SECRET_VALUE.search(value))


def _name(path: KeyPath) -> str:
    return ".".join(str(p) for p in path[3:]) or "an argument"


@rule("DD024", "control-character", E)
def control_character(ctx: Context) -> Iterator[Finding]:
    """NUL and other control characters in text: PostgreSQL, Airflow's usual metadata database, cannot
    store NUL at all, and the others (escape sequences, backspace, ...) are invisible in the UI and can
    rewrite what a terminal shows of logs. Tabs and line breaks are fine in multi-line text (commands,
    SQL, doc_md, descriptions, tooltips, argument and param values) but not in one-line fields: tags,
    param names, edge labels, colours, owner, pool, queue and plain string arguments such as conn_id.
    Ids, callables and asset URIs are checked by DD001, DD015 and DD022."""
    for path, text, multiline, subjects, is_key in _texts(ctx.design):
        if not has_control_character(text):
            continue  # the usual case, decided in C
        bad = control_characters(text, MULTILINE_CONTROLS if multiline else frozenset())
        if bad:
            kind = "text" if multiline else "one-line field"
            what = f"{_field(path[:-1], subjects)}: the key {text!r:.60}" if is_key else _field(path, subjects)
            yield Finding("DD024", E, f"{what} contains {', '.join(bad)}; remove "
                          f"{'it' if len(bad) == 1 else 'them'} from this {kind}", subjects, path)


# (where, text, multi-line allowed, subjects, whether the text is the key at the end of `where`)
_TextItem = tuple[KeyPath, str, bool, tuple[str, ...], bool]


def _texts(design: Design) -> Iterator[_TextItem]:
    """Every free-text value and name of `design` that no other rule checks for characters."""
    dag = design.dag
    yield ("dag", "description"), dag.description, True, (), False
    if dag.doc_md is not None:
        yield ("dag", "doc_md"), dag.doc_md, True, (), False
    for i, tag in enumerate(dag.tags):
        yield ("dag", "tags", i), tag, False, (), False
    for name, param in dag.params.items():
        where = ("dag", "params", name)
        yield where, name, False, (), True
        if param.description is not None:
            yield (*where, "description"), param.description, True, (), False
        yield from _data(param.default, (*where, "default"), ())
    yield from _task_args(dag.default_args, ("dag", "default_args"), ())
    for i, task in enumerate(design.tasks):
        who, where = (task.id,), ("tasks", i)
        spec = operator_spec(task.operator)
        for name, value in task.args.items():
            arg = None if spec is None or spec.free_args else spec.args.get(name)
            if isinstance(value, str) and arg is not None and arg.type == "str" and not arg.templated:
                yield (*where, "args", name), value, False, who, False
            else:
                yield from _data(value, (*where, "args", name), who)
        yield from _task_args(task.overrides, (*where, "overrides"), who)
        if task.doc_md is not None:
            yield (*where, "doc_md"), task.doc_md, True, who, False
        if task.fan_out is not None and task.fan_out.values is not None:
            yield from _data(task.fan_out.values, (*where, "fan_out", "values"), who)
        for arg, source in (task.mapping.expand.items() if task.mapping else ()):
            if isinstance(source, list):
                yield from _data(source, (*where, "mapping", "expand", arg), who)
    for j, group in enumerate(design.groups):
        who, where = (group.id,), ("groups", j)
        yield (*where, "tooltip"), group.tooltip, True, who, False
        for name in ("ui_color", "ui_fgcolor"):
            if (value := getattr(group, name)) is not None:
                yield (*where, name), value, False, who, False
        yield from _task_args(group.default_args, (*where, "default_args"), who)
    for k, edge in enumerate(design.edges):
        if edge.label is not None:
            yield ("edges", k, "label"), edge.label, False, (edge.upstream, edge.downstream), False


def _task_args(args: TaskArgs, where: KeyPath, who: tuple[str, ...]) -> Iterator[_TextItem]:
    for name in ("owner", "pool", "queue"):
        if (value := getattr(args, name)) is not None:
            yield (*where, name), value, False, who, False


def _data(value: Any, where: KeyPath, who: tuple[str, ...], depth: int = 0) -> Iterator[_TextItem]:
    """Strings (keys included) inside a data value: line breaks and tabs are data there."""
    if depth > _MAX_WALK_DEPTH:
        return
    if isinstance(value, str):
        yield where, value, True, who, False
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield (*where, key), key, True, who, True
            yield from _data(item, (*where, str(key)), who, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _data(item, (*where, index), who, depth + 1)


def _field(path: KeyPath, subjects: tuple[str, ...]) -> str:
    """`task 'load': args.env.HOME`: the task, group or edge by id, then the key path (odd keys quoted)."""
    if path and path[0] in ("tasks", "groups"):
        return f"{path[0][:-1]} {subjects[0]!r}: {format_location(path[2:])}"
    if path and path[0] == "edges":
        return f"edge {subjects[0]} >> {subjects[1]}: {format_location(path[2:])}"
    return format_location(path)


@rule("DD028", "path-runs-code", W)
def path_runs_code(ctx: Context) -> Iterator[Finding]:
    """A callable, callback or custom operator class whose dotted path leads into a module that runs
    commands or code (`os.system`, `subprocess.*`, `builtins.eval`, `importlib.*`, `pickle.loads`, ...;
    the table is `designer.parse_time.RUNS_CODE`). The generated module imports every named module when
    Airflow parses it, and the task calls the object with Airflow's arguments. Point the path at a
    function of your own that does one reviewed thing, or use an operator made for it (BashOperator)."""
    for where, subjects, what, path in dotted_paths(ctx.design):
        if dotted_path_problem(path) is None and (reason := runs_code(path)):
            owner = f"task {subjects[0]!r}: " if subjects else ""
            yield Finding("DD028", W, f"{owner}{what} {path!r} {reason}; the DAG file imports it whenever Airflow "
                          "parses it", subjects, where)


@rule("DD029", "doc-md-file", W)
def doc_md_file(ctx: Context) -> Iterator[Finding]:
    """DAG documentation that ends in `.md`: Airflow then opens that path (relative to the DAG processor's
    working directory) at parse time and shows the file's content instead, or the bare name when there
    is no such file. The DAG's description stands in for an empty doc_md in the Python export, so it
    counts too. Task doc_md is shown as written (Airflow does not read it from disk). Write the text
    itself, or end it with something else (a full stop)."""
    dag = ctx.design.dag
    text, where = (dag.doc_md, ("dag", "doc_md")) if dag.doc_md else (dag.description, ("dag", "description"))
    if text.endswith(".md"):  # Airflow's own test (sdk.definitions.dag._convert_doc_md)
        yield Finding("DD029", W, f"{where[-1]} {text[-60:]!r} ends in '.md', so Airflow reads the file of that name "
                      "from disk when it parses the DAG; write the documentation itself", (), where)
