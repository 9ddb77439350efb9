"""Import Airflow DAG Python files (or a whole DAG folder) into designs, parsed by real Airflow in a child process.

Python DAG files are code: only running them tells what DAGs they build. So this module never imports
the file. It starts designer/importers/airflow_worker.py in a fresh interpreter (own session, own
temporary AIRFLOW_HOME, a minimal environment, stdin closed, output into a bounded file), which sets
its memory, CPU and file-size limits, loads the file with Airflow's DagBag and writes plain JSON; the
parent stops it at a wall-clock limit (the whole process group), checks the JSON's shape and builds
one Design per DAG here. The calling thread waits; other sessions of the app keep running.

Whatever a design cannot hold becomes an ImportNote on (dag_id, "tasks", task_id, key) and the like,
never a silent drop: lambdas and callables that cannot be imported, non-literal arguments, task outputs
passed as arguments, expand_kwargs, mapped task groups, timetables built from objects, DAG settings the
design has no field for. Airflow's own import errors are kept as Airflow wrote them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from designer.analysis import Severity, analyze
from designer.analysis.findings import KeyPath
from designer.importers import ImportNote, validated
from designer.importers import shown as shown_data
from designer.importers.airflow_worker import OUTPUT_BYTES
from designer.importers.dag_factory_values import TASK_ARG_FIELDS, operator_key
from designer.model import (
    AssetAlias,
    AssetOrTimeSchedule,
    AssetSchedule,
    DagSettings,
    Design,
    DynamicMapping,
    Edge,
    Group,
    IntervalSchedule,
    NamedAsset,
    Param,
    Task,
    TaskArgs,
    TimetableSchedule,
    UpstreamOutput,
)
from designer.operators import OperatorSpec, operator_spec
from designer.storage import DesignError, Problem

WORKER = Path(__file__).with_name("airflow_worker.py")
TAG = "$"
MAX_RESULT_BYTES = 64 * 1024 * 1024
LOG_TAIL = 2000
# TaskFlow operator classes that a catalog operator calling the same function reproduces.
TASKFLOW_OPERATORS = {
    "airflow.providers.standard.decorators.python._PythonDecoratedOperator": "python",
    "airflow.providers.standard.decorators.branch_python._BranchPythonDecoratedOperator": "branch_python",
    "airflow.providers.standard.decorators.short_circuit._ShortCircuitDecoratedOperator": "short_circuit",
    "airflow.providers.standard.decorators.sensor.DecoratedSensorOperator": "python_sensor",
    "airflow.providers.standard.decorators.python_virtualenv._PythonVirtualenvDecoratedOperator": "python_virtualenv",
    "airflow.providers.standard.decorators.external_python._PythonExternalDecoratedOperator": "external_python",
    "airflow.providers.standard.decorators.branch_virtualenv._BranchPythonVirtualenvDecoratedOperator":
        "branch_python_virtualenv",
    "airflow.providers.standard.decorators.branch_external_python._BranchExternalPythonDecoratedOperator":
        "branch_external_python",
}
# TaskFlow operator classes whose function returns the command at run time (the design leaves it to be set).
TASKFLOW_COMMANDS = {"airflow.providers.standard.decorators.bash._BashDecoratedOperator": "bash"}
# Airflow's TaskGroup colours when none is given.
GROUP_COLOUR_DEFAULTS = {"ui_color": "CornflowerBlue", "ui_fgcolor": "#000"}
MAX_PRODUCT = 1024  # Airflow's default core.max_map_length


@dataclass(frozen=True)
class Limits:
    """What the child process may use. `file_seconds` is Airflow's own per-file import timeout
    (core.dagbag_import_timeout), so one endless file in a folder is an import error, not the end."""

    wall_seconds: float = 120.0
    file_seconds: int = 30
    memory_bytes: int = 2 * 1024**3


@dataclass(frozen=True)
class AirflowImport:
    """Designs (one per DAG, by dag_id), notes, Airflow's import errors by file and each DAG's file by dag_id
    (files relative to the folder)."""

    designs: list[Design]
    notes: list[ImportNote]
    import_errors: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


class DagFileError(DesignError):
    """A DAG file Airflow could not import; `details` is Airflow's error text as Airflow wrote it."""

    def __init__(self, source: str, details: str) -> None:
        self.details = details
        super().__init__(source, [Problem(f"Airflow could not import it: {_last_line(details)}")])


