"""Turn one canvas edit op into a new Design. Pure: no Streamlit import.

`apply_edit(design, op)` never raises for a bad op: ops come from the browser, so anything malformed,
unknown or refused (an unknown id, a self loop, a group dropped into its own subgroup) returns the
design unchanged -- the canvas then redraws from the design, which undoes its local change. The
actual model changes are the core's pure edits in `designer.edits`; this module only validates the
op's shape and maps it onto them. Ops (see the data contract in `designer.ui.canvas`):

- `{"op": "connect", "upstream", "downstream", "label"?}` adds an edge unless it is already there.
  Self loops are refused; cycles are allowed (the analysis reports them).
- `{"op": "move", "positions": {id: {"x", "y"}}}` records positions of tasks and groups.
- `{"op": "reparent", "id", "group": id | None}` moves a task or a group into a group (None: top level).
- `{"op": "delete", "ids": [...], "edges": [{"upstream", "downstream"}]?}` removes tasks and groups
  (a deleted group's members move to its parent) with every edge touching them, then the listed edges.
- `{"op": "add_task", "id", "operator"?, "group"?, "position"?}` adds a task; a taken id gets a suffix.
- `{"op": "select", ...}` and `{"op": "toggle_collapse", ...}` are view state: the design is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from designer import edits
from designer.group_tree import parent_loop, parents_of
from designer.ids import local_id_problem
from designer.model import Design, Position, Task

VIEW_OPS = frozenset({"select", "toggle_collapse"})


def apply_edit(design: Design, op: Mapping[str, Any]) -> Design:
    """The design after `op`, or `design` itself when the op changes nothing or is refused."""
    if not isinstance(op, Mapping):
        return design
    handler = _HANDLERS.get(op.get("op"))  # type: ignore[arg-type]
    if handler is None:
        return design
    try:
        new = handler(design, op)
    except (edits.EditError, ValueError, TypeError, KeyError):
        return design  # pydantic's ValidationError is a ValueError
    return design if new == design else new


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, Mapping):
        return None
    x, y = value.get("x"), value.get("y")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
        return None
    return float(x), float(y)


def _parent_cycle(design: Design, group_ids: list[str]) -> bool:
    """True when the parent chain of any of `group_ids` loops (a broken design still loads)."""
    parents = parents_of(design.groups)
    return any(parent_loop(parents, start) for start in group_ids)


def _connect(design: Design, op: Mapping[str, Any]) -> Design:
    upstream, downstream = _str(op.get("upstream")), _str(op.get("downstream"))
    if upstream is None or downstream is None or upstream == downstream:
        return design
    label = op.get("label") if isinstance(op.get("label"), str) else None
    return edits.connect(design, upstream, downstream, label)


def _move(design: Design, op: Mapping[str, Any]) -> Design:
    raw = op.get("positions")
    if not isinstance(raw, Mapping):
        return design
    points = {key: p for key, value in raw.items() if isinstance(key, str) and (p := _point(value)) is not None}
    return edits.set_positions(design, points) if points else design


def _reparent(design: Design, op: Mapping[str, Any]) -> Design:
    item = _str(op.get("id"))
    group = op.get("group")
    if item is None or (group is not None and _str(group) is None):
        return design
    if group is not None and _parent_cycle(design, [group]):
        return design  # designer.edits walks the parent chain and would not stop
    return edits.move_to_group(design, item, group)


def _delete(design: Design, op: Mapping[str, Any]) -> Design:
    ids = op.get("ids") or []
    doomed = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
    if _parent_cycle(design, doomed):
        return design  # designer.edits walks the parent chain and would not stop
    new = edits.remove(design, doomed) if doomed else design
    pairs = op.get("edges") or []
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, Mapping) and (u := _str(pair.get("upstream"))) and (d := _str(pair.get("downstream"))):
            new = edits.disconnect(new, u, d)
    return new


def _add_task(design: Design, op: Mapping[str, Any]) -> Design:
    wanted = _str(op.get("id")) or "task"
    if local_id_problem(wanted):
        wanted = "task"
    group = _str(op.get("group"))
    if group is not None and group not in {g.id for g in design.groups}:
        group = None
    point = _point(op.get("position"))
    task = Task(
        id=edits.unique_id(design, wanted),
        operator=_str(op.get("operator")) or "empty",
        group=group,
        position=Position(x=point[0], y=point[1]) if point else None,
    )
    return edits.add_task(design, task)


_HANDLERS: dict[str, Callable[[Design, Mapping[str, Any]], Design]] = {
    "connect": _connect,
    "move": _move,
    "reparent": _reparent,
    "delete": _delete,
    "add_task": _add_task,
    **{name: (lambda design, _op: design) for name in VIEW_OPS},
}
