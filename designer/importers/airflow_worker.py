"""The isolated child of the Airflow Python importer: load DAG files with Airflow's DagBag, write plain JSON.

Run only by designer.importers.airflow_python, as `python -I -B airflow_worker.py PATH OUTFILE MEMORY CPU`
in a fresh process with its own AIRFLOW_HOME. It runs the user's code, so it sets its own resource limits
before anything else happens (the parent is a threaded server, where a preexec_fn is unsafe), then loads
PATH (a .py file or a DAG folder) the way Airflow's DAG processor does and describes every DAG as plain
data: strings, numbers, lists, dicts, and tagged values `{"$": kind, ...}` for what JSON has no type for
(durations, dates, callables, task outputs, other objects). It imports nothing from the designer, so it
stays cheap to start and knows nothing of designs: the parent turns this description into designs.

Output: {"import_errors": {file: text as Airflow prints it}, "dags": [dag, ...], "unreadable": {dag_id:
error}}, or {"fatal": text}
when the user's code ended the load (sys.exit). See `describe_dag` for the shape of one DAG.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import math
import os
import resource
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TAG = "$"
MAX_DEPTH = 20
MAX_TEXT = 200
OUTPUT_BYTES = 64 * 1024 * 1024  # RLIMIT_FSIZE: the JSON result, and whatever the user's code writes


def set_limits(memory_bytes: int, cpu_seconds: int) -> None:
    """Address space, CPU time, file size and core dumps of this process (and what it forks)."""
    for limit, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, OUTPUT_BYTES), (resource.RLIMIT_CORE, 0)):
        _soft, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, hard))


# --- values -------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A short description of a value for a note: JSON for data, a summary for Airflow objects,
    the type name for anything else (never a Python repr, which may be huge or misleading)."""
    try:
        text = _describe(value)
    except Exception:  # user objects may fail in any way
        text = f"a {type(value).__name__} object"
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _describe(value: Any) -> str:
    kind = type(value).__name__
    if isinstance(value, dt.datetime | dt.timedelta):
        return str(value)
    if kind == "Asset":
        return f"Asset {value.name}"
    if kind in ("AssetAll", "AssetAny"):
        joined = (" & " if kind == "AssetAll" else " | ").join(_describe(o) for o in value.objects)
        return f"({joined})"
    if isinstance(getattr(value, "summary", None), str):  # timetables
        zone = getattr(value, "timezone", None)
        return f"{kind} {value.summary}" + (f" in {zone}" if zone else "")
    if callable(value) and hasattr(value, "__qualname__"):
        return value.__qualname__
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return f"a {kind} object"


@dataclass(frozen=True)
class Context:
    """Where the DAG folder is (importable on Airflow workers) and which files define DAGs."""

    roots: tuple[Path, ...]
    dag_files: frozenset[Path]


def plain(value: Any, ctx: Context, depth: int = 0) -> Any:
    """`value` as JSON data; what JSON cannot hold becomes a tagged mapping (see the module doc)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, enum.Enum):  # a str enum (TriggerRule, WeightRule) is accepted as its text
        return value.value if isinstance(value.value, str) else {TAG: "object", "text": f"{type(value).__name__}."
                                                                                         f"{value.name}"}
    if isinstance(value, int):
        return value if abs(value) < 2**63 else {TAG: "object", "text": _text(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {TAG: "object", "text": _text(value)}
    if isinstance(value, dt.timedelta):
        return {TAG: "timedelta", "seconds": value.total_seconds()}
    if isinstance(value, dt.datetime):
        return {TAG: "datetime", "iso": value.isoformat()}
    if depth >= MAX_DEPTH:
        return {TAG: "object", "text": "a value nested too deeply"}
    if isinstance(value, list | tuple):
        return [plain(v, ctx, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value) and TAG not in value:
        return {k: plain(v, ctx, depth + 1) for k, v in value.items()}
    xcom = _xcom(value)
    if xcom is not None:
        return xcom
    if callable(value) and not isinstance(value, type) and hasattr(value, "__qualname__"):
        return {TAG: "callable", **callable_info(value, ctx), "text": _qualified(value, ctx)}
    return {TAG: "object", "text": _text(value)}


def _xcom(value: Any) -> dict | None:
    """A task output (`task.output`, an XComArg, `.map(...)` of one) as {"$": "xcom", "task", "key", "via"}."""
    kind = type(value).__name__
    if kind == "PlainXComArg":
        return {TAG: "xcom", "task": value.operator.task_id, "key": value.key, "via": None}
    if kind == "MapXComArg" and type(value.arg).__name__ == "PlainXComArg":
        return {TAG: "xcom", "task": value.arg.operator.task_id, "key": value.arg.key, "via": "map"}
    if kind.endswith("XComArg"):
        return {TAG: "object", "text": f"a combined task output ({kind})"}
    return None


def _qualified(obj: Any, ctx: Context) -> str:
    """`module.qualname`, with the DAG file's module named as the DAG folder imports it (or by file name)."""
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    name = module_name(module, ctx) or Path(getattr(module, "__file__", None) or "?").name
    return f"{name}.{getattr(obj, '__qualname__', '?')}"


