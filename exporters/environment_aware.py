"""Environment-aware designs: one design per tenant whose environment is chosen when a task runs.

The designs rendered for each environment of one tenant must be the same except in templated arguments
(strings Airflow renders with Jinja when the task runs). Each such string becomes one Airflow template that
reads the Airflow Variable holding the environment name, with the first environment as the default:

    {% set dd_env = var.value.get("deploy_environment", "dev") %}{% if dd_env == "prod" %}...{% else %}...{% endif %}

The Variable is read at run time, when the field is rendered, never when the DAG file is parsed. Each branch
is the environment's own text, so Airflow templates in it (`{{ ds }}`) still render. Anything else that
differs (schedule, connection ids that are not templated, the number of fan-out copies, optional groups) has
no run-time form: ExportError names it.
"""

from __future__ import annotations

import json
from typing import Any

from designer.analysis.findings import format_location
from designer.model import Design
from designer.operators import operator_spec
from exporters import ExportError

ENV_NAME = "dd_env"


def environment_design(designs: list[tuple[str, Design]], variable: str) -> Design:
    """One design for every (environment, design) pair of a tenant (see the module docstring)."""
    if not designs:
        raise ExportError("no rendered design to combine")
    base_env, base = designs[0]
    dumps = [(env, design.model_dump(mode="json")) for env, design in designs]
    merged = dumps[0][1]
    differing: dict[tuple, dict[str, Any]] = {}
    for env, data in dumps[1:]:
        for path in _differences(merged, data, ()):
            differing.setdefault(path, {})[env] = _at(data, path)
    refused = [path for path in differing if not _templated(base, path)]
    if refused:
        shown = ", ".join(format_location(p) for p in refused[:5])
        raise ExportError(f"DAG {base.dag.dag_id!r}: {shown} differ(s) between environments but is not a templated "
                          "argument, so it cannot be chosen when the task runs; use the python or factory export "
                          "(one DAG per environment)")
    envs = [env for env, _ in designs]
    for path, values in differing.items():
        branches = {base_env: _at(merged, path), **values}
        branches = {env: branches.get(env, branches[base_env]) for env in envs}
        _set(merged, path, _switch(branches, base_env, variable))
    return Design.model_validate(merged)


def _switch(branches: dict[str, str], default: str, variable: str) -> str:
    head = f"{{% set {ENV_NAME} = var.value.get({json.dumps(variable)}, {json.dumps(default)}) %}}"
    parts = []
    for env, text in branches.items():
        if env == default:
            continue
        parts.append(f"{{% {'if' if not parts else 'elif'} {ENV_NAME} == {json.dumps(env)} %}}{text}")
    if not parts:
        return branches[default]
    return head + "".join(parts) + f"{{% else %}}{branches[default]}{{% endif %}}"


def _templated(design: Design, path: tuple) -> bool:
    """Whether `path` is a string inside a templated argument of a task."""
    if len(path) < 4 or path[0] != "tasks" or path[2] != "args":
        return False
    task = design.tasks[path[1]]
    spec = operator_spec(task.operator)
    arg = spec.args.get(path[3]) if spec is not None and not spec.free_args else None
    value = _at(design.model_dump(mode="json"), path)
    return arg is not None and bool(getattr(arg, "templated", False)) and isinstance(value, str)


def _differences(a: Any, b: Any, path: tuple) -> list[tuple]:
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [p for key in a for p in _differences(a[key], b[key], (*path, key))]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in _differences(x, y, (*path, i))]
    return [] if a == b and type(a) is type(b) else [path]


def _at(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _set(data: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value