def import_airflow_python(path: str | Path, limits: Limits = Limits()) -> AirflowImport:
    """Every DAG in a .py file or a DAG folder, as designs with notes. DesignError when nothing can be
    imported: the path is missing, the child failed or overran a limit, or a single file does not load."""
    source = str(path)
    target = Path(path)
    if not target.exists():
        raise DesignError(source, [Problem("does not exist")])
    if target.is_file() and target.suffix != ".py":
        raise DesignError(source, [Problem("is not a Python file (.py)")])
    result = _parse_result(run_worker(target.resolve(), limits, source), source)
    root = target.resolve() if target.is_dir() else target.resolve().parent
    errors = {_relative(file, root): text for file, text in result.import_errors.items()}
    if target.is_file() and errors and not result.dags:
        raise DagFileError(source, next(iter(errors.values())))
    notes = [ImportNote(f"{file}: Airflow could not import it: {_last_line(text)}") for file, text in errors.items()]
    notes += [ImportNote(f"the importer could not read this DAG ({error}); left out", (dag_id,))
              for dag_id, error in result.unreadable.items()]
    designs = []
    for raw in result.dags:
        designs.append(_DagBuilder(raw, notes).design())
    if target.is_file() and not designs:
        raise DesignError(source, [Problem("defines no DAG (Airflow loaded it and found none)")])
    files = {raw.dag_id: _relative(raw.fileloc, root) for raw in result.dags if raw.fileloc}
    return AirflowImport(designs, notes, errors, files)


# --- the child process --------------------------------------------------------------------------


def worker_env(home: Path, dags_folder: Path, limits: Limits) -> dict[str, str]:
    """The child's whole environment: nothing of the app's (its secrets stay out of the user's code)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": str(limits.file_seconds),
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "1",
        "AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY": "False",
    }


def run_worker(path: Path, limits: Limits, source: str) -> dict[str, Any]:
    """Run the worker on `path` and return its JSON result; DesignError (one line) when it fails."""
    root = path if path.is_dir() else path.parent
    cpu = int(limits.wall_seconds) + 2
    with tempfile.TemporaryDirectory(prefix="designer-import-") as tmp:
        home, out, log = Path(tmp) / "airflow", Path(tmp) / "result.json", Path(tmp) / "output.log"
        home.mkdir()
        with open(log, "wb") as log_file:
            # -I: no PYTHON* variables, no user site, no script or working directory on sys.path
            # (a DAG folder's json.py must not shadow the worker's imports); -B: no .pyc in the user's folder.
            proc = subprocess.Popen(
                [sys.executable, "-I", "-B", str(WORKER), str(path), str(out), str(limits.memory_bytes), str(cpu)],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, cwd=str(root),
                env=worker_env(home, root, limits), start_new_session=True)
            try:
                code = proc.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                code = None
            finally:
                _kill_group(proc)
        if code is None:
            raise DesignError(source, [Problem(
                f"Airflow did not finish loading it within {limits.wall_seconds:g} s (an endless loop or a "
                "blocking call while the file is imported?); the import was stopped")])
        if not out.exists() and log.stat().st_size >= OUTPUT_BYTES:
            raise DesignError(source, [Problem(f"the DAG code wrote more than {OUTPUT_BYTES // 2**20} MiB of output "
                                               "while Airflow imported it; the import was stopped")])
        if not out.exists():
            raise DesignError(source, [Problem(_failure(code, limits) + _tail(log))])
        size = out.stat().st_size
        if size > MAX_RESULT_BYTES:
            raise DesignError(source, [Problem(f"the import result is {size / 1e6:.0f} MB, more than the "
                                               f"{MAX_RESULT_BYTES / 1e6:.0f} MB allowed")])
        try:
            return json.loads(out.read_text(encoding="utf-8"))
        except (ValueError, RecursionError) as exc:
            raise DesignError(source, [Problem(f"the import process wrote an unreadable result ({exc})")]) from None


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the child and everything it started (its own session), then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _failure(code: int, limits: Limits) -> str:
    if code < 0:
        sig = -code
        reasons = {
            signal.SIGXCPU: f"used more than {int(limits.wall_seconds) + 2} s of CPU time",
            signal.SIGXFSZ: "wrote more output than allowed",
            signal.SIGKILL: f"was killed (out of memory? the limit is {limits.memory_bytes / 2**20:.0f} MiB)",
            signal.SIGSEGV: "crashed (segmentation fault)",
        }
        return f"the import process {reasons.get(sig, f'ended on signal {signal.Signals(sig).name}')}"
    return (f"the import process ended with exit status {code} before Airflow finished loading it "
            "(does the file call os._exit or exit the interpreter?)")


def _tail(log: Path) -> str:
    """The last lines of the child's output, one line, printable only."""
    with open(log, "rb") as f:
        f.seek(max(0, log.stat().st_size - LOG_TAIL))
        text = f.read().decode("utf-8", errors="replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last = " | ".join(lines[-3:])
    last = "".join(ch if ch.isprintable() else "?" for ch in last)
    return f"; last output: {last[-300:]}" if last else ""


def _relative(file: str, root: Path) -> str:
    try:
        return str(Path(file).resolve().relative_to(root))
    except ValueError:
        return file


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout|Exit|Found|Invalid)\w*: ")


