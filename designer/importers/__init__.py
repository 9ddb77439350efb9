"""Importers: other formats read into designs, with notes for whatever could not be carried over.

An importer never runs code from the file it reads and never drops anything silently: every construct
it cannot represent becomes an `ImportNote` naming the key path and line. Unreadable input (not UTF-8,
too big, not YAML, too many nodes counting aliases expanded, excessive nesting, numbers that cannot be
held) raises `designer.storage.DesignError`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from designer.analysis.findings import KeyPath, format_location


@dataclass(frozen=True)
class ImportNote:
    """Something in the imported file that the design does not carry (or carries differently)."""

    message: str
    path: KeyPath = ()
    line: int | None = None

    def __str__(self) -> str:
        """`line 3: key.path: message`, for showing notes without a file name."""
        where = ([f"line {self.line}"] if self.line else []) + ([format_location(self.path)] if self.path else [])
        return ": ".join([*where, self.message])

    def format(self, source: str) -> str:
        """`FILE:LINE: key.path: message` (line and key path left out when unknown)."""
        where = f"{source}:{self.line}" if self.line else source
        key = format_location(self.path)
        return f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"


_PLAIN_TEXT = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*")
_NOT_PLAIN = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n"})
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0", "\\": "\\\\", '"': '\\"'}
_MAX_DEPTH = 8


def shown(value: Any, limit: int = 60, quote: bool = True) -> str:
    """`value` written the way YAML would show it in flow style, cut to about `limit` characters:
    `'x'`, `{hours: 2}`, `[1, 2]`, `2024-01-01`, `null`, `!!python/name:os.getcwd`. Never a Python repr,
    and never a control character (those are escaped), so it is safe in one-line notes. With `quote`
    off, text that needs no quotes in YAML (`os.getcwd`) is shown without them."""
    text = _flow(value, limit, 0, quote)
    return text if len(text) <= limit else text[: max(limit - 3, 1)] + "..."


def shown_key(value: Any) -> str | int:
    """A mapping key for a key path: text and list indices as they are, other scalars (dates, booleans,
    null) as their YAML text, so paths print and look up the way the file wrote them."""
    return value if type(value) in (str, int) else shown(value, 200)


def _flow(value: Any, limit: int, depth: int, quote: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        text = {math.inf: ".inf", -math.inf: "-.inf"}.get(value, repr(value))
        return text.replace("e", ".0e") if "e" in text and "." not in text else text  # YAML floats need a dot
    if isinstance(value, str):
        return _text(value[: limit + 1], quote)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        parts = {"days": value.days, "seconds": value.seconds, "microseconds": value.microseconds}
        return "{" + ", ".join(f"{k}: {v}" for k, v in parts.items() if v) + "}" if value else "{seconds: 0}"
    if isinstance(value, bytes | bytearray):
        return f"!!binary ({len(value)} bytes)"
    if depth >= _MAX_DEPTH:
        return "..."
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            items.append(f"{_flow(key, limit, depth + 1, False)}: {_flow(item, limit, depth + 1, False)}")
            if sum(map(len, items)) > limit:
                break
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        items = []
        for item in sorted(value, key=str) if isinstance(value, set | frozenset) else value:
            items.append(_flow(item, limit, depth + 1, False))
            if sum(map(len, items)) > limit:
                break
        text = "[" + ", ".join(items) + "]"
        return f"!!set {text}" if isinstance(value, set | frozenset) else text
    tag = getattr(value, "tag", None)
    if isinstance(tag, str):  # a YAML node with an explicit tag, kept as a marker by the reader
        return _text(tag.replace("tag:yaml.org,2002:", "!!", 1) if tag.startswith("tag:") else tag, False)
    return f"<{type(value).__name__}>"


def _text(value: str, quote: bool) -> str:
    if not value.isprintable():
        return '"' + "".join(_ESCAPES.get(c) or (c if c.isprintable() else _escape(c)) for c in value) + '"'
    if not quote and _PLAIN_TEXT.fullmatch(value) and value.lower() not in _NOT_PLAIN:
        return value
    return "'" + value.replace("'", "''") + "'"


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def validated(model: type, fields: dict[str, Any], rel: tuple, note: Callable[[tuple, str], None], *,
              keep: tuple[str, ...] = ("dag_id", "id"), nullable: tuple[str, ...] = ("group", "parent")) -> Any:
    """`model(**fields)`, leaving out (with a note showing the value) each field the model refuses; fields in
    `keep` are never left out (their error is raised). None values are dropped except for `nullable` fields."""
    fields = {k: v for k, v in fields.items() if v is not None or k in nullable}
    while True:
        try:
            return model(**fields)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            bad = [e["loc"][0] for e in errors if e["loc"] and e["loc"][0] in fields and e["loc"][0] not in keep]
            if not bad:
                raise
            for key in dict.fromkeys(bad):
                msg = next(e["msg"] for e in errors if e["loc"] and e["loc"][0] == key)
                note((*rel, key), f"{key} ({shown(fields[key])}): {msg}; left out")
                fields.pop(key)

