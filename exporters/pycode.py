"""A tiny Python code builder whose output is already `ruff format`-stable (line length 88).

Code is built from expression nodes; user values enter only through `lit()`, which renders str,
int, float, bool, None and lists/tuples/dicts of them as literals and refuses anything else.
Layout follows ruff's rules for the shapes we emit: a node stays on one line when it fits, else a
call or collection is exploded one item per line with a magic trailing comma (so ruff keeps it),
and a binary chain is parenthesized with one operand per line. Lines that still exceed the limit
(a long string or id) get `# noqa: E501`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass

LINE_LENGTH = 88
INDENT = "    "


class LiteralError(ValueError):
    """A value that cannot be written as a Python literal."""


class Expr(ABC):
    """A piece of generated Python that knows its one-line form and, where it can, a multi-line one."""

    @abstractmethod
    def flat(self) -> str:
        """The expression on one line."""

    def split(self, indent: int, head: str, tail: str, stmt: bool) -> list[str] | None:
        """Multi-line layout, or None when the node cannot be split."""
        return None


@dataclass(frozen=True)
class Raw(Expr):
    """Code decided by the generator (names, attribute chains); never user text."""

    text: str

    def flat(self) -> str:
        return self.text


@dataclass(frozen=True)
class Str(Expr):
    value: str

    def flat(self) -> str:
        return quote(self.value)

    def split(self, indent, head, tail, stmt):
        # Multi-line text goes in parentheses: joined when that fits (ruff joins implicit concatenation
        # that fits), else one source line per text line.
        parts = [part for part in re.split(r"(?<=\n)", self.value) if part]
        if len(parts) < 2 or stmt or not head.endswith("="):
            return None  # only as a keyword argument: elsewhere ruff lays it out differently
        pad = " " * indent
        joined = f"{pad}{INDENT}{quote(self.value)}"
        inner = [joined] if width(joined) <= LINE_LENGTH else [f"{pad}{INDENT}{quote(p)}" for p in parts]
        return [f"{pad}{head}(", *inner, f"{pad}){tail}"]


@dataclass(frozen=True)
class Seq(Expr):
    """A list, tuple or dict display, or a call's argument list (`opener` holds `func(`)."""

    opener: str
    items: tuple[tuple[str, Expr], ...]  # (prefix such as "key=" or '"k": ', value)
    closer: str
    tuple_display: bool = False

    def flat(self) -> str:
        inner = ", ".join(prefix + value.flat() for prefix, value in self.items)
        if self.tuple_display and len(self.items) == 1:
            inner += ","
        return f"{self.opener}{inner}{self.closer}"

    def split(self, indent, head, tail, stmt):
        if not self.items:
            return None
        pad = " " * indent
        lines = [f"{pad}{head}{self.opener}"]
        for prefix, value in self.items:
            lines += layout(value, indent + 4, prefix, ",")
        lines.append(f"{pad}{self.closer}{tail}")
        return lines


@dataclass(frozen=True)
class Chain(Expr):
    """`inner_call.method(args)`: the inner call splits first, as ruff does for `.partial().expand()`."""

    inner: Seq
    method: str
    args: Seq

    def flat(self) -> str:
        return f"{self.inner.flat()}.{self.method}{self.args.flat()}"

    def split(self, indent, head, tail, stmt):
        first = self.inner.split(indent, head, "", stmt)
        rest = layout(self.args, indent, f"{self.inner.closer}.{self.method}", tail)
        return first[:-1] + rest


@dataclass(frozen=True)
class BinOp(Expr):
    op: str
    operands: tuple[Expr, ...]
    parens: bool = False  # an operand of another chain: `a | (b & c)`

    def flat(self) -> str:
        text = f" {self.op} ".join(o.flat() for o in self.operands)
        return f"({text})" if self.parens else text

    def split(self, indent, head, tail, stmt):
        pad = " " * indent
        inner_pad = pad + INDENT
        one_line = f"{inner_pad}{f' {self.op} '.join(o.flat() for o in self.operands)}"
        # Inside an argument list ruff keeps a fitting chain on one line within the parentheses;
        # as a statement it always puts one operand per line.
        if not stmt and width(one_line) <= LINE_LENGTH:
            body = [one_line]
        else:
            body = layout(self.operands[0], indent + 4, "", "")
            for operand in self.operands[1:]:
                body += layout(operand, indent + 4, f"{self.op} ", "")
        return [f"{pad}{head}(", *body, f"{pad}){tail}"]


def call(func: str, *args: Expr, **kwargs: Expr) -> Seq:
    """`func(*args, **kwargs)`; keyword names are the generator's, never user text."""
    items = [("", a) for a in args] + [(f"{k}=", v) for k, v in kwargs.items()]
    return Seq(f"{func}(", tuple(items), ")")


