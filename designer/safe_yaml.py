"""Bounded YAML reading: a streaming pass over libyaml's events, then composing and building.

The event pass runs before anything is built and stops at the first bound crossed: more than
MAX_NODES nodes (an alias counts as every node of what it names, so an alias bomb is refused after a
few hundred events), nesting deeper than MAX_DEPTH (through aliases too), an alias into a collection
that is still open (a recursive structure), or any alias at all unless the caller allows them.
The composed nodes are then walked once: lines of key paths, duplicate keys (by resolved value, so
`yes:` and `true:` are one key), keys that are not strings (when required), and integers, floats and
timestamps checked before they are converted. Problems raise `designer.limits.Refused`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

from designer.limits import MAX_DEPTH, MAX_NODES, Refused, float_problem, int_problem, int_text_problem

TAG = "tag:yaml.org,2002:"
STR, MERGE = TAG + "str", TAG + "merge"
_KINDS = {TAG + "int": "an integer", TAG + "float": "a number", TAG + "bool": "a boolean",
          TAG + "null": "null", TAG + "timestamp": "a date", MERGE: "a merge key"}
_VALUES = yaml.constructor.SafeConstructor()  # converts single scalars for the checks (no state kept)


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: building 100k+ acyclic objects otherwise triggers full
    collections over and over (a 3 MB design: 5 s with it, 1.4 s without)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_events(text: str, aliases: bool) -> None:
    """The bounds above, checked while streaming events (nothing is composed or kept)."""
    nodes = 0
    # One entry per open collection: [anchor, node count at its start, its level, deepest level inside].
    open_: list[list[Any]] = []
    # anchor -> (nodes, collection levels) of what it names
    named: dict[str, tuple[int, int]] = {}
    for event in yaml.parse(text, Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):
        kind = type(event)
        if kind is ScalarEvent:
            nodes += 1
            if event.anchor is not None:
                named[event.anchor] = (1, 0)
        elif isinstance(event, CollectionStartEvent):
            nodes += 1
            level = len(open_) + 1
            if level > MAX_DEPTH:
                raise Refused(f"is nested more than {MAX_DEPTH} levels deep", (), event.start_mark.line + 1)
            open_.append([event.anchor, nodes, level, level])
        elif isinstance(event, CollectionEndEvent):
            anchor, start, level, deepest = open_.pop()
            if anchor is not None:
                named[anchor] = (nodes - start + 1, deepest - level + 1)
            if open_ and deepest > open_[-1][3]:
                open_[-1][3] = deepest
        elif kind is AliasEvent:
            line = event.start_mark.line + 1
            if not aliases:
                raise Refused("YAML aliases (*name) are not allowed", (), line, design_rule=True)
            if any(frame[0] == event.anchor for frame in open_):
                raise Refused(f"alias *{event.anchor} refers to a collection that contains it", (), line)
            size, levels = named.get(event.anchor, (0, 0))  # an unknown anchor: the composer says so
            nodes += size
            deepest = len(open_) + levels
            if deepest > MAX_DEPTH:
                raise Refused(f"alias *{event.anchor} makes the document nested more than {MAX_DEPTH} levels deep",
                              (), line)
            if open_ and deepest > open_[-1][3]:
                open_[-1][3] = deepest
        else:
            continue
        if nodes > MAX_NODES:
            raise Refused(f"has more than {MAX_NODES:,} values (YAML nodes, aliases expanded); "
                          "that is far more than any design needs", (), event.start_mark.line + 1)


def index_nodes(root: yaml.Node, string_keys: bool, aliases: bool) -> dict[tuple, int]:
    """Lines (1-based) of every key path under `root`, after the checks in the module docstring.
    A node reached again through an alias is not walked twice (its paths keep the alias's line)."""
    lines: dict[tuple, int] = {}
    walked: set[int] | None = set() if aliases else None

    def walk(node: yaml.Node, path: tuple) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _CHECKS:
                if problem := _CHECKS[node.tag](node):
                    raise Refused(problem, path, node.start_mark.line + 1)
            return
        if walked is not None:
            if id(node) in walked:
                return
            walked.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))
            return
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = _key(key_node, path, line, string_keys)
            if key_node.tag != MERGE:  # keys equal in a Python dict (1, 1.0, True) are one key
                if key in seen:
                    raise Refused(f"key {key!r} appears twice (first on line {seen[key]})", path, line)
                seen[key] = line
            walk(value_node, (*path, key))
            lines[(*path, key)] = line

    walk(root, ())
    return lines


def _key(node: yaml.Node, path: tuple, line: int, string_keys: bool) -> Any:
    """The key path element for a mapping key node (its text, or its value when it is not a string)."""
    if node.tag == STR:
        return node.value
    if not isinstance(node, yaml.ScalarNode):
        raise Refused("a mapping key must be a plain value, not a list or mapping", path, line)
    if string_keys:
        kind = _KINDS.get(node.tag, f"tagged {node.tag}")
        raise Refused(f"key {node.value or '~'!r} is read as {kind}, not as text; keys must be strings "
                      f"(quote it: '{node.value}')", (*path, node.value), line, design_rule=True)
    if node.tag == MERGE:
        return "<<"
    if node.tag in _CHECKS and (problem := _CHECKS[node.tag](node)):
        raise Refused(problem, (*path, node.value), line)
    try:
        key = _VALUES.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError):
        return node.value  # a tag the safe loader does not know: the loader reports or marks it
    finally:
        _VALUES.constructed_objects.clear()
    return key if isinstance(key, str | int | float | bool | type(None)) else node.value


def _int_check(node: yaml.ScalarNode) -> str | None:
    if problem := int_text_problem(node.value):
        return problem
    try:
        return int_problem(_VALUES.construct_yaml_int(node))
    except ValueError:  # an explicit !!int on text that is no integer
        return f"{node.value!r} is not an integer"


def _float_check(node: yaml.ScalarNode) -> str | None:
    try:
        value = _VALUES.construct_yaml_float(node)
    except ValueError:  # an explicit !!float on text that is no number
        return f"{node.value!r} is not a number"
    return float_problem(value)


def _timestamp_check(node: yaml.ScalarNode) -> str | None:
    try:
        _VALUES.construct_yaml_timestamp(node)
    except (ValueError, OverflowError, TypeError) as exc:
        return f"{node.value!r} is not a valid date or time ({exc})"
    return None


_CHECKS = {TAG + "int": _int_check, TAG + "float": _float_check, TAG + "timestamp": _timestamp_check}
