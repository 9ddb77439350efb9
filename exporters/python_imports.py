"""Imports of a generated DAG module: binding names, ruff-isort order, and the allow-list check.

Only these modules may be imported: `__future__`, `datetime`, the Airflow modules of the target
(airflow.sdk, or its Airflow 2 fallbacks), operator modules from the catalog, and the modules of
the callables and custom operators a design names by dotted path (checked to be plain dotted names).
"""

from __future__ import annotations

import ast
import re
import sys

from designer.model import Design
from designer.operators import catalog
from designer.parse_time import dotted_paths
from designer.validity import dotted_path_problem
from exporters import ExportError
from exporters.pycode import INDENT, LINE_LENGTH, width

# airflow.sdk names a module may use, and where Airflow 2 keeps them.
SDK_FALLBACKS = {
    "DAG": ("airflow", "DAG", None),
    "TaskGroup": ("airflow.utils.task_group", "TaskGroup", None),
    "Label": ("airflow.utils.edgemodifier", "Label", None),
    "Param": ("airflow.models.param", "Param", None),
    "cross_downstream": ("airflow.models.baseoperator", "cross_downstream", None),
    "Asset": ("airflow.datasets", "Dataset", "Asset"),
    "AssetAll": ("airflow.datasets", "DatasetAll", "AssetAll"),
    "AssetAny": ("airflow.datasets", "DatasetAny", "AssetAny"),
}
# The Airflow 3 side of the try/except. Param comes from its defining module because ruff's AIR311
# only accepts the Airflow 2 fallback when the try branch imports the exact path it suggests.
SDK_MODULES = {"Param": "airflow.sdk.definitions.param"}
BASE_MODULES = frozenset({"__future__", "datetime", "airflow.sdk"})
AIRFLOW2_MODULES = frozenset(module for module, _, _ in SDK_FALLBACKS.values())
_FORBIDDEN_NAMES = frozenset({"__import__", "eval", "exec", "compile", "open", "getattr", "setattr", "globals",
                              "locals", "vars", "breakpoint", "input"})


class Imports:
    """The names a generated module binds by importing, allocated without clashes."""

    def __init__(self, target: str, reserved: set[str]) -> None:
        self.target = target
        # A callable named like a forbidden builtin (`builtins.eval`) is bound under another name, so the
        # allow-list check below still holds; lint rule DD028 warns about such paths.
        self.taken = set(reserved) | set(SDK_FALLBACKS) | _FORBIDDEN_NAMES
        self.sdk_used: set[str] = set()
        # (module, name) -> binding name
        self.froms: dict[tuple[str, str], str] = {}

    def sdk(self, name: str) -> str:
        self.sdk_used.add(name)
        return name

    def reserve(self, names: set[str] | list[str]) -> None:
        self.taken.update(names)

    def bind(self, path: str, suffix: str) -> str:
        """Import `path` (`pkg.mod.name`) and return its binding: `name`, or `name<suffix>` on a clash."""
        if problem := dotted_path_problem(path):  # the lint rules report it first (DD015, DD022)
            raise ExportError(f"cannot import {path!r}: it {problem}")
        module, _, name = path.rpartition(".")
        if (module, name) in self.froms:
            return self.froms[(module, name)]
        binding, n = name, 1
        while binding in self.taken:
            n += 1
            binding = f"{name}{suffix}" if n == 2 else f"{name}{suffix}_{n - 1}"
        self.taken.add(binding)
        self.froms[(module, name)] = binding
        return binding

    def lines(self) -> list[str]:
        """The import block (and the Airflow 2 try/except), in ruff-isort order."""
        froms = dict(self.froms)
        if self.target == "airflow3":
            froms.update({("airflow.sdk", n): n for n in self.sdk_used})
        stdlib = [(m, n, b) for (m, n), b in froms.items() if m.split(".")[0] in sys.stdlib_module_names]
        third = [(m, n, b) for (m, n), b in froms.items() if m.split(".")[0] not in sys.stdlib_module_names]
        sections = [["from __future__ import annotations"], ["import datetime as dt", *_from_lines(stdlib, 0)]]
        if third:
            sections.append(_from_lines(third, 0))
        if self.target == "airflow2" and self.sdk_used:
            fallback = [SDK_FALLBACKS[n] for n in self.sdk_used]
            sdk = [(SDK_MODULES.get(n, "airflow.sdk"), n, n) for n in self.sdk_used]
            sections.append(["try:", *_from_lines(sdk, 4),
                             "except ImportError:  # Airflow 2.x",
                             *_from_lines([(m, n, alias or n) for m, n, alias in fallback], 4)])
        out: list[str] = []
        for section in sections:
            out += [*([""] if out else []), *section]
        return out


def _natural(text: str) -> tuple:
    # ruff compares names in natural order (digit runs by value).
    return tuple((0, int(run), run) if run.isdigit() else (1, run, "") for run in re.findall(r"\d+|\D+", text))


def _member_key(name: str, alias: str | None) -> tuple:
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return (kind, _natural(name.lower()), _natural(name), _natural(alias or ""))


def _from_lines(entries: list[tuple[str, str, str]], indent: int) -> list[str]:
    """`from m import a, b` statements: plain names combined per module, aliased ones alone."""
    statements: list[tuple[str, list[tuple[str, str | None]]]] = []
    plain: dict[str, list[tuple[str, None]]] = {}
    for module, name, binding in entries:
        if binding == name:
            plain.setdefault(module, []).append((name, None))
        else:
            statements.append((module, [(name, binding)]))
    statements += list(plain.items())
    for _, members in statements:
        members.sort(key=lambda m: _member_key(*m))
    statements.sort(key=lambda s: (_natural(s[0].lower()), _natural(s[0]), _member_key(*s[1][0])))
    pad = " " * indent
    lines = []
    for module, members in statements:
        names = [f"{n} as {a}" if a else n for n, a in members]
        line = f"{pad}from {module} import {', '.join(names)}"
        if width(line) <= LINE_LENGTH:
            lines.append(line)
        else:
            lines += [f"{pad}from {module} import (", *(f"{pad}{INDENT}{n}," for n in names), f"{pad})"]
    return lines


def catalog_modules() -> set[str]:
    return {spec.airflow3_module for spec in catalog().values() if spec.airflow3_module}


def allowed_modules(design: Design, target: str = "airflow3") -> set[str]:
    """Modules a module generated from `design` may import (for check_generated_module), derived from
    the design, not from the rendering: the target's Airflow modules, the catalog's operator modules,
    and the modules of the callables and custom operators the design names."""
    allowed = set(BASE_MODULES) | catalog_modules()
    if target == "airflow2":
        allowed |= AIRFLOW2_MODULES | set(SDK_MODULES.values())
    return allowed | {path.rpartition(".")[0] for _, _, _, path in dotted_paths(design)}


def check_generated_module(source: str, allowed_modules: set[str] | frozenset[str]) -> list[str]:
    """Problems with a generated module: unparsable, importing outside `allowed_modules`, or naming
    `eval`/`exec`/`__import__`-like builtins or dunder attributes. Empty when it is fine."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"does not parse: {exc}"]
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level or module not in allowed_modules:
                problems.append(f"line {node.lineno}: imports from {'.' * node.level}{module}")
        elif isinstance(node, ast.Import):
            problems += [f"line {node.lineno}: imports {a.name}" for a in node.names if a.name not in allowed_modules]
        elif isinstance(node, ast.Name) and node.id in _FORBIDDEN_NAMES:
            problems.append(f"line {node.lineno}: uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            problems.append(f"line {node.lineno}: uses attribute {node.attr}")
    return problems