def call_kw(func: str, args: list[Expr], kwargs: list[tuple[str, Expr]]) -> Seq:
    """Like `call`, for keyword names computed at run time (already checked to be identifiers)."""
    items = [("", a) for a in args] + [(f"{k}=", v) for k, v in kwargs]
    return Seq(f"{func}(", tuple(items), ")")


def list_of(items: list[Expr]) -> Seq:
    return Seq("[", tuple(("", i) for i in items), "]")


def lit(value: object, path: str = "value") -> Expr:
    """`value` as a literal expression; LiteralError (naming `path`) for anything that is not data."""
    if value is None or isinstance(value, bool):
        return Raw(repr(value))
    # The base types' own repr: a subclass cannot smuggle code in through an overridden __repr__.
    if isinstance(value, int):
        return Raw(int.__repr__(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LiteralError(f"{path}: {float.__repr__(value)} is not a finite number")
        return Raw(float.__repr__(value).replace("e+", "e"))  # ruff writes 1e16, not 1e+16
    if isinstance(value, str):
        return Str(str.__str__(value))
    if isinstance(value, list | tuple):
        items = tuple(("", lit(v, f"{path}[{i}]")) for i, v in enumerate(value))
        if isinstance(value, tuple):
            return Seq("(", items, ")", tuple_display=True)
        return Seq("[", items, "]")
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            if not (key is None or isinstance(key, str | int | float | bool)):
                raise LiteralError(f"{path}: key {key!r} is not a string or number")
            pairs.append((lit(key, path).flat() + ": ", lit(item, f"{path}[{key!r}]")))
        return Seq("{", tuple(pairs), "}")
    raise LiteralError(f"{path}: {type(value).__name__} values cannot be exported ({value!r:.40})")


def timedelta_expr(value: dt.timedelta) -> Expr:
    """`dt.timedelta(hours=1, minutes=30)`: the largest units, only the non-zero ones."""
    sign = -1 if value < dt.timedelta(0) else 1
    rest = abs(value)
    parts = {"days": rest.days, "hours": rest.seconds // 3600, "minutes": rest.seconds % 3600 // 60,
             "seconds": rest.seconds % 60, "microseconds": rest.microseconds}
    kwargs = {k: Raw(str(sign * v)) for k, v in parts.items() if v}
    return call("dt.timedelta", **kwargs) if kwargs else call("dt.timedelta", Raw("0"))


def datetime_expr(value: dt.datetime) -> Expr:
    """`dt.datetime(2024, 1, 1)` (trailing zero fields dropped), with a fixed-offset tzinfo if aware."""
    fields = [value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond]
    while len(fields) > 3 and fields[-1] == 0:
        fields.pop()
    kwargs = {}
    if value.tzinfo is not None:
        offset = value.utcoffset() or dt.timedelta(0)
        kwargs["tzinfo"] = Raw("dt.timezone.utc") if not offset else call("dt.timezone", timedelta_expr(offset))
    return call("dt.datetime", *(Raw(str(f)) for f in fields), **kwargs)


def quote(text: str) -> str:
    """A string literal as ruff writes it: double quotes unless the text has more of them."""
    q = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for ch in text:
        if ch == "\\" or ch == q:
            out.append("\\" + ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable():
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return q + "".join(out) + q


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def width(line: str) -> int:
    """Display width as ruff counts it (East Asian wide characters count twice)."""
    if line.isascii():
        return len(line)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in line)


def layout(expr: Expr, indent: int, head: str = "", tail: str = "", stmt: bool = False) -> list[str]:
    """Lines for `head + expr + tail` at `indent`: one line when it fits, else the node's split."""
    line = f"{' ' * indent}{head}{expr.flat()}{tail}"
    if width(line) <= LINE_LENGTH:
        return [line]
    return expr.split(indent, head, tail, stmt) or [line]


class Writer:
    """Lines of a module plus the `# noqa` codes each needs (kept apart from the code text)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.noqa: dict[int, set[str]] = {}
        self.markers: list[tuple[str, str]] = []  # (code text, noqa code) for every line holding the text

    def add(self, lines: list[str], noqa_first: str | None = None) -> None:
        if noqa_first:
            self.noqa.setdefault(len(self.lines), set()).add(noqa_first)
        self.lines.extend(lines)

    def stmt(self, expr: Expr, indent: int, head: str = "", tail: str = "", noqa: str | None = None) -> None:
        self.add(layout(expr, indent, head, tail, stmt=True), noqa)

    def text(self) -> str:
        """The module text; lines over the limit get `# noqa: E501`."""
        out = []
        for i, line in enumerate(self.lines):
            codes = set(self.noqa.get(i, ()))
            codes.update(code for text, code in self.markers if text in line)
            if width(line) > LINE_LENGTH:
                codes.add("E501")
            out.append(f"{line}  # noqa: {', '.join(sorted(codes))}" if codes else line)
        return "\n".join(out) + "\n"
