"""Walking up the group tree: the one place that follows `parent` links.

A loaded design may name an unknown parent or nest groups in a loop (`a` in `b`, `b` in `a`; rule DD006
reports it). Every walk over parent links goes through `ancestry`, which visits each group at most once,
so a broken design is analysed, edited and drawn without hanging.
"""

from __future__ import annotations

from collections.abc import Mapping


def ancestry(parents: Mapping[str, str | None], start: str | None) -> tuple[str, ...]:
    """`start` and the groups enclosing it, innermost first, each once.

    Parameters
    ----------
    parents : mapping of group id -> parent group id (None at the top level)
    start : a group id, or None for the top level

    Returns
    -------
    The ids from `start` outwards. The walk stops at the top level, at a parent that is not a group,
    or where the chain loops back on itself (the loop's groups are all included, once).

    Examples
    --------
    >>> ancestry({"a": None, "b": "a", "c": "b"}, "c")
    ('c', 'b', 'a')
    >>> ancestry({"a": "b", "b": "a"}, "a")
    ('a', 'b')
    >>> ancestry({"a": "missing"}, "a"), ancestry({}, None)
    (('a',), ())
    """
    seen: dict[str, None] = {}
    current = start
    while current is not None and current in parents and current not in seen:
        seen[current] = None
        current = parents[current]
    return tuple(seen)


def parent_loop(parents: Mapping[str, str | None], start: str | None) -> tuple[str, ...]:
    """The groups of the loop that `start`'s parent chain runs into, in parent order, or () when the
    chain reaches the top level.

    Examples
    --------
    >>> parent_loop({"a": "b", "b": "c", "c": "b"}, "a")
    ('b', 'c')
    >>> parent_loop({"a": None, "b": "a"}, "b")
    ()
    """
    chain = ancestry(parents, start)
    if not chain:
        return ()
    closing = parents[chain[-1]]
    return chain[chain.index(closing):] if closing in chain else ()


def parents_of(groups) -> dict[str, str | None]:
    """group id -> parent id for an iterable of groups (the first of a duplicated id wins, as in
    `designer.ids.Namespace`)."""
    parents: dict[str, str | None] = {}
    for group in groups:
        parents.setdefault(group.id, group.parent)
    return parents
