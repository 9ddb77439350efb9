"""Value checks shared by the lint rules, the exporters and the UI.

Each function says why a value cannot be written as Airflow code or would be refused by Airflow, or
returns None. The lint rules report these problems while a design is drawn; the exporters call the
same functions as a last guard, so the two never disagree.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from designer.model import Task

# Keyword arguments the generated task call writes itself.
RESERVED_ARGUMENTS = frozenset({"task_id", "dag", "task_group"})
# Airflow: Asset/Dataset URIs and names are at most 1500 characters (sdk.definitions.asset).
MAX_ASSET_URI_LENGTH = 1500
# Line breaks and tabs are allowed in multi-line text (commands, SQL, docs); no other control character is.
MULTILINE_CONTROLS = frozenset("\t\n\r")


def python_name_problem(name: str) -> str | None:
    """Why `name` is not a plain Python name (ASCII identifier, not a keyword), or None."""
    if not (name.isascii() and name.isidentifier()):
        return f"{name!r} is not a Python name"
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    return None


def dotted_path_problem(path: str) -> str | None:
    """Why `path` cannot be imported as `from pkg.module import name`, or None.

    Every dot-separated part must be a plain Python name: `pkg.class.fn` and `pkg.1abc.fn` cannot be
    written as an import statement.
    """
    parts = path.split(".")
    if len(parts) < 2:
        return "needs a module and a name, like pkg.module.function"
    for part in parts:
        if not part:
            return "has an empty part between dots"
        if not (part.isascii() and part.isidentifier()):
            return f"has {part!r}, which is not a Python name"
        if keyword.iskeyword(part):
            return f"has {part!r}, which is a Python keyword"
    return None


def argument_name_problem(name: str) -> str | None:
    """Why `name` cannot be a keyword argument of a generated operator call, or None."""
    if name in RESERVED_ARGUMENTS:
        return f"{name!r} is set by the generated code itself"
    return python_name_problem(name)


def asset_uri_problem(uri: str) -> str | None:
    """Why Airflow refuses `uri` as an asset (Airflow 2: dataset) URI, or None.

    Airflow raises for an empty or all-whitespace URI, one over 1500 characters, one it cannot split,
    the reserved `airflow://` scheme and the names `self` and `context`; control characters cannot be
    stored.
    """
    if not uri:
        return "is empty"
    if uri.isspace():
        return "is only whitespace"
    if bad := control_characters(uri):
        return f"contains the control character {bad[0]}"
    if len(uri) > MAX_ASSET_URI_LENGTH:
        return f"is {len(uri)} characters long; Airflow allows {MAX_ASSET_URI_LENGTH}"
    if uri in ("self", "context"):
        return f"is {uri!r}, a name Airflow reserves"
    try:
        scheme = urlsplit(uri).scheme.lower()
    except ValueError as exc:  # Airflow splits the URI the same way and fails the same
        return f"is not a valid URI ({exc})"
    if scheme == "airflow":
        return "uses the scheme 'airflow://', which Airflow reserves for itself"
    return None


# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control_character(text: str) -> bool:
    """True when `text` holds any control character (tabs and line breaks included)."""
    return _CONTROL.search(text) is not None


def control_characters(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The control characters (Unicode category Cc) in `text` other than `allowed`, described like
    `U+0000 (NUL)`, each once, in order of appearance."""
    seen: list[str] = []
    for ch in _CONTROL.findall(text):
        if ch not in allowed and ch not in seen:
            seen.append(ch)
    return [_describe(ch) for ch in seen]


_NAMES = {"\0": "NUL", "\t": "tab", "\n": "line feed", "\r": "carriage return", "\x1b": "ESC", "\x7f": "DEL"}


def _describe(ch: str) -> str:
    name = _NAMES.get(ch)
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def fanned_out_sources(task: Task, tasks: Mapping[str, Task]) -> Iterator[tuple[str, str]]:
    """(argument, source task id) for each argument `task` maps over the output of a statically fanned-out
    task: the copies have one output each, so "its output" names no single value."""
    if task.mapping is None:
        return
    for arg, source in task.mapping.expand.items():
        if isinstance(source, list):
            continue
        upstream = tasks.get(source.task)
        if upstream is not None and upstream.fan_out is not None:
            yield arg, source.task