def module_name(module: Any, ctx: Context) -> str | None:
    """The name under which `module` is importable on an Airflow worker: from site-packages (or the
    standard library) or from the DAG folder, which Airflow puts on sys.path; None when neither."""
    name = getattr(module, "__name__", None)
    if name is None:
        return None
    if not name.startswith("unusual_prefix_") and name != "__main__":
        return name
    file = getattr(module, "__file__", None)
    if not file:
        return None
    path = Path(file).resolve().with_suffix("")
    # Installed packages first: that name works wherever the design is exported to.
    installed = sorted({sysconfig.get_paths()[k] for k in ("purelib", "platlib")})
    bases = [*(Path(p).resolve() for p in installed), *ctx.roots]
    for base in bases:
        if path.is_relative_to(base):
            parts = path.relative_to(base).parts
            if parts and all(p.isidentifier() for p in parts):
                return ".".join(parts)
    return None


def _resolve(fn: Any, ctx: Context) -> tuple[Any, str | None, str]:
    """(what `module.qualname` names, the module's importable name, why it cannot be used or "")."""
    qualname = getattr(fn, "__qualname__", "")
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    if not qualname or "<" in qualname or module is None:
        return None, None, "nested"
    file = getattr(module, "__file__", None)
    if file and Path(file).resolve() in ctx.dag_files:
        return None, None, "dag_file"
    target: Any = module
    for part in qualname.split("."):
        target = getattr(target, part, None)
    name = module_name(module, ctx)
    return target, name, "" if name else "unimportable"


def callable_info(fn: Any, ctx: Context) -> dict[str, Any]:
    """{"path": `module.qualname` when importing it gives exactly `fn` (else None), "reason": why not,
    "wrapped": the path of its @task wrapper when that is what the module holds}."""
    target, name, reason = _resolve(fn, ctx)
    qualname = getattr(fn, "__qualname__", "?")
    if not reason and target is fn:
        return {"path": f"{name}.{qualname}", "reason": None, "wrapped": None}
    if not reason and getattr(target, "function", None) is fn:
        return {"path": None, "reason": "wrapped", "wrapped": f"{name}.{qualname}"}
    return {"path": None, "reason": reason or "nested", "wrapped": None}


# --- DAGs -----------------------------------------------------------------------------------------


def _signature_defaults(cls: type) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            continue
        defaults.update({p.name: p.default for p in params if p.default is not inspect.Parameter.empty})
    return defaults


def _same(a: Any, b: Any) -> bool:
    try:
        return a is b or bool(a == b)
    except Exception:  # user objects may refuse comparison
        return False


_PARTIAL_FLAGS = frozenset({"is_setup", "is_teardown", "on_failure_fail_dagrun"})


def _empty(value: Any) -> bool:
    return isinstance(value, list | tuple | dict | set) and not value


