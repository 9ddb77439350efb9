"""Import dag-factory YAML (1.x mapping or list forms) into designs, never through dag-factory's own loader.

dag-factory's loader expands environment variables, builds `__type__` objects and follows python tags
while reading; here the file is read with the designer's safe loader and every construct the design
cannot hold becomes an ImportNote. A `default:` block is merged into each DAG the way dag-factory does.
Group dependencies become group edges, which the designer resolves with every edge inside the group
known; dag-factory resolves them in file order, so a hand-written file may connect fewer or other tasks
(the designer's own export lists such edges task by task, so its files round-trip exactly).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from designer.analysis import Severity, analyze
from designer.analysis.findings import KeyPath
from designer.analysis.graph import build_task_graph
from designer.ids import Namespace
from designer.importers import ImportNote, shown, shown_key, validated
from designer.importers.dag_factory_values import (
    DROP,
    TASK_ARG_FIELDS,
    datetime_of,
    env_references,
    operator_key,
    param_of,
    plain,
    read_yaml,
    relative_delta,
    schedule_of,
    task_args_of,
    timedelta_of,
)
from designer.model import DagSettings, Design, DynamicMapping, Edge, Group, Task, UpstreamOutput
from designer.operators import operator_spec
from designer.storage import DesignError, LineIndex, Problem

_CALLBACKS = ("on_execute_callback", "on_success_callback", "on_failure_callback", "on_retry_callback",
              "on_skipped_callback", "sla_miss_callback")
DAG_KEYS_NOT_CARRIED = frozenset({
    "dag_display_name", "end_date", "template_searchpath", "render_template_as_native_obj", "user_defined_macros",
    "access_control", "is_paused_upon_creation", "timetable", "schedule_interval", "default_view", "orientation",
    "doc_md_file_path", "doc_md_python_callable_file", "doc_md_python_callable_name", "doc_md_python_arguments",
    "sla_miss_callback", *(f"{c}_{s}" for c in _CALLBACKS for s in ("name", "file")),
})
TASK_KEYS_NOT_CARRIED = frozenset({
    "decorator", "expand_kwargs", "variables_as_arguments", "python_callable_name", "python_callable_file",
    "execution_date_fn", "execution_date_fn_name", "execution_date_fn_file", "inlets", "outlets", "start_date",
    "end_date", "success_check_file", "success_check_name", "success_check_lambda", "failure_check_file",
    "failure_check_name", "failure_check_lambda", "response_check_name", "response_check_file",
    "response_check_lambda", *_CALLBACKS, *(f"{c}_{s}" for c in _CALLBACKS for s in ("name", "file")),
})
_DAG_KEYS_READ = frozenset({
    "description", "doc_md", "catchup", "max_active_runs", "max_active_tasks", "tags", "on_success_callback",
    "on_failure_callback", "concurrency", "schedule", "dagrun_timeout", "start_date", "timezone", "params",
    "default_args", "tasks", "task_groups",
})
_GROUP_KEYS_READ = frozenset({"parent_group_name", "tooltip", "ui_color", "ui_fgcolor", "prefix_group_id",
                              "default_args", "dependencies"})
_TASK_KEYS_READ = frozenset({"operator", "decorator", "task_group_name", "trigger_rule", "doc_md", "dependencies",
                             "expand", "partial"})
# design field -> the dag-factory key it is read from, where the names differ
_FILE_KEYS = {"group": "task_group_name", "mapping": "expand", "parent": "parent_group_name"}
_DOLLAR_TEMPLATE = re.compile(r"""\{\{\s*(['"])\$\1\s*\}\}""")
_XCOM_ARG = re.compile(r"XcomArg\(+(.*?)\)")


def import_dag_factory(data: str | bytes, source: str = "<dag-factory>") -> tuple[list[Design], list[ImportNote]]:
    """Every DAG in a dag-factory file, plus notes; DesignError when the file cannot be read at all."""
    document, index, text = read_yaml(data, source)
    if not isinstance(document, dict):
        raise DesignError(source, [Problem("must be a mapping of dag ids to DAG configurations", (), 1)])
    notes: list[ImportNote] = []

    def note(path: KeyPath, message: str) -> None:
        path = tuple(map(shown_key, path))
        notes.append(ImportNote(message, path, index.line_of(path)))

    by_line = {line: path for path, line in sorted(index.lines.items(), key=lambda item: len(item[0]))}
    for line, ref in env_references(text):
        notes.append(ImportNote(f"dag-factory replaces {ref} with the environment variable's value when it loads "
                                "the file (if set); the design keeps the text as written", by_line.get(line, ()), line))
    defaults = document.get("default", {})
    if not isinstance(defaults, dict):
        note(("default",), "the default block must be a mapping; ignored")
        defaults = {}
    designs = []
    for key, config in document.items():
        if key == "default":
            continue
        if key == "task_groups":
            note((key,), "a top-level task_groups key is ignored by dag-factory")
        elif not isinstance(config, dict):
            note((key,), f"DAG {shown(key)} must be a mapping; skipped")
        else:
            designs.append(_DagReader(str(key), _merged(config, defaults), index, notes).design())
    return designs, notes


def _merged(config: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """dag-factory's merge_configs: the DAG's values win, nested mappings merge recursively."""
    out = dict(config)
    for key, value in defaults.items():
        if key not in out:
            out[key] = value
        elif isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = _merged(out[key], value)
    return out


class _DagReader:
    def __init__(self, dag_id: str, config: dict[str, Any], index: LineIndex, notes: list[ImportNote]) -> None:
        self.dag_id, self.config, self.index, self.notes = dag_id, config, index, notes
        self.edges: list[tuple[Edge, KeyPath]] = []
        self.expands: dict[str, tuple[Any, KeyPath]] = {}
        # where each part of the design was written, to point the export gate's notes at the file
        self.origins: dict[tuple[str, Any], KeyPath] = {}  # ("tasks"|"groups", id) or ("edges", (up, down))
        self.arg_origins: dict[str, dict[str, KeyPath]] = {}  # task id -> argument -> key path

    def note(self, rel: KeyPath, message: str) -> None:
        path = self._absolute(tuple(map(shown_key, rel)))
        self.notes.append(ImportNote(message, path, self.index.line_of(path)))

    def _absolute(self, rel: KeyPath) -> KeyPath:
        # A merged value may come from the `default:` block; point at the line it was written on.
        for n in range(len(rel), 0, -1):
            for root in (self.dag_id, "default"):
                if (root, *rel[:n]) in self.index.lines:
                    return (root, *rel)
        return (self.dag_id, *rel)

    def design(self) -> Design:
        groups = self._groups()
        group_ids = {g.id for g in groups}
        tasks = self._tasks(group_ids)
        dag = self._dag_settings()
        known = {t.id for t in tasks} | group_ids
        edges: dict[tuple[str, str], Edge] = {}
        for edge, rel in self.edges:
            if edge.upstream not in known:
                self.note(rel, f"dependency {shown(edge.upstream)} is neither a task nor a group of this DAG "
                          "(dag-factory fails with KeyError); left out")
            elif (edge.upstream, edge.downstream) not in edges:
                edges[edge.upstream, edge.downstream] = edge
                self.origins["edges", (edge.upstream, edge.downstream)] = rel
        design = Design(dag=dag, tasks=tuple(tasks), groups=tuple(groups), edges=tuple(edges.values()))
        design = _with_branch_choices(self._with_mappings(design))
        self._note_gate_errors(design)
        return design

    # --- the export gate --------------------------------------------------------------------------

    def _note_gate_errors(self, design: Design) -> None:
        """A note for every error that would stop export (the gate of exporters.checks.require_exportable),
        so that an import without notes always exports."""
        for finding in analyze(design, simulate_run=False).findings:
            if finding.severity == Severity.ERROR:
                self.note(self._origin(design, finding.location),
                          f"cannot be exported yet: {finding.message} ({finding.code})")

    def _origin(self, design: Design, location: KeyPath) -> KeyPath:
        """The key path in the file (relative to the DAG) of a design location such as `tasks[3].args.x`."""
        head, rest = (location[0], location[1:]) if location else ("dag", ())
        if head == "dag":
            return tuple(_FILE_KEYS.get(str(part), part) for part in rest[:2])
        if head in ("tasks", "groups", "edges") and rest and isinstance(rest[0], int):
            items = getattr(design, head)
            if rest[0] >= len(items):
                return ()
            item = items[rest[0]]
            key = (item.upstream, item.downstream) if head == "edges" else item.id
            base = self.origins.get((head, key), ())
            field = rest[1] if len(rest) > 1 else None
            if head == "tasks" and field == "args" and len(rest) > 2:
                return self.arg_origins.get(item.id, {}).get(str(rest[2]), base)
            if head != "edges" and isinstance(field, str) and field not in ("id", "args", "overrides", "branches"):
                return (*base, _FILE_KEYS.get(field, field))
            return base
        return ()

    # --- DAG settings ---------------------------------------------------------------------------

    def _dag_settings(self) -> DagSettings:
        c = self.config
        fields: dict[str, Any] = {"dag_id": self.dag_id}
        for key in ("description", "doc_md", "catchup", "max_active_runs", "max_active_tasks", "tags",
                    "on_success_callback", "on_failure_callback"):
            if c.get(key) is not None:
                fields[key] = c[key]
        if "concurrency" in c:
            self.note(("concurrency",), "concurrency is deprecated; imported as max_active_tasks")
            fields.setdefault("max_active_tasks", c["concurrency"])
        if "schedule" in c and (schedule := schedule_of(c["schedule"], ("schedule",), self.note)) is not DROP:
            fields["schedule"] = schedule
        if c.get("dagrun_timeout") is not None:
            fields["dagrun_timeout"] = timedelta_of(c["dagrun_timeout"], ("dagrun_timeout",), self.note)
        fields.update(self._start_date())
        for key in ("params", "default_args"):
            if c.get(key) is not None and not isinstance(c[key], dict):
                self.note((key,), f"{key} must be a mapping; left out")
        if isinstance(c.get("params"), dict):
            params = {str(k): param_of(str(k), v, ("params", k), self.note) for k, v in c["params"].items()}
            fields["params"] = {k: v for k, v in params.items() if v is not None}
        default_args = c.get("default_args")
        if isinstance(default_args, dict):
            fields["default_args"] = task_args_of(default_args, ("default_args",), self.note)
            for key in sorted(set(map(str, default_args)) - set(TASK_ARG_FIELDS) - {"start_date", "timezone"}):
                self.note(("default_args", key), f"default_args.{shown(key, quote=False)} is not part of the design; "
                          "left out")
        for key in c:
            if key in DAG_KEYS_NOT_CARRIED:
                self.note((key,), f"{key} is not supported by the designer; left out")
            elif key not in _DAG_KEYS_READ:
                self.note((key,), f"unknown DAG key {shown(key)} (dag-factory ignores it); left out")
        return validated(DagSettings, fields, (), self.note)

    def _start_date(self) -> dict[str, Any]:
        c = self.config
        default_args = c.get("default_args") if isinstance(c.get("default_args"), dict) else {}
        if c.get("start_date") is not None:
            value = datetime_of(c["start_date"], c.get("timezone"), ("start_date",), self.note)
        elif default_args.get("start_date") is not None:
            self.note(("default_args", "start_date"), "start_date is taken from default_args to the DAG level")
            value = datetime_of(default_args["start_date"], default_args.get("timezone"),
                                ("default_args", "start_date"), self.note)
        else:
            return {}
        return {"start_date": value} if value is not None else {}

    # --- groups -----------------------------------------------------------------------------------

    def _entries(self, key: str, name_key: str) -> list[tuple[str, dict[str, Any], KeyPath]]:
        raw = self.config.get(key)
        if raw is None:
            return []
        items: list[tuple[Any, Any, KeyPath]]
        if isinstance(raw, dict):
            items = [(name, conf, (key, name)) for name, conf in raw.items()]
        elif isinstance(raw, list):
            items = [(e.get(name_key) if isinstance(e, dict) else None, e, (key, i)) for i, e in enumerate(raw)]
        else:
            self.note((key,), f"{key} must be a mapping or a list; left out")
            return []
        out, seen = [], set()
        for name, conf, rel in items:
            if name is None or not isinstance(conf, dict | None):
                self.note(rel, f"each entry of {key} needs a {name_key} and a mapping; left out")
            elif str(name) in seen:
                self.note(rel, f"duplicate {name_key} {shown(name)} (dag-factory refuses the whole file); left out")
            else:
                seen.add(str(name))
                conf = {k: v for k, v in (conf or {}).items() if k != name_key}
                out.append((str(name), conf, rel))
        return out

    def _groups(self) -> list[Group]:
        entries = self._entries("task_groups", "group_name")
        names = {name for name, _, _ in entries}
        groups = []
        for name, conf, rel in entries:
            fields: dict[str, Any] = {"id": name}
            parent = conf.get("parent_group_name")
            if parent is not None and str(parent) not in names:
                self.note((*rel, "parent_group_name"), f"parent group {shown(parent)} does not exist; left out")
            elif parent is not None:
                fields["parent"] = str(parent)
            for key in ("tooltip", "ui_color", "ui_fgcolor", "prefix_group_id"):
                if key in conf:
                    fields[key] = conf[key]
            if conf.get("prefix_group_id") is False:
                self.note((*rel, "prefix_group_id"), "dag-factory 1.1 mishandles dependencies in groups with "
                          "prefix_group_id: false; the design keeps it, export it to Python")
            if conf.get("default_args") is not None and not isinstance(conf["default_args"], dict):
                self.note((*rel, "default_args"), "default_args must be a mapping; left out")
            elif isinstance(conf.get("default_args"), dict):
                fields["default_args"] = task_args_of(conf["default_args"], (*rel, "default_args"), self.note)
                for key in sorted(set(map(str, conf["default_args"])) - set(TASK_ARG_FIELDS)):
                    self.note((*rel, "default_args", key), f"default_args.{shown(key, quote=False)} is not part of the "
                              "design; left out")
            self._dependencies(conf, rel, name)
            for key in sorted(set(map(str, conf)) - _GROUP_KEYS_READ):
                self.note((*rel, key), f"group setting {shown(key)} is not supported; left out")
            self.origins[("groups", name)] = rel
            groups.append(validated(Group, fields, rel, self.note))
        return groups

    def _dependencies(self, conf: dict[str, Any], rel: KeyPath, downstream: str) -> None:
        deps = conf.get("dependencies")
        if deps is None:
            return
        if not isinstance(deps, list):
            self.note((*rel, "dependencies"), "dependencies must be a list of task or group names; left out")
            return
        for i, dep in enumerate(deps):
            if isinstance(dep, str | int):
                self.edges.append((Edge(upstream=str(dep), downstream=downstream), (*rel, "dependencies", i)))
            else:
                self.note((*rel, "dependencies", i), "a dependency must be a task or group name; left out")

    # --- tasks ------------------------------------------------------------------------------------

    def _tasks(self, group_ids: set[str]) -> list[Task]:
        return [self._task(name, conf, rel, group_ids) for name, conf, rel in self._entries("tasks", "task_id")]

    def _task(self, name: str, conf: dict[str, Any], rel: KeyPath, group_ids: set[str]) -> Task:
        operator = self._operator(conf, rel)
        fields: dict[str, Any] = {"id": name, "operator": operator}
        group = conf.get("task_group_name")
        if group is not None and str(group) in group_ids:
            fields["group"] = str(group)
        elif group is not None:
            self.note((*rel, "task_group_name"), f"group {shown(group)} does not exist; the task is placed at the "
                      "top level")
        for key in ("trigger_rule", "doc_md"):
            if key in conf:
                fields[key] = conf[key]
        self._dependencies(conf, rel, name)
        if "expand" in conf:
            self.expands[name] = (conf["expand"], (*rel, "expand"))
        values = {key: (value, (*rel, key)) for key, value in conf.items()}
        partial = conf.get("partial")
        if isinstance(partial, dict):
            for key, value in partial.items():
                if key in values:
                    self.note((*rel, "partial", key), f"{shown(key)} is also set outside partial; the partial value is "
                              "left out")
                else:
                    values[key] = (value, (*rel, "partial", key))
        elif partial is not None:
            self.note((*rel, "partial"), "partial must be a mapping; left out")
        self._callable_from_file(values, rel)
        fields["overrides"] = task_args_of({k: v for k, (v, _) in values.items()}, rel, self.note)
        fields["args"] = self._args(operator, values)
        self.origins[("tasks", name)] = rel
        self.arg_origins[name] = {str(key): key_rel for key, (_, key_rel) in values.items()}
        return validated(Task, fields, rel, self.note)

    def _callable_from_file(self, values: dict[str, tuple[Any, KeyPath]], rel: KeyPath) -> None:
        """`python_callable_name` + `python_callable_file` (dag-factory loads the file as module `<stem>`)
        become the dotted path `<stem>.<name>`, which the exported DAG imports."""
        name, file = (values.get(k, (None,))[0] for k in ("python_callable_name", "python_callable_file"))
        if "python_callable" in values or not isinstance(name, str) or not isinstance(file, str):
            return
        source = PurePosixPath(file.replace("\\", "/"))
        path = f"{source.stem}.{name}"
        self.note((*rel, "python_callable_file"), f"imported as python_callable {shown(path)}: the exported DAG "
                  f"imports module {shown(source.stem)}, so keep {shown(source.name)} in the DAG folder (or "
                  "write the callable's package path)")
        values["python_callable"] = (path, (*rel, "python_callable_name"))
        del values["python_callable_name"], values["python_callable_file"]

    def _operator(self, conf: dict[str, Any], rel: KeyPath) -> str:
        value = conf.get("operator")
        if isinstance(value, str) and (operator_spec(key := operator_key(value)) is not None):
            return key
        if "decorator" in conf and value is None:
            self.note((*rel, "decorator"), "TaskFlow decorator tasks are not supported; imported as an "
                      "EmptyOperator placeholder: re-create it as a Python task")
        elif value is None:
            self.note(rel, "the task has no operator (dag-factory refuses it); imported as an EmptyOperator "
                      "placeholder")
        else:
            self.note((*rel, "operator"), f"operator {shown(value)} is not a class path; imported as an "
                      "EmptyOperator placeholder")
        return "empty"

    def _args(self, operator: str, values: dict[str, tuple[Any, KeyPath]]) -> dict[str, Any]:
        spec = operator_spec(operator)
        args: dict[str, Any] = {}
        for key, (value, key_rel) in values.items():
            if key in _TASK_KEYS_READ or key in TASK_ARG_FIELDS:
                continue
            if key in TASK_KEYS_NOT_CARRIED or str(key).endswith("_lambda"):  # lambdas are compiled from text
                self.note(key_rel, f"{key} is not supported by the designer; left out")
                continue
            if key == "execution_delta" and isinstance(value, str):
                delta = relative_delta(value)
                if delta is None:
                    self.note(key_rel, f"execution_delta {shown(value, 40)} is not '<n> hours|minutes|seconds|days'; "
                              "left out")
                    continue
                value = int(delta.total_seconds())
            converted = plain(value, key_rel, self.note)
            if converted is DROP:
                continue
            arg = spec.args.get(key) if spec is not None else None  # an unknown one is kept: the gate notes it
            if arg is not None and arg.templated:
                converted = _unescape_dollar(converted)
            args[key] = converted
        return args

    def _with_mappings(self, design: Design) -> Design:
        """Attach `expand:` (read after all tasks, since `x.output` names the *full* task_id)."""
        ns = Namespace(design)
        local_of = {ns.qualify_task(t): t.id for t in design.tasks}
        tasks = []
        for task in design.tasks:
            if task.id in self.expands:
                expand = self._expand(*self.expands[task.id], local_of)
                if expand:
                    task = task.model_copy(update={"mapping": DynamicMapping(expand=expand)})
            tasks.append(task)
        return design.model_copy(update={"tasks": tuple(tasks)})

    def _expand(self, raw: Any, rel: KeyPath, local_of: dict[str, str]) -> dict[str, Any]:
        if not isinstance(raw, dict) or not raw:
            self.note(rel, "expand must be a mapping of argument names to lists or task outputs; left out")
            return {}
        expand: dict[str, Any] = {}
        for arg, value in raw.items():
            arg_rel = (*rel, arg)
            if isinstance(value, list):
                if (items := plain(value, arg_rel, self.note)) is not DROP:
                    expand[str(arg)] = items
                continue
            ref = None
            if isinstance(value, str) and ".output" in value:
                ref = value.split(".output")[0]  # as dag-factory's replace_expand_values reads it
            elif isinstance(value, str) and (match := _XCOM_ARG.search(value)):
                ref = match.group(1)
            if ref in local_of:
                expand[str(arg)] = UpstreamOutput(task=local_of[ref])
            elif ref in local_of.values():
                self.note(arg_rel, f"dag-factory needs the full task id here ({shown(value)} stays a string and the "
                          "DAG fails to load); imported as the output of that task")
                expand[str(arg)] = UpstreamOutput(task=ref)
            else:
                self.note(arg_rel, f"{shown(value)} is neither a list nor the output of a task of this DAG; left out")
        return expand


def _with_branch_choices(design: Design) -> Design:
    """Branch tasks choose among their direct downstream tasks (dag-factory files cannot say which: the
    callable returns one at run time, and Airflow only lets it return a direct downstream task)."""
    graph = None
    tasks = []
    for task in design.tasks:
        spec = operator_spec(task.operator)
        if spec is not None and spec.branches and not task.branches:
            graph = graph or build_task_graph(design)
            downstream = {graph.node_task[d] for n in graph.task_nodes.get(task.id, ()) for d in graph.succ.get(n, {})}
            if downstream:
                task = Task(**{**dict(task), "branches": [t.id for t in design.tasks if t.id in downstream]})
        tasks.append(task)
    return design.model_copy(update={"tasks": tuple(tasks)}) if graph else design


def _unescape_dollar(value: Any) -> Any:
    """`{{ '$' }}` (how templated fields protect `$` from dag-factory) back to `$`; Jinja renders it the same."""
    if isinstance(value, str):
        return _DOLLAR_TEMPLATE.sub("$", value)
    if isinstance(value, list):
        return [_unescape_dollar(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescape_dollar(v) for k, v in value.items()}
    return value
