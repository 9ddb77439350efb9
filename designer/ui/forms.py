"""Form widgets generated from the operator catalog, and parsing of what the user typed.

Values are typed by the catalog's argument types; a value that does not parse is reported with the
argument's name instead of being stored.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st
import yaml

from designer.limits import float_problem, int_problem
from designer.operators import ArgSpec, OperatorSpec, type_problem
from designer.storage import DesignError, read_yaml


class FormError(ValueError):
    """A form value that does not parse; the message names the field."""


def arg_widget(spec: ArgSpec, name: str, current: Any, key: str) -> Any:
    """Render one operator argument's widget and return its raw widget value."""
    label = f"{name} *" if spec.required else name
    notes = []
    if spec.templated:
        notes.append("templated: Jinja such as {{ ds }} is rendered at run time")
    if spec.default is not None:
        notes.append(f"default: {spec.default!r}")
    help_text = "; ".join(notes) or None
    if spec.choices:
        options = ["(default)", *spec.choices]
        index = options.index(current) if current in options else 0
        return st.selectbox(label, options, index=index, key=key, help=help_text)
    if spec.type == "bool":
        options = ["(default)", "true", "false"]
        index = {None: 0, True: 1, False: 2}.get(current, 0)
        return st.selectbox(label, options, index=index, key=key, help=help_text)
    if spec.type in ("list", "dict"):
        text = "" if current is None else json.dumps(current)
        return st.text_area(label, text, key=key, help=(help_text or "") + " (JSON or YAML)", height=68)
    multiline = name in ("bash_command", "sql", "html_content")
    shown = "" if current is None else str(current)
    if multiline:
        return st.text_area(label, shown, key=key, help=help_text, height=90)
    return st.text_input(label, shown, key=key, help=help_text)


def parse_arg(spec: ArgSpec, name: str, raw: Any) -> tuple[bool, Any]:
    """(present, value) for a widget value; raises FormError when it does not fit the argument's type."""
    if raw in ("", "(default)", None):
        return False, None
    value: Any = raw
    if spec.type == "bool":
        value = raw == "true"
    elif spec.type in ("list", "dict"):
        value = _safe_yaml(raw, name)
    elif spec.type in ("int", "float", "duration"):
        value = _number(name, raw, spec.type == "int")
    if problem := type_problem(spec, value):
        raise FormError(f"{name} {problem}")
    return True, value


def operator_args_form(spec: OperatorSpec, current: dict[str, Any], key_prefix: str) -> dict[str, Any]:
    """Widgets for every catalog argument; returns {name: raw widget value}."""
    raws = {}
    for name, arg in spec.args.items():
        raws[name] = arg_widget(arg, name, current.get(name), f"{key_prefix}:{name}")
    return raws


def parse_args(spec: OperatorSpec, raws: dict[str, Any], keep: dict[str, Any]) -> dict[str, Any]:
    """The task's new args: parsed widget values, plus `keep` (arguments the form does not show)."""
    args = {k: v for k, v in keep.items() if k not in spec.args}
    for name, raw in raws.items():
        present, value = parse_arg(spec.args[name], name, raw)
        if present:
            args[name] = value
    return args


def free_args_editor(current: dict[str, Any], key: str) -> str:
    """A YAML box for a custom operator's free arguments."""
    text = yaml.safe_dump(current, sort_keys=False) if current else ""
    return st.text_area("Arguments (YAML mapping)", text, key=key, height=120)


def parse_free_args(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    value = _safe_yaml(text, "arguments")
    if not isinstance(value, dict):
        raise FormError("arguments: must be a mapping of name: value")
    return value


def _number(name: str, raw: Any, integer: bool) -> Any:
    """The number typed in a field (an int when written as one or when `integer`), or the text itself
    when it is no number (a duration may also be written as ISO 8601, e.g. PT5M)."""
    text = str(raw).strip()
    try:
        number: int | float = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return raw
        if problem := float_problem(number):
            raise FormError(f"{name}: {problem}") from None
        number = int(number) if integer or number.is_integer() else number
    if isinstance(number, int) and (problem := int_problem(number)):
        raise FormError(f"{name}: {problem}")
    return number


def _safe_yaml(text: str, name: str) -> Any:
    try:
        return read_yaml(text, name)[0]
    except DesignError as exc:
        raise FormError(str(exc)) from None