def _explicit(kwargs: dict[str, Any], inherited: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments the file gave the task itself: without inherited default_args and defaults."""
    out = {}
    for key, value in kwargs.items():
        if key in ("task_id", "dag", "task_group", "kwargs_to_upstream"):
            continue
        if key in _PARTIAL_FLAGS and value is False:  # set by .partial(), not by the file
            continue
        if key in inherited and _same(value, inherited[key]):
            continue
        if key in defaults and (_same(value, defaults[key]) or (defaults[key] is None and _empty(value))):
            continue
        out[key] = value
    return out


def _group_chain(group: Any) -> list[Any]:
    chain = []
    while group is not None and group.group_id is not None:
        chain.append(group)
        group = group.parent_group
    return chain


def describe_class(cls: type, ctx: Context) -> dict[str, Any]:
    """{"module", "name", "importable": the module name an exported DAG can import it from (None when it
    cannot), "reason": why not ("dag_file", "nested", "unimportable") or None}. A class defined in a DAG
    file is not importable: importing a DAG file from another one registers that file's DAGs again
    (Airflow's auto-register)."""
    out: dict[str, Any] = {"module": cls.__module__, "name": cls.__qualname__, "importable": None, "reason": None}
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    if "." in cls.__qualname__ or "<" in cls.__qualname__:
        out["reason"] = "nested"
    elif file and Path(file).resolve() in ctx.dag_files:
        out["reason"] = "dag_file"
    elif (name := module_name(module, ctx)) is None:
        out["reason"] = "unimportable"
    else:
        out["importable"] = name
    return out


def describe_task(task: Any, dag: Any, ctx: Context) -> dict[str, Any]:
    group = task.task_group
    mapped = hasattr(task, "expand_input")
    cls = task.operator_class if mapped else type(task)
    internal: set[str] = set()
    inherited = dict(dag.default_args or {})
    for g in reversed(_group_chain(group)):
        inherited.update(g.default_args or {})
    inherited["params"] = dag.params
    defaults = _signature_defaults(cls)
    if mapped:
        kwargs = dict(task.partial_kwargs)
        expand_input = getattr(task, "op_kwargs_expand_input", None) or task.expand_input
    else:
        kwargs = dict(getattr(task, "_BaseOperator__init_kwargs", {}) or {})
        called = getattr(task, CALLED_WITH, None)
        if called is not None:  # leave out what the class's __init__ passed to its parent classes itself
            internal = {k for k in kwargs if k not in called}
            kwargs = {k: v for k, v in kwargs.items() if k in called}
        expand_input = None
    if "params" in kwargs and not kwargs["params"]:
        kwargs.pop("params")
    explicit = _explicit(kwargs, inherited, defaults)
    out: dict[str, Any] = {
        "task_id": task.task_id,
        "group": group.group_id if group is not None else None,
        "class": describe_class(cls, ctx),
        "decorated": hasattr(task, "python_callable") and "Decorated" in cls.__name__,
        "trigger_rule": plain(task.trigger_rule, ctx),
        "is_setup": bool(getattr(task, "is_setup", False)),
        "is_teardown": bool(getattr(task, "is_teardown", False)),
        "fails_dag_run": getattr(task, "on_failure_fail_dagrun", False) is True,
        "doc_md": task.doc_md if isinstance(task.doc_md, str) and "doc_md" not in internal else None,
        "upstream": sorted(task.upstream_task_ids),
        "kwargs": {k: plain(v, ctx) for k, v in explicit.items()},
        # What the file passed that no __init__ of the class gives a default: an export without it fails.
        "required": sorted(k for k in (*explicit, *_expand_names(expand_input)) if k not in defaults),
        "mapped": None,
    }
    fn = getattr(task, "python_callable", None) or kwargs.get("python_callable")
    if out["decorated"] and fn is not None:
        code = getattr(fn, "__code__", None)
        out["function"] = {**callable_info(fn, ctx), "text": _qualified(fn, ctx),
                           "line": getattr(code, "co_firstlineno", None)}
    if expand_input is not None:
        value = expand_input.value
        by_kwargs = isinstance(value, list) or type(expand_input).__name__ == "ListOfDictsExpandInput"
        kind = "kwargs" if by_kwargs else "expand"
        out["mapped"] = {"kind": kind, "value": plain(value, ctx)}
    return out


def _expand_names(expand_input: Any) -> list[str]:
    """The argument names a mapped task expands (none for expand_kwargs over a list or an output)."""
    value = getattr(expand_input, "value", None)
    return [k for k in value if isinstance(k, str)] if isinstance(value, dict) else []


def describe_group(group: Any, ctx: Context) -> dict[str, Any]:
    parent = group.parent_group
    return {
        "group_id": group.group_id,
        "local": group._group_id,
        "parent": parent.group_id if parent is not None else None,
        "prefix_group_id": bool(group.prefix_group_id),
        "tooltip": group.tooltip or "",
        "ui_color": group.ui_color,
        "ui_fgcolor": group.ui_fgcolor,
        "default_args": plain(dict(group.default_args or {}), ctx),
        "mapped": type(group).__name__ == "MappedTaskGroup",
    }


def describe_schedule(dag: Any, ctx: Context) -> Any:
    """A DAG's `schedule=` value: plain data (None, a cron or preset, a duration), `{"$": "assets", ...}` for an
    asset condition, `{"$": "asset_or_time", ...}`, `{"$": "timetable", ...}` for a timetable object (see
    `describe_timetable`), else an object."""
    schedule = getattr(dag, "schedule", None)
    if schedule is None or isinstance(schedule, str | dt.timedelta):
        return plain(schedule, ctx)
    if type(schedule).__name__ == "AssetOrTimeSchedule":
        return {TAG: "asset_or_time", "timetable": describe_timetable(schedule.timetable, ctx),
                "assets": _assets(schedule.asset_condition, ctx), "text": _text(schedule)}
    if isinstance(schedule, list | tuple) or _is_asset(schedule):
        return _assets(schedule, ctx)
    return describe_timetable(schedule, ctx)


def _is_asset(value: Any) -> bool:
    return any(klass.__name__ == "BaseAsset" for klass in type(value).__mro__)


def _assets(value: Any, ctx: Context) -> dict:
    """An asset condition as {"$": "assets", "mode": "all"|"any", "assets": [item, ...]}: an item is an asset
    {"name", "uri", "derived": the name alone makes the URI, "group": when not the default, "extra", "others":
    other settings that differ from the defaults}, an alias {"alias", "plain"}, a nested condition, or an
    object the design cannot hold."""
    kind = type(value).__name__
    if isinstance(value, list | tuple):
        items, mode = list(value), "all"
    elif kind in ("AssetAll", "AssetAny"):
        items, mode = list(value.objects), "all" if kind == "AssetAll" else "any"
    else:
        items, mode = [value], "all"
    out: list[Any] = []
    for item in items:
        item_kind = type(item).__name__
        if item_kind == "Asset":
            same = type(item)(item.name)  # what the name alone makes
            out.append({"name": item.name, "uri": item.uri, "derived": same.uri == item.uri,
                        "group": item.group if item.group != same.group else None,
                        "extra": plain(dict(item.extra or {}), ctx),
                        "others": [k for k in ("watchers", "access_control")
                                   if not _same(getattr(item, k, None), getattr(same, k, None))]})
        elif item_kind == "AssetAlias":
            out.append({"alias": item.name, "plain": item.group == type(item)(item.name).group})
        elif item_kind in ("AssetAll", "AssetAny"):
            out.append(_assets(item, ctx))
        else:
            out.append({TAG: "object", "text": _text(item)})
    return {TAG: "assets", "mode": mode, "assets": out}


# id(object) -> (object, positional args, keyword args) of every timetable the DAG files built.
CONSTRUCTED: dict[int, tuple[Any, tuple, dict[str, Any]]] = {}


def record_timetable_calls() -> None:
    """Make timetables remember the arguments they were built with (Airflow keeps no record of them): each
    timetable base class gets a `__new__` that stores them in CONSTRUCTED."""
    bases = []
    for module, name in (("airflow.sdk.bases.timetable", "BaseTimetable"), ("airflow.timetables.base", "Timetable")):
        try:
            bases.append(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):
            continue
    for base in bases:
        if "__new__" in vars(base):
            continue  # a base with its own __new__: not recorded (the timetable is then an object)

        def new(cls: type, *args: Any, **kwargs: Any) -> Any:
            made = object.__new__(cls)
            CONSTRUCTED[id(made)] = (made, args, kwargs)
            return made

        base.__new__ = new


def describe_timetable(timetable: Any, ctx: Context) -> dict[str, Any]:
    """{"$": "timetable", "path": the class's import path or None, "reason": why not, "kwargs": the arguments
    it was built with, by name, "exact": whether building the class again from them gives the same timetable}."""
    cls = type(timetable)
    info = describe_class(cls, ctx)
    path = None
    if info["importable"] is not None:
        path = f"{info['importable']}.{info['name']}"
        sdk = sys.modules.get("airflow.sdk")
        if info["importable"].startswith("airflow.sdk.") and getattr(sdk, cls.__name__, None) is cls:
            path = f"airflow.sdk.{cls.__name__}"  # the public name
    out: dict[str, Any] = {TAG: "timetable", "path": path, "reason": info["reason"], "kwargs": None, "exact": False,
                           "text": _text(timetable)}
    record = CONSTRUCTED.get(id(timetable))
    if record is None or record[0] is not timetable:
        return out
    _, args, kwargs = record
    try:
        bound = inspect.signature(cls).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return out
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in inspect.signature(cls).parameters.values()
           if p.name in bound.arguments):
        return out
    named = dict(bound.arguments)
    for param in inspect.signature(cls).parameters.values():
        if param.kind is inspect.Parameter.VAR_KEYWORD and param.name in named:
            named.update(named.pop(param.name))
    out["kwargs"] = {k: plain(v, ctx) for k, v in named.items()}
    try:
        out["exact"] = _same_timetable(cls(**named), timetable)
    except Exception:  # the class refuses its own arguments by name: not exact
        out["exact"] = False
    return out


def _same_timetable(a: Any, b: Any) -> bool:
    """Whether two timetables are the same: as Airflow serializes them, else as they serialize themselves
    (a plugin's timetable that is not registered here), else by their attributes."""
    try:
        from airflow.serialization.encoders import encode_timetable

        return encode_timetable(a) == encode_timetable(b)
    except Exception:  # an older Airflow, or a timetable the encoder does not know
        pass
    try:
        return type(a) is type(b) and a.serialize() == b.serialize()
    except Exception:  # no serialize(), or one that fails
        return _same(a, b) or (type(a) is type(b) and _same(getattr(a, "__dict__", None), getattr(b, "__dict__", None)))


def describe_params(dag: Any, ctx: Context) -> dict[str, Any]:
    out = {}
    for name in dag.params or {}:
        param = dag.params.get_param(name)
        value = param.value if param.has_value else {TAG: "unset"}
        out[name] = {"default": plain(value, ctx), "schema": plain(dict(param.schema or {}), ctx),
                     "description": param.description}
    return out


_NOT_CARRIED = ("end_date", "template_searchpath", "user_defined_macros", "user_defined_filters",
                "render_template_as_native_obj", "owner_links", "access_control", "is_paused_upon_creation",
                "jinja_environment_kwargs", "fail_fast", "deadline", "sla_miss_callback", "allowed_run_types",
                "disable_bundle_versioning", "rerun_with_latest_version")


def describe_dag(dag: Any, ctx: Context) -> dict[str, Any]:
    """One DAG: settings, groups, tasks (with upstream ids and edge labels) and what it sets but designs lack."""
    from airflow.configuration import conf

    defaults = {"max_active_runs": conf.getint("core", "max_active_runs_per_dag"),
                "max_active_tasks": conf.getint("core", "max_active_tasks_per_dag")}
    settings = {
        "description": dag.description,
        "schedule": describe_schedule(dag, ctx),
        "start_date": plain(dag.start_date, ctx),
        "timezone": str(dag.timezone),
        "catchup": bool(dag.catchup),
        "default_args": plain(dict(dag.default_args or {}), ctx),
        "tags": sorted(dag.tags or []),
        "params": describe_params(dag, ctx),
        "dagrun_timeout": plain(dag.dagrun_timeout, ctx),
        "doc_md": dag.doc_md if isinstance(dag.doc_md, str) else None,
        "on_success_callback": plain(dag.on_success_callback, ctx),
        "on_failure_callback": plain(dag.on_failure_callback, ctx),
    }
    for key, default in defaults.items():
        value = getattr(dag, key)
        settings[key] = value if value != default else None
    others = {}
    for key in _NOT_CARRIED:
        value = getattr(dag, key, None)
        if value is not None and value is not False and not _empty(value):
            others[key] = _text(value)
    if getattr(dag, "dag_display_name", dag.dag_id) != dag.dag_id:
        others["dag_display_name"] = _text(dag.dag_display_name)
    edges = {}
    for up, downs in (dag.edge_info or {}).items():
        for down, info in downs.items():
            if isinstance(info, dict) and isinstance(info.get("label"), str):
                edges.setdefault(up, {})[down] = info["label"]
    return {
        "dag_id": dag.dag_id,
        "fileloc": str(dag.fileloc),
        "settings": settings,
        "not_carried": others,
        "groups": [describe_group(g, ctx) for g in dag.task_group_dict.values()],
        "tasks": [describe_task(t, dag, ctx) for t in dag.task_dict.values()],
        "labels": edges,
    }


CALLED_WITH = "_designer_called_with"


def record_operator_calls() -> None:
    """Make every operator remember the keyword names its creator passed. Airflow records the arguments of
    every __init__ in the class chain (`_BaseOperator__init_kwargs`), including those a subclass passes to
    its parent itself (ApprovalOperator passes `options`), which an export must not repeat."""
    try:
        from airflow.sdk.bases.operator import BaseOperatorMeta
    except ImportError:  # not Airflow 3: every recorded argument is kept
        return
    create = BaseOperatorMeta.__call__

    def call(cls: Any, *args: Any, **kwargs: Any) -> Any:
        made = create(cls, *args, **kwargs)
        try:
            object.__setattr__(made, CALLED_WITH, frozenset(kwargs))
        except (AttributeError, TypeError):  # an operator without a __dict__: all recorded arguments are kept
            pass
        return made

    BaseOperatorMeta.__call__ = call


def load(path: Path) -> Any:
    """DagBag of `path` as Airflow 3's DAG processor builds it (the folder on sys.path); safe mode (skip
    files without "airflow" and "dag") for folders, as Airflow does, but not for a file named explicitly."""
    from airflow.dag_processing.dagbag import BundleDagBag

    root = path if path.is_dir() else path.parent
    return BundleDagBag(str(path), safe_mode=path.is_dir(), bundle_path=root, bundle_name="designer-import")


def run(path: Path) -> dict[str, Any]:
    root = path if path.is_dir() else path.parent
    record_operator_calls()
    record_timetable_calls()
    try:
        bag = load(path)
    except SystemExit as exc:
        return {"fatal": f"the DAG code called sys.exit({exc.code!r}) while Airflow imported it"}
    files = [*(dag.fileloc for dag in bag.dags.values()), *bag.import_errors]
    ctx = Context((root,), frozenset(Path(f).resolve() for f in files))
    out: dict[str, Any] = {"import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}, "dags": [],
                           "unreadable": {}}
    for dag_id in sorted(bag.dags):
        try:
            out["dags"].append(describe_dag(bag.dags[dag_id], ctx))
        except Exception as exc:  # a DAG whose objects defeat the walk: report it, keep the others
            out["unreadable"][dag_id] = f"{type(exc).__name__}: {exc}"
    return out


def main(argv: list[str]) -> None:
    path, outfile, memory, cpu = Path(argv[0]).resolve(), Path(argv[1]), int(argv[2]), int(argv[3])
    set_limits(memory, cpu)
    result = run(path)
    data = json.dumps(result, allow_nan=False)
    tmp = outfile.with_suffix(".partial")
    tmp.write_text(data, encoding="utf-8")
    tmp.replace(outfile)  # the parent sees the whole result or none
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # skip atexit handlers and thread joins the DAG code may have left behind


if __name__ == "__main__":
    main(sys.argv[1:])
