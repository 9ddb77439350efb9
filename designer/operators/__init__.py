"""The operator catalog, kept as data in catalog.yaml.

A task's `operator` is a catalog key (`bash`, `python`, ...) or, for a custom operator, the dotted
import path of its class (`my_company.operators.LoadOperator`), whose arguments are not checked.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from designer.validity import dotted_path_problem

ArgType = Literal["str", "int", "float", "bool", "list", "dict", "duration", "dotted_path"]

DOTTED_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")

_SENSOR_ARGS: dict[str, dict[str, Any]] = {
    "mode": {"type": "str", "default": "poke", "choices": ["poke", "reschedule"]},
    "timeout": {"type": "duration", "default": 604800},
    "poke_interval": {"type": "duration", "default": 60},
    "soft_fail": {"type": "bool", "default": False},
}


class ArgSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ArgType
    required: bool = False
    templated: bool = False
    default: Any = None
    choices: list[str] | None = None


class OperatorSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    label: str
    class_name: str
    airflow3_module: str
    airflow2_module: str
    description: str = ""
    args: dict[str, ArgSpec] = {}
    branches: bool = False
    sensor: bool = False
    free_args: bool = False

    @property
    def is_custom(self) -> bool:
        return self.free_args


@cache
def catalog() -> dict[str, OperatorSpec]:
    """All built-in operators by key (the `custom` entry describes custom operators)."""
    raw = yaml.safe_load((Path(__file__).with_name("catalog.yaml")).read_text(encoding="utf-8"))
    specs = {}
    for key, entry in raw.items():
        args = dict(entry.pop("args", {}) or {})
        if entry.get("sensor"):
            args = {**args, **_SENSOR_ARGS}
        specs[key] = OperatorSpec(key=key, args=args, **entry)
    return specs


def is_custom_operator(operator: str) -> bool:
    """True when `operator` names a custom operator class by dotted path."""
    return operator not in catalog() and bool(DOTTED_PATH.fullmatch(operator))


def operator_spec(operator: str) -> OperatorSpec | None:
    """The spec for a task's `operator` value, or None when it is neither a key nor a dotted path."""
    spec = _builtin_specs().get(operator)  # every lint rule asks, per task: keep the usual case one lookup
    if spec is not None:
        return spec
    if is_custom_operator(operator):
        return _custom_spec(operator)
    return None


@cache
def _builtin_specs() -> dict[str, OperatorSpec]:
    return {key: spec for key, spec in catalog().items() if not spec.is_custom}


# Custom class paths are what users type, so their specs are not kept in a process-wide cache
# (the app is shared); building one is a small model copy.
def _custom_spec(operator: str) -> OperatorSpec:
    module, _, class_name = operator.rpartition(".")
    return catalog()["custom"].model_copy(
        update={"key": operator, "class_name": class_name, "airflow3_module": module, "airflow2_module": module})


_DURATION = TypeAdapter(dt.timedelta)
_MAX_SECONDS = dt.timedelta.max.total_seconds()


def type_problem(spec: ArgSpec, value: Any) -> str | None:
    """Why `value` does not fit `spec`, or None when it does."""
    kind = spec.type
    ok = {
        "str": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "list": lambda v: isinstance(v, list),
        "dict": lambda v: isinstance(v, dict),
        "dotted_path": lambda v: isinstance(v, str) and dotted_path_problem(v) is None,
        "duration": _is_duration,
    }[kind](value)
    if not ok and kind == "dotted_path" and isinstance(value, str):
        return f"expects a dotted import path like pkg.module.function; {value!r:.60} {dotted_path_problem(value)}"
    if not ok:
        expected = {"dotted_path": "a dotted import path like pkg.module.function",
                    "duration": "seconds or an ISO 8601 duration like PT5M"}.get(kind, kind)
        return f"expects {expected}, got {value!r:.60}"
    if spec.choices and value not in spec.choices:
        return f"must be one of {', '.join(spec.choices)}, got {value!r:.60}"
    return None


def _is_duration(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0 <= value <= _MAX_SECONDS  # a larger number overflows timedelta
    if not isinstance(value, str):
        return False
    try:
        _DURATION.validate_python(value)
    except ValidationError:
        return False
    return True


def as_timedelta(value: Any) -> dt.timedelta:
    """A duration argument (seconds or ISO 8601) as a timedelta."""
    if isinstance(value, int | float):
        return dt.timedelta(seconds=value)
    return _DURATION.validate_python(value)
