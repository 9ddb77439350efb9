"""Bounded JSON reading: JSON files are read as JSON (not as YAML, which reads `1e5` as text).

One tokenizing pass runs first and stops at MAX_DEPTH levels or MAX_NODES values, before the json
module builds anything; it also finds duplicate keys, NaN/Infinity (not JSON, though Python's json
module accepts them), integers beyond 64 bits and numbers that overflow to infinity, each with its
line and key path, and records the line of every key path. Problems raise `designer.limits.Refused`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from designer.limits import MAX_DEPTH, MAX_NODES, Refused, float_problem, int_problem, int_text_problem

# A string, a structural character, or a bare word (number, true/false/null, or something invalid).
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_NOT_JSON = {"NaN", "Infinity", "-Infinity"}


def load_json(text: str) -> tuple[Any, dict[tuple, int]]:
    """(document, lines of key paths) of JSON `text`; raises Refused naming the line and key path."""
    lines, problems = _scan(text)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise Refused(f"is not valid JSON: {exc.msg} (column {exc.colno})", (), exc.lineno) from None
    except (ValueError, RecursionError) as exc:  # a number json cannot convert (the scan names it)
        raise (problems[0] if problems else Refused(f"is not valid JSON: {exc}")) from None
    if problems:
        raise problems[0]
    return document, lines


def _scan(text: str) -> tuple[dict[tuple, int], list[Refused]]:
    """Lines of key paths and the value problems found; raises at once for depth and size, which
    protect the json module. Invalid text is scanned too (bounded); json.loads then reports it."""
    lines: dict[tuple, int] = {}
    problems: list[Refused] = []
    stack: list[list[Any]] = []  # per open container: [path, next index (None in an object), keys seen]
    key: str | None = None  # a key read, waiting for its value
    line, last, nodes = 1, 0, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first in ",:":
            continue
        if first in "]}":
            if stack:
                stack.pop()
            key = None
            continue
        start = match.start()
        line += text.count("\n", last, start)
        last = start
        frame = stack[-1] if stack else None
        if frame is not None and frame[1] is None and key is None:  # an object's key
            key = _string(token) if first == '"' else token
            if key in frame[2]:
                problems.append(Refused(f"key {key!r} appears twice (first on line {frame[2][key]})", frame[0], line))
            frame[2][key] = line
            lines[(*frame[0], key)] = line
            continue
        nodes += 1
        if nodes > MAX_NODES:
            raise Refused(f"has more than {MAX_NODES:,} values; that is far more than any design needs", (), line)
        if frame is None:
            path: tuple = ()
        elif frame[1] is None:
            path, key = (*frame[0], key), None
        else:
            path = (*frame[0], frame[1])
            frame[1] += 1
        lines.setdefault(path, line)
        if first in "{[":
            if len(stack) >= MAX_DEPTH:
                raise Refused(f"is nested more than {MAX_DEPTH} levels deep", (), line)
            stack.append([path, None if first == "{" else 0, {}])
        elif first != '"' and (problem := _number_problem(token)):
            problems.append(Refused(problem, path, line))
    return lines, problems


def _string(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    try:
        return json.loads(token)
    except ValueError:
        return token[1:-1]


def _number_problem(token: str) -> str | None:
    """Why a bare JSON word cannot be held as a number, or None (also for words that are no number)."""
    if token in _NOT_JSON:
        return f"{token} is not a JSON number (numbers must be finite)"
    if token[-1:].isdigit() and len(token) >= 16:  # shorter numbers always fit
        if all(ch.isdigit() or ch == "-" for ch in token):
            return int_text_problem(token) or int_problem(int(token))
        try:
            return float_problem(float(token))
        except ValueError:
            return None
    if "e" in token or "E" in token:
        try:
            return float_problem(float(token))
        except ValueError:
            return None
    return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
