"""Pure edits: each takes a design and returns a new one (the old value is untouched, so undo is free).

Edits refuse what would corrupt the design's shape (an id already taken, a group nested in its own
descendant) with an `EditError`; everything else, even a cycle, is allowed and left to the lint rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from designer.group_tree import ancestry, parents_of
from designer.ids import local_id_problem, task_id_problem
from designer.model import Design, DynamicMapping, Edge, Group, Position, Task, UpstreamOutput


class EditError(ValueError):
    """An edit that cannot be applied; the message says why."""


def all_ids(design: Design) -> set[str]:
    return {t.id for t in design.tasks} | {g.id for g in design.groups}


def unique_id(design: Design, wanted: str) -> str:
    """`wanted`, or `wanted_2`, `wanted_3`, ... whichever is free."""
    taken = all_ids(design)
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}_{n}"
    return candidate


def _check_new_id(design: Design, new_id: str, kind: str) -> None:
    if problem := (task_id_problem if kind == "task" else local_id_problem)(new_id):
        raise EditError(f"id {new_id!r} {problem}")
    if new_id in all_ids(design):
        raise EditError(f"id {new_id!r} is already used by a task or group")


def add_task(design: Design, task: Task) -> Design:
    _check_new_id(design, task.id, "task")
    if task.group is not None and task.group not in {g.id for g in design.groups}:
        raise EditError(f"group {task.group!r} does not exist")
    return design.model_copy(update={"tasks": (*design.tasks, task)})


def add_group(design: Design, group: Group) -> Design:
    _check_new_id(design, group.id, "group")
    if group.parent is not None and group.parent not in {g.id for g in design.groups}:
        raise EditError(f"group {group.parent!r} does not exist")
    return design.model_copy(update={"groups": (*design.groups, group)})


def connect(design: Design, upstream: str, downstream: str, label: str | None = None) -> Design:
    """Add `upstream >> downstream` unless it is already there."""
    known = all_ids(design)
    for end in (upstream, downstream):
        if end not in known:
            raise EditError(f"{end!r} is not a task or group")
    if any(e.upstream == upstream and e.downstream == downstream for e in design.edges):
        return design
    return design.model_copy(update={"edges": (*design.edges, Edge(upstream=upstream, downstream=downstream,
                                                                    label=label))})


def disconnect(design: Design, upstream: str, downstream: str) -> Design:
    edges = tuple(e for e in design.edges if not (e.upstream == upstream and e.downstream == downstream))
    return design.model_copy(update={"edges": edges})


def update_task(design: Design, task_id: str, /, **changes: Any) -> Design:
    """Change fields of one task (validated as a whole new Task)."""
    if "id" in changes:
        raise EditError("use rename() to change an id")
    return _replace(design, "tasks", task_id, changes)


def update_group(design: Design, group_id: str, /, **changes: Any) -> Design:
    if "id" in changes:
        raise EditError("use rename() to change an id")
    if "parent" in changes:
        return move_to_group(_replace(design, "groups", group_id, {k: v for k, v in changes.items()
                                                                      if k != "parent"}),
                             group_id, changes["parent"])
    return _replace(design, "groups", group_id, changes)


def update_dag(design: Design, **changes: Any) -> Design:
    dag = type(design.dag).model_validate({**design.dag.model_dump(), **changes})
    return design.model_copy(update={"dag": dag})


def _replace(design: Design, kind: str, item_id: str, changes: Mapping[str, Any]) -> Design:
    items = getattr(design, kind)
    if not any(item.id == item_id for item in items):
        raise EditError(f"{kind[:-1]} {item_id!r} does not exist")
    new = tuple(
        type(item).model_validate({**item.model_dump(), **changes}) if item.id == item_id else item
        for item in items
    )
    return design.model_copy(update={kind: new})


def move_to_group(design: Design, item_id: str, group_id: str | None) -> Design:
    """Put a task or a group into `group_id` (None: the top level)."""
    groups = {g.id: g for g in design.groups}
    places = {t.id: t.group for t in design.tasks} | {g.id: g.parent for g in design.groups}
    if item_id not in places:
        raise EditError(f"{item_id!r} is not a task or group")
    if places[item_id] == group_id:
        return design  # already there, even where that is a dangling group or a parent loop
    if group_id is not None and group_id not in groups:
        raise EditError(f"group {group_id!r} does not exist")
    if item_id in groups:
        if item_id in ancestry(parents_of(design.groups), group_id):
            raise EditError(f"group {item_id!r} cannot be put inside itself or its own subgroup")
        return _replace(design, "groups", item_id, {"parent": group_id})
    return _replace(design, "tasks", item_id, {"group": group_id})


def set_positions(design: Design, positions: Mapping[str, tuple[float, float]]) -> Design:
    """Record canvas positions of tasks and groups (unknown ids are ignored)."""
    def moved(item):
        if item.id not in positions:
            return item
        x, y = positions[item.id]
        return item.model_copy(update={"position": Position(x=x, y=y)})

    return design.model_copy(update={"tasks": tuple(map(moved, design.tasks)),
                                     "groups": tuple(map(moved, design.groups))})


def remove(design: Design, ids: Iterable[str]) -> Design:
    """Delete tasks and groups with every edge touching them; a deleted group's members move to its parent,
    and deleted tasks disappear from branch lists."""
    doomed = set(ids)
    parents = parents_of(design.groups)

    def surviving_parent(group_id: str | None) -> str | None:
        if group_id not in doomed:
            return group_id
        # The nearest enclosing group that stays; the top level when none does (or the chain loops).
        return next((g for g in ancestry(parents, group_id) if g not in doomed), None)

    tasks = tuple(
        t.model_copy(update={"group": surviving_parent(t.group),
                             "branches": tuple(b for b in t.branches if b not in doomed)})
        for t in design.tasks if t.id not in doomed
    )
    kept_groups = tuple(g.model_copy(update={"parent": surviving_parent(g.parent)})
                        for g in design.groups if g.id not in doomed)
    edges = tuple(e for e in design.edges if e.upstream not in doomed and e.downstream not in doomed)
    return design.model_copy(update={"tasks": tasks, "groups": kept_groups, "edges": edges})


def rename(design: Design, old: str, new: str) -> Design:
    """Rename a task or group and every reference to it (groups, parents, edges, branches, mappings)."""
    if old == new:
        return design
    if old not in all_ids(design):
        raise EditError(f"{old!r} is not a task or group")
    _check_new_id(design, new, "task" if old in {t.id for t in design.tasks} else "group")

    def ref(value: str | None) -> str | None:
        return new if value == old else value

    def mapping(m: DynamicMapping | None) -> DynamicMapping | None:
        if m is None:
            return None
        return DynamicMapping(expand={
            arg: UpstreamOutput(task=ref(src.task)) if isinstance(src, UpstreamOutput) else src
            for arg, src in m.expand.items()
        })

    tasks = tuple(
        t.model_copy(update={"id": ref(t.id), "group": ref(t.group), "branches": tuple(map(ref, t.branches)),
                             "mapping": mapping(t.mapping)})
        for t in design.tasks
    )
    groups = tuple(g.model_copy(update={"id": ref(g.id), "parent": ref(g.parent)}) for g in design.groups)
    edges = tuple(e.model_copy(update={"upstream": ref(e.upstream), "downstream": ref(e.downstream)})
                  for e in design.edges)
    return design.model_copy(update={"tasks": tasks, "groups": groups, "edges": edges})