def _last_line(text: str) -> str:
    """The line of an Airflow import error that names the exception (its last such line), else the last line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    named = [line for line in lines if _EXCEPTION_LINE.match(line)]
    return (named or lines or [text])[-1]


# --- the child's result -------------------------------------------------------------------------


class _Raw(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RawClass(_Raw):
    module: str
    name: str
    importable: str | None = None
    reason: str | None = None


class RawTask(_Raw):
    task_id: str
    group: str | None = None
    cls: RawClass = Field(alias="class")
    required: list[str] = []
    decorated: bool = False
    trigger_rule: str = "all_success"
    is_setup: bool = False
    is_teardown: bool = False
    fails_dag_run: bool = False
    doc_md: str | None = None
    upstream: list[str] = []
    kwargs: dict[str, Any] = {}
    mapped: dict[str, Any] | None = None
    function: dict[str, Any] | None = None

    @property
    def cls_path(self) -> str:
        return f"{self.cls.module}.{self.cls.name}"


class RawGroup(_Raw):
    group_id: str
    local: str
    parent: str | None = None
    prefix_group_id: bool = True
    tooltip: str = ""
    ui_color: str | None = None
    ui_fgcolor: str | None = None
    default_args: dict[str, Any] = {}
    mapped: bool = False


class RawDag(_Raw):
    dag_id: str
    fileloc: str | None = None
    settings: dict[str, Any] = {}
    not_carried: dict[str, str] = {}
    groups: list[RawGroup] = []
    tasks: list[RawTask] = []
    labels: dict[str, dict[str, str]] = {}


class RawResult(_Raw):
    import_errors: dict[str, str] = {}
    dags: list[RawDag] = []
    unreadable: dict[str, str] = {}
    fatal: str | None = None


def _parse_result(data: Any, source: str) -> RawResult:
    try:
        result = RawResult.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(map(str, error["loc"]))
        raise DesignError(source, [Problem(f"the import process wrote a result of the wrong shape ({where}: "
                                           f"{error['msg']})")]) from None
    if result.fatal:
        raise DesignError(source, [Problem(result.fatal)])
    return result


# --- values -------------------------------------------------------------------------------------

DROP = object()
NULLABLE = ("default", "group", "parent")  # fields whose None is a value, not a gap


def _tag(value: Any) -> str | None:
    return value.get(TAG) if isinstance(value, dict) and isinstance(value.get(TAG), str) else None


def shown(value: Any, width: int = 60) -> str:
    """A worker value as text for a note: a description for tagged values, YAML flow text for data (the
    dag-factory importer's formatter: never a Python repr)."""
    return _described(value)[:width] if _tag(value) else shown_data(_plainly(value), width)


def _described(value: dict) -> str:
    kind = _tag(value)
    if kind == "timedelta":
        return f"a duration of {value.get('seconds')} s"
    if kind == "datetime":
        return f"the date {value.get('iso')}"
    if kind == "callable":
        return f"the function {value.get('text')}"
    if kind == "xcom":
        return f"the output of task {value.get('task')}"
    return str(value.get("text", kind))


def _plainly(value: Any) -> Any:
    """`value` with each tagged value replaced by its description (for JSON text in notes)."""
    if _tag(value):
        return f"<{_described(value)}>"
    if isinstance(value, list):
        return [_plainly(v) for v in value]
    if isinstance(value, dict):
        return {k: _plainly(v) for k, v in value.items()}
    return value


def literal(value: Any) -> Any:
    """`value` when it is plain data (no tagged value anywhere inside), else DROP."""
    if _tag(value) is not None:
        return DROP
    if isinstance(value, list):
        items = [literal(v) for v in value]
        return DROP if any(i is DROP for i in items) else items
    if isinstance(value, dict):
        items = {k: literal(v) for k, v in value.items()}
        return DROP if any(i is DROP for i in items.values()) else items
    return value


def _first_tagged(value: Any) -> Any:
    """The first tagged value inside `value` (to say in a note why it was not carried)."""
    if _tag(value) is not None:
        return value
    children = value if isinstance(value, list) else value.values() if isinstance(value, dict) else []
    for child in children:
        if (found := _first_tagged(child)) is not None:
            return found
    return None


def _seconds(value: Any) -> float | int | None:
    if _tag(value) == "timedelta" and isinstance(value.get("seconds"), int | float):
        seconds = value["seconds"]
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value
    else:
        return None
    return int(seconds) if seconds == int(seconds) else seconds


def _timedelta(value: Any) -> dt.timedelta | None:
    seconds = _seconds(value)
    return dt.timedelta(seconds=seconds) if seconds is not None else None


def _datetime(value: Any) -> dt.datetime | None:
    if _tag(value) != "datetime":
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value.get("iso")))
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


# --- one DAG ------------------------------------------------------------------------------------


