"""The gate in front of every code exporter, and the last guards each exporter runs on what it wrote.

The gate (`require_exportable`) refuses designs with error findings; lint.disabled cannot hide errors, so
nothing in the design switches it off. The guards check the written text itself, independently of how it
was produced: generated Python parses and imports only allowed modules, the tests module holds only
literals besides its fixed code, the dag-factory YAML reads back safely with no `$` and no `__type__`-style
keys but the ones the exporter emits. A guard that fails means an exporter bug; it says so in an
ExportError instead of shipping the file.
"""

from __future__ import annotations

import ast
from typing import Any

import yaml

from designer.analysis import Severity, analyze
from designer.analysis.findings import format_location
from designer.model import Design
from designer.target_limits import DAG_FACTORY_MAGIC_KEYS
from designer.validity import unloadable_values
from exporters import ExportError
from exporters.python_imports import check_generated_module


def require_exportable(design: Design) -> None:
    """Raise ExportError listing every error finding of `design` (ids, references, cycles, ...)."""
    errors = [f for f in analyze(design, simulate_run=False).findings if f.severity == Severity.ERROR]
    if errors:
        lines = [f"{f.code} {format_location(f.location) or 'dag'}: {f.message}" for f in errors]
        raise ExportError(f"design {design.dag.dag_id!r} has {len(errors)} error(s) to fix before export:\n  "
                          + "\n  ".join(lines))


def refuse_unloadable_values(design: Design) -> None:
    """The exporters' own check of the values lint rule DD027 reports (pools, intervals, NaN)."""
    for _, _, message in unloadable_values(design):
        raise ExportError(message)


def _internal(what: str, problems: list[str]) -> ExportError:
    shown = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
    return ExportError(f"internal error: the generated {what} failed its last check ({shown}); nothing was "
                       "written. Please report it with the design file")


def guard_python_module(source: str, allowed: set[str] | frozenset[str], what: str = "DAG module") -> None:
    """Raise ExportError unless `source` parses and passes the allow-list check (imports and names)."""
    if problems := check_generated_module(source, allowed):
        raise _internal(what, problems)


# The tests module: its fixed code imports only these; everything taken from the design is a literal.
TESTS_MODULE_IMPORTS = frozenset({"__future__", "pathlib", "pytest", "airflow.models",
                                  "airflow.utils.dag_cycle_tester"})
TESTS_MODULE_DATA = ("DAG_ID", "EXPECTED_TASKS", "EXPECTED_GROUPS")


def guard_tests_module(source: str, expected: dict[str, Any] | None = None) -> None:
    """Raise ExportError unless the tests module parses, imports only TESTS_MODULE_IMPORTS, and its data
    constants (TESTS_MODULE_DATA) are plain literals, equal to `expected` (name -> value) when given."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise _internal("tests module", [f"does not parse: {exc}"]) from None
    problems = []
    found: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or node.module not in TESTS_MODULE_IMPORTS):
            problems.append(f"line {node.lineno}: imports from {node.module}")
        elif isinstance(node, ast.Import):
            problems += [f"line {node.lineno}: imports {a.name}" for a in node.names
                         if a.name not in TESTS_MODULE_IMPORTS]
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and getattr(node.targets[0], "id", "") in \
                TESTS_MODULE_DATA:
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                problems.append(f"line {node.lineno}: {node.targets[0].id} is not a plain literal")
    if set(found) != set(TESTS_MODULE_DATA):
        problems.append(f"defines {sorted(found)} instead of {list(TESTS_MODULE_DATA)}")
    elif not problems and expected is not None and found != expected:
        problems.append("the expected structure does not read back as written")
    if problems:
        raise _internal("tests module", problems)


# What the dag-factory exporter writes as `__type__`, and where `__or__` may appear (an asset schedule).
DAG_FACTORY_TYPES = frozenset({"datetime.timedelta", "airflow.sdk.Param", "airflow.sdk.Asset"})
DAG_FACTORY_DAG_KEYS = frozenset({
    "description", "doc_md", "schedule", "start_date", "catchup", "max_active_runs", "max_active_tasks",
    "dagrun_timeout", "tags", "params", "on_success_callback", "on_failure_callback", "default_args",
    "task_groups", "tasks"})


def guard_dag_factory_yaml(text: str, dag_id: str, schedule_types: frozenset[str] = frozenset()) -> None:
    """Raise ExportError unless the YAML is what dag-factory should get: no `$` (dag-factory expands `$VAR`
    in the raw text), safe to read (no Python tags), one DAG `dag_id` with known keys, and no dag-factory
    magic key (`__type__`, `__args__`, `__and__`, `__or__`, `__join__`) except a `__type__` the exporter
    emits (DAG_FACTORY_TYPES, and `schedule_types` in the schedule) and `__and__`/`__or__` in the
    schedule."""
    guard_dag_factory_document(text, [dag_id], default_block=False, schedule_types=schedule_types)


def guard_dag_factory_document(text: str, dag_ids: list[str], default_block: bool = True,
                               schedule_types: frozenset[str] = frozenset()) -> None:
    """`guard_dag_factory_yaml` for a document of several DAGs `dag_ids`, in that order, after an optional
    `default:` block (checked like a DAG block: dag-factory merges it into each)."""
    problems = []
    if "$" in text:
        problems.append("contains '$', which dag-factory would expand from the environment")
    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise _internal("dag-factory YAML", [f"does not read back safely: {str(exc)[:200]}"]) from None
    keys = list(document) if isinstance(document, dict) else []
    if default_block and keys[:1] == ["default"]:
        keys = keys[1:]
    if not isinstance(document, dict) or keys != list(dag_ids):
        problems.append(f"holds {list(document)[:3] if isinstance(document, dict) else type(document).__name__} "
                        + (f"instead of the one DAG {dag_ids[0]!r}" if len(dag_ids) == 1
                           else f"instead of the {len(dag_ids)} DAGs {list(dag_ids)[:3]}..."))
    else:
        for key, block in document.items():
            if not isinstance(block, dict):
                problems.append(f"{key} is a {type(block).__name__}, not a mapping")
                continue
            if not set(block) <= DAG_FACTORY_DAG_KEYS:
                problems.append(f"{key} has unexpected keys {sorted(set(block) - DAG_FACTORY_DAG_KEYS)[:5]}")
                continue
            rest = {name: value for name, value in block.items() if name != "schedule"}
            problems += _magic_keys(rest, key)
            problems += _magic_keys(block.get("schedule"), f"{key}.schedule", DAG_FACTORY_TYPES | schedule_types,
                                    frozenset({"__and__", "__or__", "__args__"}))
    if problems:
        raise _internal("dag-factory YAML", problems)


def _magic_keys(value: Any, where: str, types: frozenset[str] = DAG_FACTORY_TYPES,
                operators: frozenset[str] = frozenset()) -> list[str]:
    """Magic keys in `value` other than a `__type__` in `types` and the combining keys in `operators`."""
    problems = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in DAG_FACTORY_MAGIC_KEYS and not (key == "__type__" and item in types) and key not in operators:
                problems.append(f"{where} holds {key}: {str(item)[:40]!r}")
            problems += _magic_keys(item, f"{where}.{key}", types, operators)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems += _magic_keys(item, f"{where}[{index}]", types, operators)
    return problems
