"""Structural diff of two designs: what was added, removed or changed, down to the exact key.

`diff_designs(old, new)` compares DAG settings, lint settings, groups, tasks and edges:

- Tasks and groups match by id, so a rename is a removal plus an addition (and so are the edges
  that name it). Edges match by (upstream, downstream); a new label is a change of the edge.
- Order is not compared: two files listing the same tasks, groups or edges in another order (or
  with their keys in another order, or in YAML instead of JSON) are equal.
- Layout is not compared: `position` of tasks and groups is ignored. `estimated_duration` is
  compared, because it is design data (it drives the critical path and the simulated run).
- Changes are named at field level, and mappings (args, params, default_args, overrides, mapping
  expand, ...) are followed key by key, so a change names the exact key: ("args", "env", "HOME").
  Lists (tags, branches, literal mapping values) are compared whole.
- Values compare as they are written to a file: 1, 1.0 and true are different values.

The result is deterministic: DAG settings (in model field order), lint settings, then groups, tasks
and edges, each sorted by id ((upstream, downstream) for edges), each item's changes in field order.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel

from designer.analysis.findings import KeyPath, format_location
from designer.model import Design

Kind = Literal["added", "removed", "changed"]
What = Literal["dag", "lint", "group", "task", "edge"]
LAYOUT_FIELDS = frozenset({"position"})
BRIEF_CHARS = 60

_LABELS: dict[str, str] = {"dag": "DAG", "lint": "lint settings"}


@dataclass(frozen=True)
class Change:
    """One difference.

    `what` is the kind of item and `subject` its id: a task or group id, `up >> down` for an edge
    (whose ends are also in `ends`), None for DAG and lint settings. `path` is the key path inside
    the item, `()` when the whole item was added or removed. `kind` says what happened at `path`:
    "added" or "removed" for a whole item or a mapping key found on one side only, else "changed".
    `old` and `new` are plain JSON data, None on the missing side; a whole item is shown as a design
    file holds it (defaults left out).
    """

    kind: Kind
    what: What
    subject: str | None
    path: KeyPath
    old: Any = None
    new: Any = None
    ends: tuple[str, str] | None = None  # an edge's (upstream, downstream)

    @property
    def message(self) -> str:
        """One line for people, values shown briefly as JSON (truncated)."""
        if self.what in _LABELS:
            head = _LABELS[self.what]
        else:
            head = f"{self.what} {_printable(self.subject or '')}"
        if not self.path:
            return f"{head} {self.kind}"
        where = f"{head}: {format_location(self.path)}"
        if self.kind == "added":
            return f"{where} added: {brief(self.new)}"
        if self.kind == "removed":
            return f"{where} removed (was {brief(self.old)})"
        return f"{where} changed from {brief(self.old)} to {brief(self.new)}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "what": self.what, "subject": self.subject, "path": list(self.path),
                "old": self.old, "new": self.new, "message": self.message}


@dataclass(frozen=True)
class DesignDiff:
    changes: tuple[Change, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def marks(self) -> dict[str, dict[str, Kind]]:
        """How the canvas marks items: {"tasks": {id: kind}, "groups": {id: kind}, "edges": {"up>down": kind}}.

        "added" items exist only in the new design and "removed" items only in the old one (draw the
        old design, or ghosts, to show them); "changed" items exist in both. An item that is both
        removed and added (a duplicated id in a half-drawn design) is marked "changed"."""
        out: dict[str, dict[str, Kind]] = {"tasks": {}, "groups": {}, "edges": {}}
        for change in self.changes:
            if change.what not in ("task", "group", "edge"):
                continue
            kind: Kind = change.kind if not change.path else "changed"
            table = out[f"{change.what}s"]
            key = f"{change.ends[0]}>{change.ends[1]}" if change.ends else change.subject
            table[key] = kind if table.get(key, kind) == kind else "changed"
        return out

    def summary(self) -> dict[str, Any]:
        """Counts: {"changes": n, "dag": n, "lint": n, "tasks"|"groups"|"edges": {"added": n, "removed": n,
        "changed": n}}. "dag" and "lint" count changed settings; items are counted once each."""
        marks = self.marks()
        out: dict[str, Any] = {"changes": len(self.changes),
                               "dag": sum(c.what == "dag" for c in self.changes),
                               "lint": sum(c.what == "lint" for c in self.changes)}
        for what in ("groups", "tasks", "edges"):
            counts = Counter(marks[what].values())
            out[what] = {kind: counts[kind] for kind in ("added", "removed", "changed")}
        return out

    def as_dict(self) -> dict[str, Any]:
        """{"equal": bool, "summary": summary(), "changes": [Change.as_dict(), ...]} (JSON-able)."""
        return {"equal": self.is_empty, "summary": self.summary(), "changes": [c.as_dict() for c in self.changes]}


def diff_designs(old: Design, new: Design) -> DesignDiff:
    """Every difference between `old` and `new` (see the module docstring for what is compared)."""
    changes: list[Change] = []
    _diff_model("dag", None, old.dag, new.dag, changes)
    _diff_model("lint", None, old.lint, new.lint, changes)
    _diff_items("group", old.groups, new.groups, lambda g: g.id, changes)
    _diff_items("task", old.tasks, new.tasks, lambda t: t.id, changes)
    _diff_items("edge", old.edges, new.edges, lambda e: (e.upstream, e.downstream), changes)
    return DesignDiff(tuple(changes))


def summary_line(result: DesignDiff) -> str:
    """`equal (...)`, or the counts: `different: 2 DAG settings changed; tasks: 1 added, 3 changed (6 changes)`."""
    if result.is_empty:
        return "equal (positions and order ignored)"
    counts = result.summary()
    parts = [f"{counts[what]} {label} setting{'s' * (counts[what] != 1)} changed"
             for what, label in (("dag", "DAG"), ("lint", "lint")) if counts[what]]
    for what in ("groups", "tasks", "edges"):
        kinds = ", ".join(f"{n} {kind}" for kind, n in counts[what].items() if n)
        if kinds:
            parts.append(f"{what}: {kinds}")
    return f"different: {'; '.join(parts)} ({counts['changes']} changes)"


HEADINGS: dict[What, str] = {"dag": "DAG settings", "lint": "Lint settings", "group": "Groups", "task": "Tasks",
                             "edge": "Edges"}


def grouped_messages(result: DesignDiff) -> list[tuple[str, list[str]]]:
    """The change lines under their heading (HEADINGS), in the order `diff` prints them; no empty group."""
    groups: dict[str, list[str]] = {}
    for change in result.changes:
        groups.setdefault(HEADINGS[change.what], []).append(change.message)
    return list(groups.items())


def brief(value: Any) -> str:
    """`value` as one line of JSON, at most BRIEF_CHARS characters, unprintable characters escaped."""
    text = _printable(json.dumps(value, ensure_ascii=False, default=str), quote=False)
    return text if len(text) <= BRIEF_CHARS else text[: BRIEF_CHARS - 1] + "…"


def _printable(text: str, quote: bool = True) -> str:
    """`text` when every character is printable; else (quoted, when `quote`) with the others escaped,
    so no line break or terminal control reaches the output."""
    if text.isprintable():
        return text
    escaped = "".join(ch if ch.isprintable() else json.dumps(ch)[1:-1] for ch in text)
    return f'"{escaped}"' if quote else escaped


def _diff_items(what: What, old: Sequence[BaseModel], new: Sequence[BaseModel], key: Callable[[Any], Hashable],
                out: list[Change]) -> None:
    old_by, new_by = _index(old, key), _index(new, key)
    for k in sorted(old_by.keys() | new_by.keys()):
        subject = f"{k[0]} >> {k[1]}" if what == "edge" else k
        pairs, removed, added = _match(old_by.get(k, []), new_by.get(k, []))
        start = len(out)
        out.extend(Change("removed", what, subject, (), old=_written(item)) for item in removed)
        out.extend(Change("added", what, subject, (), new=_written(item)) for item in added)
        for before, after in pairs:
            _diff_model(what, subject, before, after, out)
        if what == "edge":
            out[start:] = [replace(change, ends=k) for change in out[start:]]


def _index(items: Iterable[BaseModel], key: Callable[[Any], Hashable]) -> dict[Hashable, list[BaseModel]]:
    by: dict[Hashable, list[BaseModel]] = defaultdict(list)
    for item in items:
        by[key(item)].append(item)
    return by


def _match(old: list[BaseModel], new: list[BaseModel]) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """(pairs to compare, removed, added) for the items sharing one key. Usually one each; a half-drawn
    design may repeat an id or edge, and then equal items pair first and the rest pair in file order."""
    if len(old) == 1 and len(new) == 1:
        return [(old[0], new[0])], [], []
    unmatched_new = list(new)
    unmatched_old = []
    for item in old:
        twin = next((i for i, other in enumerate(unmatched_new) if _same(item, other)), None)
        if twin is None:
            unmatched_old.append(item)
        else:
            unmatched_new.pop(twin)
    pairs = list(zip(unmatched_old, unmatched_new, strict=False))
    return pairs, unmatched_old[len(pairs):], unmatched_new[len(pairs):]


def _written(item: BaseModel) -> dict[str, Any]:
    """An item as a design file holds it: defaults and layout left out."""
    return item.model_dump(mode="json", exclude=set(LAYOUT_FIELDS & type(item).model_fields.keys()),
                           exclude_defaults=True)


def _diff_model(what: What, subject: str | None, old: BaseModel, new: BaseModel, out: list[Change]) -> None:
    if old is new:
        return
    fields = [f for f in type(old).model_fields if f not in LAYOUT_FIELDS and not _same(getattr(old, f),
                                                                                           getattr(new, f))]
    if not fields:
        return
    before, after = old.model_dump(mode="json", include=set(fields)), new.model_dump(mode="json", include=set(fields))
    for name in fields:
        count = len(out)
        _diff_values(what, subject, (name,), before[name], after[name], out)
        if len(out) == count:  # different in the model, equal once written (NaN and null): still a change
            out.append(Change("changed", what, subject, (name,), before[name], after[name]))


def _diff_values(what: What, subject: str | None, path: KeyPath, old: Any, new: Any, out: list[Change]) -> None:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key, value in old.items():
            if key not in new:
                out.append(Change("removed", what, subject, (*path, key), old=value))
            else:
                _diff_values(what, subject, (*path, key), value, new[key], out)
        out.extend(Change("added", what, subject, (*path, key), new=value)
                   for key, value in new.items() if key not in old)
    elif not _same(old, new):
        out.append(Change("changed", what, subject, path, old, new))


def _same(a: Any, b: Any) -> bool:
    """Equal as written to a file, ignoring layout: unlike ==, 1, 1.0 and True differ and NaN equals NaN."""
    if a is b:
        return True
    if isinstance(a, BaseModel) or isinstance(b, BaseModel):
        return type(a) is type(b) and all(_same(getattr(a, f), getattr(b, f))
                                          for f in type(a).model_fields if f not in LAYOUT_FIELDS)
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return (isinstance(a, Mapping) and isinstance(b, Mapping) and a.keys() == b.keys()
                and all(_same(v, b[k]) for k, v in a.items()))
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return (isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b)
                and all(map(_same, a, b)))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if a != b:
        return False
    return type(a) is type(b) or not isinstance(a, int | float) and not isinstance(b, int | float)

