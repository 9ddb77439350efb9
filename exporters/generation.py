"""Exports of a generation (one template x a config of tenants and environments).

Targets (`python -m designer generate --to ...`):

- `python`: one static Airflow module per generated DAG (the `python` exporter, each with its guard);
- `dag-factory`: one dag-factory YAML per template holding every generated DAG, with the settings they all
  share in dag-factory's `default:` block, and one loader module;
- `factory`: one module whose `generate_dags(config)` builds every DAG from a JSON file next to it when
  Airflow parses it (see exporters/factory_runtime.txt); the JSON can only name operator classes and
  callables the module imports itself;
- `python-env`: one module per tenant whose environment is chosen at run time from the Airflow Variable
  `deploy_environment` (default: the first environment), through templating in templated arguments; never
  read at module top level.

Every target refuses a generation with problems or error findings (ExportError, or DesignError for a
template or config that does not render), and every file passes its exporter's guard.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from designer.analysis.findings import Severity, format_location
from designer.analysis.graph import build_task_graph
from designer.analysis.rules.generation import lint_generation
from designer.generation import Generation, require_designs
from designer.ids import fan_out_ids
from designer.model import AssetSchedule, Design, IntervalSchedule, TaskArgs, TriggerRule
from designer.operators import as_timedelta, operator_spec
from exporters import ExportError, ExportFiles, export
from exporters.checks import (
    guard_dag_factory_document,
    guard_python_module,
    refuse_unloadable_values,
    require_exportable,
)
from exporters.dag_factory import LOADER, dag_factory_yaml, schedule_types
from exporters.dag_factory import dump_document as dump_dag_factory
from exporters.naming import slug
from exporters.python_imports import BASE_MODULES, Imports, allowed_modules, catalog_modules

GENERATION_TARGETS = ("python", "factory", "dag-factory", "python-env")
ENVIRONMENT_VARIABLE = "deploy_environment"
FACTORY_FORMAT = "dag-designer-factory"
RUNTIME = (Path(__file__).with_name("factory_runtime.txt")).read_text(encoding="utf-8")
FACTORY_STDLIB = ("functools", "json", "operator")
RUNTIME_NAMES = {"TASK_ARG_DURATIONS", "generate_dags", "build_dag", "OPERATORS", "CALLABLES", "CONFIG_FILE",
                 "dt", "functools", "json", "operator", "DAG", "TaskGroup", "Param", "Asset", "DAGS"}
# Keys a dag-factory default block may take over when every generated DAG has the same value.
DEFAULT_BLOCK_KEYS = ("schedule", "start_date", "catchup", "max_active_runs", "max_active_tasks", "dagrun_timeout",
                      "tags", "on_success_callback", "on_failure_callback")


def export_generation(generation: Generation, target: str, name: str | None = None) -> ExportFiles:
    """Files of `target` for every generated DAG (relative path -> text); `name` names the shared files
    (default: the template's file stem). Raises DesignError when a pair did not render, ExportError when
    the generation has error findings or cannot be written for `target`."""
    if target not in GENERATION_TARGETS:
        raise ExportError(f"unknown generation target {target!r}; choose one of {', '.join(GENERATION_TARGETS)}")
    designs = require_designs(generation)
    errors = [f for f in lint_generation(generation) if f.severity is Severity.ERROR
              and not (target == "python-env" and f.code == "DD041")]  # one DAG per tenant: checked there
    if errors:
        raise ExportError(f"the generation has {len(errors)} error(s) to fix before export:\n  " + "\n  ".join(
            f"{f.code} {format_location(f.location) or 'config'}: {f.message}" for f in errors))
    stem = "dag_" + slug(name or generation.template.stem)
    if target == "python":
        return _merged(export(design, "python") for design in designs)
    if target == "dag-factory":
        return dag_factory_document(designs, stem)
    if target == "factory":
        return factory_module(designs, stem, generation)
    return environment_modules(generation)


def _merged(parts) -> ExportFiles:
    files: ExportFiles = {}
    for part in parts:
        for rel, text in part.items():
            if rel in files:  # dag_ids that fold to one file name (DD041 reports them first)
                raise ExportError(f"two generated DAGs would both be written to {rel}")
            files[rel] = text
    return files


# --- dag-factory: one document with a default block ------------------------------------------------

def dag_factory_document(designs: list[Design], stem: str) -> ExportFiles:
    """One dag-factory YAML holding every design, shared settings moved into `default:`, and its loader."""
    blocks: dict[str, dict[str, Any]] = {}
    for design in designs:
        document = yaml.load(dag_factory_yaml(design), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        blocks[design.dag.dag_id] = document[design.dag.dag_id]
    default: dict[str, Any] = {}
    for key in DEFAULT_BLOCK_KEYS:
        values = [block.get(key, _MISSING) for block in blocks.values()]
        if values[0] is not _MISSING and all(v == values[0] for v in values):
            default[key] = values[0]
    shared_args = _common_items([block.get("default_args", {}) for block in blocks.values()])
    if shared_args and len(blocks) > 1:
        default["default_args"] = shared_args
    for block in blocks.values():
        for key in default:
            if key == "default_args":
                rest = {k: v for k, v in block["default_args"].items() if k not in shared_args}
                block.pop("default_args")
                if rest:
                    block["default_args"] = rest
            else:
                block.pop(key, None)
    document = {"default": default, **blocks} if default else blocks
    header = (f"# dag-factory DAGs generated by DAG Designer ({len(blocks)} DAGs from one template); the\n"
              "# settings they all share are in the `default:` block. Edit the template and config, not this.\n")
    text = header + dump_dag_factory(document)
    guard_dag_factory_document(text, list(blocks), schedule_types=frozenset().union(*map(schedule_types, designs)))
    return {f"dags/{stem}.yaml": text, f"dags/{stem}.py": LOADER}


_MISSING = object()


def _common_items(mappings: list[dict[str, Any]]) -> dict[str, Any]:
    if not mappings:
        return {}
    first = mappings[0]
    return {k: v for k, v in first.items() if all(k in m and m[k] == v for m in mappings[1:])}


# --- factory module ---------------------------------------------------------------------------------

def factory_module(designs: list[Design], stem: str, generation: Generation | None = None) -> ExportFiles:
    """`dags/<stem>.py` (imports, tables, the fixed runtime, one call) and `dags/<stem>.json` (the DAGs)."""
    imports = Imports("airflow3", set(RUNTIME_NAMES))
    for name in ("DAG", "TaskGroup", "Param", "Asset"):
        imports.sdk(name)
    imports.bind("pathlib.Path", "_")
    specs = [_FactorySpec(design, imports).build() for design in designs]
    if generation is not None:
        pairs = {(d.design.dag.dag_id if d.design else None): (d.tenant, d.environment) for d in generation.dags}
        for spec in specs:
            spec["tenant"], spec["environment"] = pairs.get(spec["dag_id"], (None, None))
    operators = {binding: binding for binding in sorted({s["operator"] for spec in specs for s in spec["tasks"]})}
    callables = sorted({b for spec in specs for b in spec.pop("_callables")})
    lines = imports.lines()
    head = lines.index("import datetime as dt")
    lines[head:head + 1] = ["import datetime as dt", *(f"import {m}" for m in FACTORY_STDLIB)]
    source = "\n".join([
        "# Airflow DAG factory generated by DAG Designer: builds every DAG listed in the",
        "# JSON file of the same name when Airflow parses this module. Edit the template",
        "# and the generation config, not this file.",
        *lines, "", *_table("OPERATORS", operators), *_table("CALLABLES", dict.fromkeys(callables)),
        'CONFIG_FILE = Path(__file__).with_suffix(".json")', "", "", RUNTIME.rstrip("\n"), "", "",
        "DAGS = generate_dags(CONFIG_FILE)", ""])
    allowed = set(BASE_MODULES) | catalog_modules() | set(FACTORY_STDLIB) | {"pathlib"}
    for design in designs:
        allowed |= allowed_modules(design)
    guard_python_module(source, allowed, "factory module")
    config = {"format": FACTORY_FORMAT, "version": 1, "dags": specs}
    return {f"dags/{stem}.py": source, f"dags/{stem}.json": json.dumps(config, indent=1, sort_keys=False) + "\n"}


def _table(name: str, entries: dict[str, str | None]) -> list[str]:
    if not entries:
        return [f"{name}: dict = {{}}"]
    return [f"{name} = {{", *(f'    "{key}": {key},' for key in entries), "}"]


class _FactorySpec:
    """One design as a factory entry: plain JSON, durations in seconds, classes and callables by binding."""

    def __init__(self, design: Design, imports: Imports) -> None:
        require_exportable(design)
        refuse_unloadable_values(design)
        self.design, self.imports = design, imports
        self.tg = build_task_graph(design)
        self.ns = self.tg.ns
        self.callables: set[str] = set()

    def _callable(self, path: str) -> str:
        binding = self.imports.bind(path, "_callable")
        self.callables.add(binding)
        return binding

    def build(self) -> dict[str, Any]:
        design = self.design
        groups = sorted(design.groups, key=lambda g: len(self.ns.chain(g.id)))
        return {
            "dag_id": design.dag.dag_id,
            "dag": self._dag(),
            "groups": [{"id": g.id, "parent": g.parent if g.parent in self.ns.groups else None,
                        "kwargs": self._group_kwargs(g)} for g in groups],
            "tasks": self._tasks(),
            "upstream": {node: sorted(self.tg.graph.pred[node]) for node in sorted(self.tg.graph)
                         if self.tg.graph.pred[node]},
            "_callables": sorted(self.callables),
        }

    def _dag(self) -> dict[str, Any]:
        dag = self.design.dag
        out: dict[str, Any] = {}
        if dag.description:
            out["description"] = dag.description
        schedule = dag.schedule
        if isinstance(schedule, IntervalSchedule):
            out["schedule"] = {"seconds": schedule.interval.total_seconds()}
        elif isinstance(schedule, AssetSchedule):
            out["schedule"] = {"assets": list(schedule.assets), "mode": schedule.mode}
        else:
            out["schedule"] = schedule
        out["start_date"] = dag.start_date.isoformat()
        out["catchup"] = dag.catchup
        if args := _task_args(dag.default_args):
            out["default_args"] = args
        for name in ("max_active_runs", "max_active_tasks"):
            if getattr(dag, name) is not None:
                out[name] = getattr(dag, name)
        if dag.dagrun_timeout is not None:
            out["dagrun_timeout"] = dag.dagrun_timeout.total_seconds()
        if dag.params:
            out["params"] = {name: {"default": p.default, **({"type": p.type} if p.type else {}),
                                    **({"description": p.description} if p.description else {})}
                             for name, p in dag.params.items()}
        if dag.tags:
            out["tags"] = list(dag.tags)
        if dag.doc_md or dag.description:
            out["doc_md"] = dag.doc_md or dag.description
        for name in ("on_success_callback", "on_failure_callback"):
            if (path := getattr(dag, name)) is not None:
                out[name] = self._callable(path)
        return out

    def _group_kwargs(self, group) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"group_id": group.id}
        if group.tooltip:
            kwargs["tooltip"] = group.tooltip
        if not group.prefix_group_id:
            kwargs["prefix_group_id"] = False
        if args := _task_args(group.default_args):
            kwargs["default_args"] = args
        for name in ("ui_color", "ui_fgcolor"):
            if getattr(group, name) is not None:
                kwargs[name] = getattr(group, name)
        return kwargs

    def _tasks(self) -> list[dict[str, Any]]:
        plain, mapped = [], []
        for task in self.design.tasks:
            spec = operator_spec(task.operator)
            if spec is None:
                raise ExportError(f"task {task.id!r}: unknown operator {task.operator!r}")
            binding = self.imports.bind(f"{spec.airflow3_module}.{spec.class_name}", "_op")
            kwargs, durations, callables = {}, [], []
            for name, value in task.args.items():
                arg = None if spec.free_args else spec.args.get(name)
                if arg is not None and arg.type == "duration":
                    kwargs[name] = as_timedelta(value).total_seconds()
                    durations.append(name)
                elif arg is not None and arg.type == "dotted_path":
                    kwargs[name] = self._callable(str(value))
                    callables.append(name)
                else:
                    kwargs[name] = _plain(value)
            if task.trigger_rule != TriggerRule.ALL_SUCCESS:
                kwargs["trigger_rule"] = str(task.trigger_rule)
            kwargs.update(_task_args(task.overrides))
            if task.doc_md:
                kwargs["doc_md"] = task.doc_md
            base = {"operator": binding, "group": task.group if task.group in self.ns.groups else None,
                    **({"durations": durations} if durations else {}),
                    **({"callables": callables} if callables else {})}
            keys = self.ns.task_qualified_ids(task)
            if task.fan_out is not None:
                fan = task.fan_out
                for i, (local, key) in enumerate(zip(fan_out_ids(task), keys, strict=True)):
                    extra = {fan.arg: _plain(fan.values[i])} if fan.values is not None and fan.arg else {}
                    plain.append({**base, "task_id": local, "key": key, "kwargs": {**extra, **kwargs}})
            elif task.mapping is not None:
                expand = {arg: ({"output_of": self.ns.task_qualified_ids(self.ns.tasks[src.task])[0]}
                                if not isinstance(src, list) else _plain(src))
                          for arg, src in task.mapping.expand.items()}
                mapped.append({**base, "task_id": task.id, "key": keys[0], "kwargs": kwargs, "expand": expand})
            else:
                plain.append({**base, "task_id": task.id, "key": keys[0], "kwargs": kwargs})
        return plain + _sources_first(mapped)


def _sources_first(mapped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mapped tasks ordered so that a task mapped over another mapped task's output comes after it."""
    by_key = {t["key"]: t for t in mapped}
    graph = nx.DiGraph()
    graph.add_nodes_from(by_key)
    for task in mapped:
        for src in task["expand"].values():
            if isinstance(src, dict) and src["output_of"] in by_key:
                graph.add_edge(src["output_of"], task["key"])
    order = {key: i for i, key in enumerate(by_key)}
    return [by_key[k] for k in nx.lexicographical_topological_sort(graph, key=order.__getitem__)]


def _task_args(args: TaskArgs) -> dict[str, Any]:
    return {name: value.total_seconds() if isinstance(value, dt.timedelta) else value
            for name, value in args.model_dump(exclude_none=True).items()}


def _plain(value: Any) -> Any:
    """Design data as JSON data (frozen containers thawed)."""
    return json.loads(json.dumps(value))


# --- environment-aware modules ------------------------------------------------------------------------

def environment_modules(generation: Generation) -> ExportFiles:
    """One module per tenant; values that differ between environments must be templated arguments, which
    become a Jinja lookup `{{ {...}[var.value.get('deploy_environment', '<first>')] }}` (read at run time)."""
    from exporters.environment_aware import environment_design

    files: ExportFiles = {}
    tenants: dict[str, str] = {}
    for tenant in generation.config.tenants:
        dags = [d for d in generation.dags if d.tenant == tenant.name]
        design = environment_design([(d.environment, d.design) for d in dags if d.design is not None],
                                    ENVIRONMENT_VARIABLE)
        if (other := tenants.setdefault(slug(design.dag.dag_id), tenant.name)) != tenant.name:
            raise ExportError(f"tenants {other!r} and {tenant.name!r} both render the dag_id {design.dag.dag_id!r} "
                              "(or one giving the same file name); put ${{ tenant }} in the template's dag_id")
        files = _merged([files, export(design, "python")])
    return files
