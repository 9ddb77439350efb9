"""Which `dependencies:` entries the dag-factory YAML gets, so that dag-factory builds exactly the graph of
`designer.analysis.graph`.

Why this is not a one-to-one copy of the design's edges. dag-factory 1.1 (`DagBuilder.build`):

1. creates the tasks (a mapped task's `.expand(x=up.output)` adds `up >> task` right away);
2. then, in `set_dependencies`, walks every *task* entry in file order and afterwards every *task_group*
   entry in file order, calling `entry.set_upstream(dep)` for each name in its `dependencies`.

A group name resolves to the group's leaves (as an upstream) or roots (as a downstream) *at the moment
that call runs*, from the edges set so far. The designer instead resolves a group edge once every edge
inside the group is known (innermost scope first). The two agree for most designs but not all: e.g.
`g >> report` on a task is resolved in the task pass, before an edge `transform >> inner_group` inside g
(a group entry, second pass) exists.

So the exporter keeps a group edge as a group name only when a simulation of dag-factory's passes
(`simulate`, which mirrors the code above) yields exactly the designer's task pairs for it; every other
group edge is written as explicit task-level dependencies (the designer's own pairs), which are exact
whatever the order. Groups are listed innermost first, which lets most group edges stay group names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from designer.analysis.graph import TaskGraph
from designer.ids import airflow_local_id, airflow_local_ids, fan_out_ids

# A dependency entry: (dag-factory name of the upstream task or group, design edge index or None).
Dep = tuple[str, int | None]


@dataclass
class DepPlan:
    """The `dependencies:` of every task (by dag-factory task name) and group, in file order."""

    task_deps: dict[str, list[Dep]]
    group_deps: dict[str, list[Dep]]
    group_order: list[str]
    explicit: set[int] = field(default_factory=set)  # design edges written as task-level dependencies
    labels: dict[str, str] = field(default_factory=dict)  # plan name -> dag-factory name, where they differ

    def label(self, name: str) -> str:
        """The dag-factory name of a task copy or group the plan names by design id: its Airflow id within
        its group (dag-factory makes it the task_id or group_id)."""
        return self.labels.get(name, name)

    def names(self, deps: Iterable[Dep]) -> list[str]:
        """Dependency names as dag-factory reads them, without duplicates (dag-factory sets each edge once
        anyway)."""
        return list(dict.fromkeys(self.label(name) for name, _ in deps))


class _Names:
    """Plan names of one design's tasks (design ids, fan-out copies expanded), their Airflow task_ids, and the
    dag-factory names of tasks and groups where they differ from the plan names."""

    def __init__(self, tg: TaskGraph) -> None:
        self.tg = tg
        self.full: dict[str, str] = {}  # task name -> Airflow task_id
        self.copies: dict[str, list[str]] = {}  # design task id -> task names
        self.labels: dict[str, str] = {}
        for task in tg.ns.tasks.values():
            names = fan_out_ids(task)
            self.copies[task.id] = names
            for name, full, label in zip(names, tg.task_nodes[task.id], airflow_local_ids(task), strict=True):
                self.full[name] = full
                if label != name:
                    self.labels[name] = label
        for gid, group in tg.ns.groups.items():
            if airflow_local_id(group) != gid:
                self.labels[gid] = airflow_local_id(group)
        self.name_of = {full: name for name, full in self.full.items()}

    def is_group(self, ref: str) -> bool:
        return ref in self.tg.group_members and ref not in self.tg.task_nodes


def plan_dependencies(tg: TaskGraph) -> DepPlan:
    """The dependency entries for `tg`'s design; `simulate(plan)` equals `tg.graph`'s edges."""
    names = _Names(tg)
    design, ns = tg.design, tg.ns
    group_order = sorted(ns.groups, key=lambda g: -len(ns.chain(g)))  # stable: design order per depth
    usable = [
        i for i, e in enumerate(design.edges)
        if all(tg.node_ids(end) for end in (e.upstream, e.downstream))  # no empty groups, no dangling ends
    ]
    explicit = {i for i in usable if not names.is_group(design.edges[i].upstream)
                and not names.is_group(design.edges[i].downstream)}
    expected: dict[int, set[tuple[str, str]]] = {i: set() for i in usable}
    for origin, ups, downs in tg.expansions:
        if origin in expected:
            expected[origin].update((u, d) for u in ups for d in downs)
    while True:
        plan = _place(tg, names, usable, explicit, group_order, expected)
        produced = _simulate(tg, names, plan)
        wrong = {i for i in usable if i not in explicit and produced.get(i, set()) != expected[i]}
        if not wrong:
            return plan
        explicit |= wrong  # converging: each round writes at least one more edge explicitly


def _place(tg: TaskGraph, names: _Names, usable: list[int], explicit: set[int], group_order: list[str],
           expected: dict[int, set[tuple[str, str]]]) -> DepPlan:
    task_deps: dict[str, list[Dep]] = {name: [] for name in names.full}
    group_deps: dict[str, list[Dep]] = {gid: [] for gid in group_order}
    for i in usable:
        edge = tg.design.edges[i]
        if i in explicit:
            for up, down in sorted(expected[i]):
                task_deps[names.name_of[down]].append((names.name_of[up], i))
            continue
        ups = [edge.upstream] if names.is_group(edge.upstream) else names.copies[edge.upstream]
        if names.is_group(edge.downstream):
            group_deps[edge.downstream].extend((up, i) for up in ups)
        else:
            for down in names.copies[edge.downstream]:
                task_deps[down].extend((up, i) for up in ups)
    # A mapped task must be created after the task whose output it expands (dag-factory creates tasks in
    # the topological order of task dependencies), so the upstream is always listed too.
    for task in tg.ns.tasks.values():
        for source in (task.mapping.expand.values() if task.mapping else ()):
            if not isinstance(source, list) and source.task in names.copies:
                for down in names.copies[task.id]:
                    task_deps[down].extend((up, None) for up in names.copies[source.task])
    return DepPlan(task_deps, group_deps, group_order, set(explicit), names.labels)


def _simulate(tg: TaskGraph, names: _Names, plan: DepPlan) -> dict[int | None, set[tuple[str, str]]]:
    """The task pairs dag-factory connects for each design edge, following its two passes exactly."""
    preds: dict[str, set[str]] = {full: set() for full in names.full.values()}
    succs: dict[str, set[str]] = {full: set() for full in names.full.values()}
    produced: dict[int | None, set[tuple[str, str]]] = {}

    def connect(up: str, down: str, origin: int | None) -> None:
        preds[down].add(up)
        succs[up].add(down)
        produced.setdefault(origin, set()).add((up, down))

    def members(gid: str) -> list[str]:
        return tg.group_members[gid]

    def leaves(gid: str) -> list[str]:
        inside = set(members(gid))
        return [t for t in members(gid) if inside.isdisjoint(succs[t])]

    def roots(gid: str) -> list[str]:
        inside = set(members(gid))
        return [t for t in members(gid) if inside.isdisjoint(preds[t])]

    def upstream_tasks(dep: str) -> list[str]:
        return leaves(dep) if names.is_group(dep) else [names.full[dep]]

    for task in tg.ns.tasks.values():  # task creation: `.expand(x=up.output)` sets up >> task
        for source in (task.mapping.expand.values() if task.mapping else ()):
            if not isinstance(source, list) and source.task in tg.task_nodes:
                for up in tg.task_nodes[source.task]:
                    for down in tg.task_nodes[task.id]:
                        connect(up, down, None)
    for name, deps in plan.task_deps.items():
        for dep, origin in deps:
            for up in upstream_tasks(dep):
                connect(up, names.full[name], origin)
    for gid in plan.group_order:
        for dep, origin in plan.group_deps[gid]:
            # Airflow iterates the roots lazily, but the new edges come from outside the group and
            # cannot change which members are roots.
            for root in roots(gid):
                for up in upstream_tasks(dep):
                    connect(up, root, origin)
    return produced


def simulate(tg: TaskGraph, plan: DepPlan) -> set[tuple[str, str]]:
    """Every task pair dag-factory would connect for `plan` (for tests and self-checks)."""
    return set().union(*_simulate(tg, _Names(tg), plan).values())
