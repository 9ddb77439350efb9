"""Form widgets generated from the operator catalog, and parsing of what the user typed.

Values are typed by the catalog's argument types; a value that does not parse is reported with the
argument's name instead of being stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import streamlit as st
import yaml

from designer.limits import float_problem, int_problem
from designer.operators import ArgSpec, OperatorSpec, type_problem
from designer.storage import DesignError, read_yaml


class FormError(ValueError):
    """A form value that does not parse; the message names the field."""


def changed(shown: Mapping[str, Any], entered: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of `entered` that differ from what their widgets first showed (`shown`).

    Forms apply only these, so pressing Apply without touching anything changes nothing: a value the
    widget cannot show exactly (a start time, an unset number, a colour left unset) is never replaced
    by the widget's approximation of it.

    >>> changed({"a": 1, "b": ""}, {"a": 1, "b": "x"})
    {'b': 'x'}
    """
    return {name: value for name, value in entered.items() if value != shown[name]}


def with_current(options: list[str], current: str) -> list[str]:
    """`options`, plus `current` when it is not one of them (a dangling reference or an odd value in a
    loaded design), so a selectbox can show what the design holds instead of silently picking another.

    >>> with_current(["a", "b"], "z"), with_current(["a", "b"], "b")
    (['a', 'b', 'z'], ['a', 'b'])
    """
    return options if current in options else [*options, current]


def shown_arg(spec: ArgSpec, current: Any) -> Any:
    """The raw widget value `arg_widget` shows for an argument holding `current` (None: unset)."""
    if spec.choices:
        return current if current in spec.choices else ("(default)" if current is None else str(current))
    if spec.type == "bool":
        if current is None or isinstance(current, bool):
            return {None: "(default)", True: "true", False: "false"}[current]
        return str(current)
    if spec.type in ("list", "dict"):
        return "" if current is None else json.dumps(current, default=str)
    return "" if current is None else str(current)


def arg_widget(spec: ArgSpec, name: str, current: Any, key: str) -> Any:
    """Render one operator argument's widget and return its raw widget value."""
    label = f"{name} *" if spec.required else name
    notes = []
    if spec.templated:
        notes.append("templated: Jinja such as {{ ds }} is rendered at run time")
    if spec.default is not None:
        notes.append(f"default: {spec.default!r}")
    help_text = "; ".join(notes) or None
    shown = shown_arg(spec, current)
    if spec.choices or spec.type == "bool":
        options = with_current(["(default)", *(spec.choices or ("true", "false"))], shown)
        return st.selectbox(label, options, index=options.index(shown), key=key, help=help_text)
    if spec.type in ("list", "dict"):
        return st.text_area(label, shown, key=key, help=(help_text or "") + " (JSON or YAML)", height=68)
    if name in ("bash_command", "sql", "html_content"):
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


def parse_args(spec: OperatorSpec, raws: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The task's new args: `current` with the arguments whose widgets the user changed parsed anew
    (an emptied widget removes its argument); untouched arguments keep their exact value."""
    args = dict(current)
    shown = {name: shown_arg(spec.args[name], current.get(name)) for name in raws}
    for name, raw in changed(shown, raws).items():
        present, value = parse_arg(spec.args[name], name, raw)
        if present:
            args[name] = value
        else:
            args.pop(name, None)
    return args


def shown_free_args(current: Mapping[str, Any]) -> str:
    """The text `free_args_editor` shows for a custom operator's arguments."""
    return yaml.safe_dump(dict(current), sort_keys=False) if current else ""


def free_args_editor(current: Mapping[str, Any], key: str) -> str:
    """A YAML box for a custom operator's free arguments."""
    return st.text_area("Arguments (YAML mapping)", shown_free_args(current), key=key, height=120)


def parse_free_args(text: str, current: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments typed in the YAML box; `current` itself when the text was not changed."""
    if text == shown_free_args(current):
        return dict(current)
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