class _DagBuilder:
    def __init__(self, raw: RawDag, notes: list[ImportNote]) -> None:
        self.raw, self.notes, self.dag_id = raw, notes, raw.dag_id
        self.group_local: dict[str, str] = {}  # Airflow group_id -> design group id
        self.task_local: dict[str, str] = {}  # Airflow task_id -> design task id
        self.task_own: dict[str, str] = {}  # Airflow task_id -> the task's id within its group
        self.used: set[str] = set()

    def note(self, rel: KeyPath, message: str, line: int | None = None) -> None:
        self.notes.append(ImportNote(message, (self.dag_id, *rel), line))

    def design(self) -> Design:
        dag = self._settings()
        groups = [self._group(g) for g in self.raw.groups]
        for task in self.raw.tasks:
            self._local_task_id(task)
        downstream: dict[str, list[str]] = {}
        for task in self.raw.tasks:
            for up in task.upstream:
                downstream.setdefault(up, []).append(task.task_id)
        tasks = [self._task(t, downstream.get(t.task_id, [])) for t in self.raw.tasks]
        edges = []
        for task in self.raw.tasks:
            for up in task.upstream:
                if up in self.task_local:
                    label = self.raw.labels.get(up, {}).get(task.task_id)
                    edges.append(Edge(upstream=self.task_local[up], downstream=self.task_local[task.task_id],
                                      label=label))
        return Design(dag=dag, tasks=tuple(tasks), groups=tuple(g for g in groups if g is not None),
                      edges=tuple(edges))

    def _unique(self, local: str) -> str:
        """A design id for an item Airflow calls `local` within its group: `local` itself, or `local_<n>` when
        another task or group already has it (design ids are unique in the DAG; Airflow only needs the
        composed ids unique, so the item keeps `local` as its own task_id or group_id)."""
        design_id, n = local, 1
        while design_id in self.used:
            n += 1
            design_id = f"{local}_{n}"
        self.used.add(design_id)
        return design_id

    # --- settings -------------------------------------------------------------------------------

    def _settings(self) -> DagSettings:
        s = self.raw.settings
        fields: dict[str, Any] = {"dag_id": self.dag_id}
        for key in ("description", "doc_md"):
            if isinstance(s.get(key), str):
                fields[key] = s[key]
        for key in ("catchup", "max_active_runs", "max_active_tasks"):
            if s.get(key) is not None:
                fields[key] = s[key]
        if isinstance(s.get("tags"), list):
            fields["tags"] = s["tags"]
        fields["schedule"] = self._schedule(s.get("schedule"))
        start = _datetime(s.get("start_date"))
        if start is not None:
            fields["start_date"] = start
        else:
            self.note(("start_date",), "the DAG has no start_date; the design's default start date is used")
        zone = s.get("timezone")
        if isinstance(zone, str) and zone not in ("UTC", "Etc/UTC", "+00:00"):
            self.note(("timezone",), f"timezone {zone}: the design has no DAG timezone, so the start date is "
                      "converted to UTC and cron schedules run in UTC")
        if s.get("dagrun_timeout") is not None:
            fields["dagrun_timeout"] = _timedelta(s["dagrun_timeout"])
        if isinstance(s.get("default_args"), dict):
            fields["default_args"] = self._task_args(s["default_args"], ("default_args",), dag_level=True)
        if isinstance(s.get("params"), dict):
            fields["params"] = {name: p for name, raw in s["params"].items()
                                if (p := self._param(name, raw)) is not None}
        for key in ("on_success_callback", "on_failure_callback"):
            if (path := self._callback(s.get(key), (key,))) is not None:
                fields[key] = path
        for key, text in self.raw.not_carried.items():
            self.note((key,), f"{key} is set ({text}); the design has no such setting, left out")
        return validated(DagSettings, fields, (), self.note, nullable=NULLABLE)

    def _schedule(self, value: Any) -> Any:
        kind = _tag(value)
        if value is None or isinstance(value, str):
            return value
        if kind == "timedelta":
            return IntervalSchedule(interval=_timedelta(value))
        if kind == "assets":
            return self._assets(value, ("schedule",))
        if kind == "timetable":
            return self._timetable(value, ("schedule",), cron=True)
        if kind == "asset_or_time" and _tag(value.get("assets")) == "assets":
            timetable = self._timetable(value.get("timetable"), ("schedule", "timetable"), cron=True)
            assets = self._assets(value["assets"], ("schedule", "assets"))
            if timetable is not None and assets is not None:
                return AssetOrTimeSchedule(timetable=timetable, assets=assets)
        self.note(("schedule",), f"schedule {shown(value, 160)} is not one a design can hold (cron or presets, "
                  "fixed intervals, asset conditions, timetables built from plain arguments); the DAG is imported "
                  "without a schedule")
        return None

    def _assets(self, value: dict, rel: KeyPath) -> AssetSchedule | None:
        """An asset condition; None (with a note) when an item is not an asset, an alias or a condition."""
        items: list[Any] = []
        for item in value.get("assets") or []:
            if _tag(item) == "assets":
                if (inner := self._assets(item, rel)) is None:
                    return None
                items.append(inner)
            elif isinstance(item, dict) and isinstance(item.get("alias"), str) and _tag(item) is None:
                items.append(AssetAlias(alias=item["alias"]))
                if not item.get("plain"):
                    self.note(rel, f"asset alias {item['alias']}: its group is not part of the design; left out")
            elif isinstance(item, dict) and isinstance(item.get("uri"), str) and _tag(item) is None:
                items.append(self._asset(item, rel))
            else:
                self.note(rel, f"the schedule waits for {shown(item, 100)}, which a design cannot hold (assets, "
                          "aliases and their conditions only); the DAG is imported without a schedule")
                return None
        if not items:
            return None
        return AssetSchedule(assets=items, mode="any" if value.get("mode") == "any" else "all")

    def _asset(self, item: dict, rel: KeyPath) -> str | NamedAsset:
        """An asset as its URI text when that is all it has, else a NamedAsset."""
        name, derived = item.get("name"), bool(item.get("derived"))
        extra = literal(item.get("extra") or {})
        if extra is DROP:
            self.note(rel, f"asset {name}: its extra holds {shown(_first_tagged(item['extra']))}, which is not plain "
                      "data; left out")
            extra = {}
        if item.get("others"):
            self.note(rel, f"asset {name}: its {' and '.join(map(str, item['others']))} are not part of the design; "
                      "left out")
        if derived and item.get("group") is None and not extra:
            return name
        fields = {"uri": name if derived else item["uri"], "name": None if derived else name,
                  "group": item.get("group"), "extra": extra}
        return validated(NamedAsset, fields, rel, self.note, keep=("uri",), nullable=("name", "group"))

    def _timetable(self, value: Any, rel: KeyPath, cron: bool = False) -> TimetableSchedule | str | None:
        """A timetable built from plain arguments as a TimetableSchedule (a CronTriggerTimetable in UTC with
        nothing else set as its cron text when `cron`); None with a note otherwise."""
        if _tag(value) != "timetable":
            self.note(rel, f"schedule {shown(value, 160)} is not one a design can hold; the DAG is imported "
                      "without a schedule")
            return None
        text, kwargs = value.get("text"), value.get("kwargs")
        if not value.get("path"):
            why = _NOT_IMPORTABLE_CLASS.get(value.get("reason") or "", _NOT_IMPORTABLE_CLASS["nested"])
            self.note(rel, f"the schedule's timetable class ({text}) {why}, so the exported DAG cannot import it; "
                      "the DAG is imported without a schedule")
            return None
        if not isinstance(kwargs, dict):
            self.note(rel, f"the schedule's timetable ({text}): the arguments it was built with are not known (given "
                      "as *args, or it was built before the import began); the DAG is imported without a schedule")
            return None
        objects = {k: v for k, v in kwargs.items() if literal(v) is DROP}
        if objects:
            listed = ", ".join(f"{k} ({shown(_first_tagged(v))})" for k, v in objects.items())
            self.note(rel, f"the schedule's timetable ({text}) has arguments that are objects: {listed}; designs "
                      "hold timetables built from plain values only, so the DAG is imported without a schedule")
            return None
        if not value.get("exact"):
            self.note(rel, f"the schedule's timetable ({text}): building {value['path']} again from the arguments it "
                      "was given does not give the same timetable (changed after it was built?); the DAG is imported "
                      "without a schedule")
            return None
        if cron and value["path"] == "airflow.sdk.CronTriggerTimetable" and set(kwargs) <= {"expression", "cron",
                                                                                             "timezone"} \
                and kwargs.get("timezone") in ("UTC", "Etc/UTC") and isinstance(kwargs.get("expression"), str):
            return kwargs["expression"]  # what `schedule="<cron>"` builds
        return validated(TimetableSchedule, {"timetable": value["path"], "kwargs": kwargs}, rel, self.note,
                         keep=("timetable", "kwargs"))

    def _param(self, name: str, raw: Any) -> Param | None:
        if not isinstance(raw, dict):
            return None
        rel = ("params", name)
        default = raw.get("default")
        if _tag(default) == "unset":
            self.note(rel, f"param {name} has no default; the design's param defaults to null")
            default = None
        elif (value := literal(default)) is DROP:
            self.note(rel, f"param {name}: default {shown(default)} is not a plain value; left out")
            default = None
        else:
            default = value
        fields: dict[str, Any] = {"default": default, "description": raw.get("description")}
        schema = raw.get("schema") if isinstance(raw.get("schema"), dict) else {}
        if "type" in schema:
            fields["type"] = schema["type"]
        extra = sorted(set(schema) - {"type"})
        if extra:
            self.note(rel, f"param {name}: schema keys {', '.join(extra)} are not part of the design; left out")
        return validated(Param, fields, rel, self.note, keep=("default",), nullable=NULLABLE)

    def _callback(self, value: Any, rel: KeyPath) -> str | None:
        if value is None or value == []:
            return None
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if _tag(value) == "callable" and value.get("path"):
            return value["path"]
        if _tag(value) == "callable":
            self.note(rel, f"{rel[-1]} {value.get('text')} {_not_importable(value)}; left out")
        else:
            self.note(rel, f"{rel[-1]} {shown(value, 100)} is not one function (an object or several callbacks); "
                      "designs hold one callback by dotted path; left out")
        return None

    def _task_args(self, values: dict[str, Any], rel: KeyPath, dag_level: bool = False) -> TaskArgs:
        fields = {}
        for key, value in values.items():
            if key in TASK_ARG_FIELDS:
                if key in ("retry_delay", "execution_timeout"):
                    value = _timedelta(value)
                fields[key] = value
            elif not (dag_level and key == "start_date"):
                self.note((*rel, key), f"{key} ({shown(value)}) is not one of the default arguments a design "
                          "carries; left out")
        return validated(TaskArgs, fields, rel, self.note, nullable=NULLABLE)

    # --- groups ---------------------------------------------------------------------------------

    def _group(self, raw: RawGroup) -> Group | None:
        rel = ("groups", raw.group_id)
        self.group_local[raw.group_id] = design_id = self._unique(raw.local)
        fields: dict[str, Any] = {"id": design_id, "group_id": raw.local, "tooltip": raw.tooltip,
                                  "prefix_group_id": raw.prefix_group_id}
        if raw.parent is not None:
            fields["parent"] = self.group_local.get(raw.parent)
        for key, default in GROUP_COLOUR_DEFAULTS.items():
            if getattr(raw, key) not in (None, default):
                fields[key] = getattr(raw, key)
        parent_args = next((g.default_args for g in self.raw.groups if g.group_id == raw.parent), {})
        own = {k: v for k, v in raw.default_args.items() if k not in parent_args or parent_args[k] != v}
        if own:
            fields["default_args"] = self._task_args(own, (*rel, "default_args"))
        if raw.mapped:
            self.note(rel, f"group {raw.group_id} is a mapped task group (@task_group ... .expand); designs have "
                      "no mapped groups, so it is imported as a plain group that runs once")
        return validated(Group, fields, rel, self.note, nullable=NULLABLE)

    # --- tasks ----------------------------------------------------------------------------------

    def _local_task_id(self, raw: RawTask) -> None:
        group = next((g for g in self.raw.groups if g.group_id == raw.group), None)
        local = raw.task_id
        if group is not None and group.prefix_group_id and local.startswith(f"{group.group_id}."):
            local = local[len(group.group_id) + 1:]
        self.task_local[raw.task_id] = self._unique(local)
        self.task_own[raw.task_id] = local

    def _task(self, raw: RawTask, downstream: list[str]) -> Task:
        rel = ("tasks", raw.task_id)
        operator = self._operator(raw, rel)
        spec = operator_spec(operator)
        fields: dict[str, Any] = {"id": self.task_local[raw.task_id], "task_id": self.task_own[raw.task_id],
                                  "operator": operator,
                                  "trigger_rule": raw.trigger_rule, "doc_md": raw.doc_md}
        if raw.group is not None:
            fields["group"] = self.group_local.get(raw.group)
        fields.update(is_setup=raw.is_setup, is_teardown=raw.is_teardown)
        kwargs = dict(raw.kwargs)
        for key in ("trigger_rule", "doc_md", "task_display_name", "is_setup", "is_teardown"):
            kwargs.pop(key, None)
        if kwargs.pop("on_failure_fail_dagrun", None) or raw.fails_dag_run:
            self.note((*rel, "on_failure_fail_dagrun"), f"teardown task {raw.task_id} fails the DAG run when it "
                      "fails (on_failure_fail_dagrun), which a design does not hold; left out")
        overrides = {k: kwargs.pop(k) for k in list(kwargs) if k in TASK_ARG_FIELDS}
        fields["overrides"] = self._task_args(overrides, rel)
        if raw.cls_path in TASKFLOW_COMMANDS:
            kwargs = self._taskflow_command(raw, kwargs, rel)
        elif raw.decorated:
            kwargs = self._taskflow(raw, kwargs, rel)
        fields["args"] = self._args(spec, kwargs, rel)
        if raw.mapped is not None:
            mapping = self._mapping(raw, spec, fields["args"], rel)
            if mapping is not None:
                fields["mapping"] = mapping
        if spec is not None and spec.is_custom:
            carried = {*fields["args"], *(fields["mapping"].expand if "mapping" in fields else ())}
            if missing := [name for name in raw.required if name not in carried]:
                self.note((*rel, "operator"), f"operator class {operator} of task {raw.task_id} needs "
                          f"{', '.join(missing)}, which the design cannot hold (see the notes on them); imported as "
                          "an EmptyOperator placeholder, its arguments left out, so that the export loads")
                fields.update(operator="empty", args={})
                fields.pop("mapping", None)
                spec = operator_spec("empty")
        if spec is not None and spec.branches:
            fields["branches"] = sorted(self.task_local[d] for d in downstream if d in self.task_local)
            self.note((*rel, "branches"), f"branch task {raw.task_id}: the tasks it may choose are decided by its "
                      "code at run time; the design lists every direct downstream task, check them")
        return validated(Task, fields, rel, self.note, keep=("id", "operator"), nullable=NULLABLE)

    def _operator(self, raw: RawTask, rel: KeyPath) -> str:
        path = raw.cls_path
        if path in TASKFLOW_OPERATORS:
            return TASKFLOW_OPERATORS[path]
        if path in TASKFLOW_COMMANDS:
            return TASKFLOW_COMMANDS[path]
        key = operator_key(path)
        if operator_spec(key) is not None and not operator_spec(key).is_custom and key != path:
            return key
        if raw.cls.importable is None:
            why = _NOT_IMPORTABLE_CLASS.get(raw.cls.reason or "", _NOT_IMPORTABLE_CLASS["nested"])
            self.note((*rel, "operator"), f"operator class {raw.cls.module}.{raw.cls.name} of task {raw.task_id} "
                      f"{why}, so the exported DAG cannot import it; imported as an EmptyOperator placeholder "
                      "(its arguments are left out)")
            return "empty"
        return f"{raw.cls.importable}.{raw.cls.name}"

    def _taskflow_command(self, raw: RawTask, kwargs: dict[str, Any], rel: KeyPath) -> dict[str, Any]:
        """A @task.bash task: its command is what its function returns when the task runs."""
        self.note((*rel, "bash_command"), f"task {raw.task_id} is a @task.bash task: its command is what its function "
                  f"{(raw.function or {}).get('text')} returns at run time, which a design cannot hold; bash_command "
                  "is left empty for you to set")
        for key in ("bash_command", "python_callable", "op_args", "op_kwargs"):
            kwargs.pop(key, None)
        return kwargs

    def _taskflow(self, raw: RawTask, kwargs: dict[str, Any], rel: KeyPath) -> dict[str, Any]:
        """A TaskFlow task's function and call arguments as python_callable, op_args and op_kwargs."""
        fn = raw.function or {}
        line = fn.get("line") if isinstance(fn.get("line"), int) else None
        kwargs.pop("python_callable", None)
        if fn.get("path"):
            kwargs["python_callable"] = fn["path"]
        else:
            self.note((*rel, "python_callable"), f"TaskFlow function {fn.get('text')} {_not_importable(fn)}; "
                      "python_callable is left empty for you to set", line)
        op_args = kwargs.pop("op_args", [])
        if op_args:
            if (value := literal(op_args)) is DROP:
                self.note((*rel, "op_args"), f"the call passes {shown(_first_tagged(op_args))} as a positional "
                          "argument; designs carry only plain values in arguments, so the positional arguments are "
                          "left out (the dependency is kept as an edge)")
            else:
                kwargs["op_args"] = value
        op_kwargs = kwargs.pop("op_kwargs", {})
        kept = {}
        for name, value in (op_kwargs or {}).items():
            if (plain := literal(value)) is DROP:
                self.note((*rel, "op_kwargs", name), f"the call passes {shown(_first_tagged(value))} as {name}; "
                          "designs carry only plain values in arguments; left out (the dependency is kept as an edge)")
            else:
                kept[name] = plain
        if kept:
            kwargs["op_kwargs"] = kept
        return kwargs

    def _args(self, spec: OperatorSpec | None, kwargs: dict[str, Any], rel: KeyPath) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for key, value in kwargs.items():
            where = (*rel, key)
            arg = None if spec is None or spec.is_custom else spec.args.get(key)
            if spec is not None and not spec.is_custom and arg is None:
                self.note(where, f"{key} ({shown(value)}) is not an argument the design's {spec.label} operator "
                          "carries; left out")
                continue
            if arg is not None and arg.type == "duration" and (seconds := _seconds(value)) is not None:
                args[key] = seconds
            elif arg is not None and arg.type == "dotted_path" and _tag(value) == "callable":
                if value.get("path"):
                    args[key] = value["path"]
                else:
                    self.note(where, f"{key} {value.get('text')} {_not_importable(value)}; left out")
            elif (plain := literal(value)) is DROP:
                inner = _first_tagged(value)
                what = "is" if inner is value else "holds"
                self.note(where, f"{key} {what} {shown(inner)}, which is not a plain value; left out")
            else:
                args[key] = plain
        return args

    def _mapping(self, raw: RawTask, spec: OperatorSpec | None, args: dict[str, Any],
                 rel: KeyPath) -> DynamicMapping | None:
        mapped = raw.mapped or {}
        value = mapped.get("value")
        if mapped.get("kind") != "expand" or not isinstance(value, dict) or not value:
            self.note((*rel, "expand"), f"task {raw.task_id} is mapped with expand_kwargs (or over a value the "
                      "design cannot hold); designs map with expand only, so it is imported unmapped")
            return None
        expand: dict[str, Any] = {}
        for name, source in value.items():
            where = (*rel, "expand", name)
            if spec is not None and not spec.is_custom and not raw.decorated and name not in spec.args:
                self.note(where, f"expand {name}: {name} is not an argument the design's {spec.label} operator "
                          "carries; left out")
            elif _tag(source) == "xcom" and source.get("task") in self.task_local:
                expand[name] = UpstreamOutput(task=self.task_local[source["task"]])
                if source.get("via") or source.get("key") != "return_value":
                    self.note(where, f"expand {name} maps over the output of {source['task']} through "
                              f"{'.map()' if source.get('via') else 'XCom key ' + str(source.get('key'))}; the "
                              "design maps over the task's return value as it is")
            elif isinstance(source, list) and (items := literal(source)) is not DROP:
                expand[name] = items
            else:
                self.note(where, f"expand {name} over {shown(source)} cannot be carried; left out")
        if not expand:
            self.note((*rel, "expand"), f"task {raw.task_id} maps over nothing the design can hold; imported unmapped")
            return None
        if raw.decorated:
            return self._taskflow_mapping(raw, expand, args, rel)
        return DynamicMapping(expand=expand)

    def _taskflow_mapping(self, raw: RawTask, expand: dict[str, Any], args: dict[str, Any],
                          rel: KeyPath) -> DynamicMapping:
        """TaskFlow maps keyword arguments of the function; a python task maps op_kwargs (a list of dicts)."""
        if all(isinstance(v, list) for v in expand.values()) and "op_kwargs" not in args:
            names = list(expand)
            combos = list(itertools.islice(itertools.product(*expand.values()), MAX_PRODUCT + 1))
            if len(combos) <= MAX_PRODUCT:
                return DynamicMapping(expand={"op_kwargs": [dict(zip(names, c, strict=True)) for c in combos]})
        source = next((v for v in expand.values() if isinstance(v, UpstreamOutput)), None)
        if source is None:
            source = next(iter(expand.values()))
        self.note((*rel, "expand"), f"TaskFlow task {raw.task_id} maps its function's arguments "
                  f"{', '.join(expand)}; a python task maps op_kwargs, so the design maps op_kwargs over "
                  f"{'the output of ' + source.task if isinstance(source, UpstreamOutput) else 'the first list'}, "
                  "which must then hold one mapping of arguments per run; check the function")
        return DynamicMapping(expand={"op_kwargs": source})


