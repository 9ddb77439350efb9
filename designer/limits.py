"""Bounds on what any input may make the designer do, and the checks on single values they share.

Every reader (design files, uploads, the dag-factory importer, form text) stops at these bounds
before the work an input causes: bytes are capped before they are read, YAML/JSON nodes and nesting
while the text is parsed, numbers before they are converted. The model holds the bounds on what a
design expands to (fan-out copies, mapped instances, copied text); see designer/model.py.
"""

from __future__ import annotations

import math

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
# Scalars + collections in one document, an alias counting as every node it stands for. A 5,000-task
# design is about 95k nodes, a 10,000-task one 190k. PyYAML keeps two marks per composed node, so a
# document of 250k nodes peaks near 250 MB while it is read (bench/inputs.py measures it).
MAX_NODES = 250_000
# How long a pipe or device may stay silent before reading it gives up (a FIFO with no writer).
READ_IDLE_SECONDS = 10.0

INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)
# Longest integer text converted at all (Python refuses over 4,300 digits, and conversion is quadratic).
_MAX_INT_TEXT = 100


class Refused(Exception):
    """An input a reader will not take: `message` about `path` (a key path) at `line` (1-based).
    `design_rule` marks what only design files refuse (aliases, keys that are not strings)."""

    def __init__(self, message: str, path: tuple = (), line: int | None = None, design_rule: bool = False) -> None:
        super().__init__(message)
        self.message, self.path, self.line, self.design_rule = message, path, line, design_rule


def int_text_problem(text: str) -> str | None:
    """Why the integer written as `text` is not even converted (far longer than any 64-bit integer), or None."""
    if len(text) > _MAX_INT_TEXT:
        return f"is a number of {len(text)} characters; integers must fit in 64 bits"
    return None


def int_problem(value: int) -> str | None:
    """Why `value` cannot be stored (outside 64-bit signed), or None."""
    if not INT64[0] <= value <= INT64[1]:
        return f"{_short(value)} does not fit in 64 bits (integers are limited to {INT64[0]} .. {INT64[1]})"
    return None


def float_problem(value: float) -> str | None:
    """Why `value` cannot be stored (not finite: NaN, infinity, or too large for a float), or None."""
    if not math.isfinite(value):
        return f"{value} is not a finite number (NaN and infinity are not allowed; huge numbers overflow)"
    return None


def _short(value: int) -> str:
    if value.bit_length() <= 100:
        return str(value)
    return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"  # str() could refuse it