_NOT_IMPORTABLE = {
    "dag_file": "is defined in a DAG file, and importing a DAG file from another one registers its DAGs again "
                "(Airflow's auto-register); move it into a module outside the DAG files",
    "wrapped": "can only be imported with its @task decorator, which a task cannot call; give the design an "
               "undecorated function",
    "unimportable": "lives in a file that is neither in the DAG folder nor in an installed package",
}


_NOT_IMPORTABLE_CLASS = {**_NOT_IMPORTABLE,
                         "nested": "is defined inside a function or another class, so no dotted import path reaches it"}


def _not_importable(info: dict[str, Any]) -> str:
    """Why a function the worker described cannot be named by a dotted import path."""
    return _NOT_IMPORTABLE.get(info.get("reason"), "is a lambda or is nested in a function, so no dotted import "
                                                   "path reaches it")


@dataclass(frozen=True)
class DagSummary:
    """One row of a DAG folder listing (`file` relative to the folder, "" when Airflow did not say)."""

    dag_id: str
    tasks: int
    depth: int
    width: int
    grade: str
    errors: int
    warnings: int
    notes: int
    file: str = ""


def summarize_dag(result: AirflowImport, design: Design) -> DagSummary:
    """Tasks, depth, width, complexity grade, finding and note counts and file of one imported DAG."""
    dag_id = design.dag.dag_id
    report = analyze(design, simulate_run=False)
    severities = [f.severity for f in report.findings]
    notes = sum(1 for n in result.notes if n.path[:1] == (dag_id,))
    return DagSummary(dag_id, report.metrics.tasks, report.metrics.depth, report.metrics.width,
                      report.complexity.grade, severities.count(Severity.ERROR), severities.count(Severity.WARNING),
                      notes, result.files.get(dag_id, ""))


def summarize(result: AirflowImport) -> list[DagSummary]:
    """`summarize_dag` of every imported DAG, in import order."""
    return [summarize_dag(result, design) for design in result.designs]
