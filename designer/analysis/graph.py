"""The task graph of a design, built exactly the way Airflow wires it.

Nodes are Airflow task_ids (qualified, with static fan-outs expanded; a mapped task is one node, as
in Airflow). Group edges are expanded as Airflow does when the `>>` statement runs: a group upstream
means its leaves, downstream its roots, where roots and leaves are computed from the edges inside
the group. Edges are therefore applied innermost scope first, which is also the order in which the
Python exporter writes them (an edge sits at the end of the innermost `with TaskGroup` block that
holds both of its ends).

Dangling ends, empty groups and other broken parts are skipped here; the lint rules report them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from designer.ids import Namespace
from designer.model import Design, Edge

# Why two tasks are connected: the design edge (by index in design.edges) or a mapping's upstream.
EdgeOrigin = int | str


@dataclass
class TaskGraph:
    design: Design
    ns: Namespace
    graph: nx.DiGraph
    # local task id -> Airflow task_ids (several for a static fan-out)
    task_nodes: dict[str, list[str]]
    # local group id -> Airflow task_ids of every task in it, nested groups included, in design order
    group_members: dict[str, list[str]]
    # what each origin connected: (origin, upstream task_ids, downstream task_ids)
    expansions: list[tuple[EdgeOrigin, list[str], list[str]]] = field(default_factory=list)

    def node_ids(self, ref: str) -> list[str]:
        """Airflow task_ids that a task or group id stands for."""
        if ref in self.task_nodes:
            return self.task_nodes[ref]
        return self.group_members.get(ref, [])

    @cached_property
    def origins(self) -> dict[tuple[str, str], list[EdgeOrigin]]:
        """(upstream, downstream) task_ids -> the design edges (or mappings) that made the edge."""
        found: dict[tuple[str, str], list[EdgeOrigin]] = {}
        for origin, ups, downs in self.expansions:
            for u in ups:
                for d in downs:
                    found.setdefault((u, d), []).append(origin)
        return found


def end_chain(ns: Namespace, ref: str) -> tuple[str, ...]:
    """Groups enclosing an edge end: a task's group chain, or a group's own chain (itself included)."""
    if ref in ns.tasks:
        return ns.chain(ns.tasks[ref].group)
    return ns.chain(ref)


def edge_scope(ns: Namespace, edge: Edge) -> tuple[str, ...]:
    """The innermost group holding both ends of `edge` (as its chain; empty for the DAG itself)."""
    up, down = end_chain(ns, edge.upstream), end_chain(ns, edge.downstream)
    depth = 0
    for a, b in zip(up, down, strict=False):
        if a != b:
            break
        depth += 1
    scope = up[:depth]
    # A group edge's own group is not its scope: `g >> x` inside g's parent belongs to the parent.
    if scope and (scope[-1] == edge.upstream or scope[-1] == edge.downstream):
        scope = scope[:-1]
    return scope


def build_task_graph(design: Design) -> TaskGraph:
    """The Airflow task graph of `design` (see the module docstring for the rules)."""
    ns = Namespace(design)
    graph = nx.DiGraph()
    task_nodes: dict[str, list[str]] = {}
    group_members: dict[str, list[str]] = {gid: [] for gid in ns.groups}
    for task in ns.tasks.values():
        ids = ns.task_qualified_ids(task)
        task_nodes[task.id] = ids
        graph.add_nodes_from(ids, task=task.id, group=task.group)
        for gid in ns.chain(task.group):
            group_members[gid].extend(ids)
    tg = TaskGraph(design, ns, graph, task_nodes, group_members)

    # `.expand(x=upstream.output)` adds upstream >> task when the task is created, before any edge.
    for task in ns.tasks.values():
        for source in (task.mapping.expand.values() if task.mapping else ()):
            if not isinstance(source, list) and source.task in task_nodes:
                _connect(tg, [(f"mapping:{task.id}", task_nodes[source.task], task_nodes[task.id])])

    # Edges of one scope depth never change the roots or leaves another edge of that depth needs
    # (those come from deeper edges only), so each depth is applied as one batch, deepest first.
    known = task_nodes.keys() | group_members.keys()
    by_depth: dict[int, list[int]] = defaultdict(list)
    for i, edge in enumerate(design.edges):
        if edge.upstream in known and edge.downstream in known:
            by_depth[len(edge_scope(ns, edge))].append(i)
    roots: dict[str, list[str]] = {}
    leaves: dict[str, list[str]] = {}
    for depth in sorted(by_depth, reverse=True):
        batch = []
        for i in by_depth[depth]:
            edge = design.edges[i]
            if edge.upstream not in task_nodes and edge.upstream not in leaves:
                leaves[edge.upstream] = _leaves(tg, edge.upstream)
            if edge.downstream not in task_nodes and edge.downstream not in roots:
                roots[edge.downstream] = _roots(tg, edge.downstream)
            ups = task_nodes[edge.upstream] if edge.upstream in task_nodes else leaves[edge.upstream]
            downs = task_nodes[edge.downstream] if edge.downstream in task_nodes else roots[edge.downstream]
            batch.append((i, ups, downs))
        _connect(tg, batch)
    return tg


def _connect(tg: TaskGraph, expansions: list[tuple[EdgeOrigin, list[str], list[str]]]) -> None:
    tg.graph.add_edges_from((u, d) for _, ups, downs in expansions for u in ups for d in downs)
    tg.expansions.extend(expansions)


def _roots(tg: TaskGraph, gid: str) -> list[str]:
    members = tg.group_members[gid]
    inside = set(members)
    pred = tg.graph.pred
    return [t for t in members if inside.isdisjoint(pred[t])]


def _leaves(tg: TaskGraph, gid: str) -> list[str]:
    members = tg.group_members[gid]
    inside = set(members)
    succ = tg.graph.succ
    return [t for t in members if inside.isdisjoint(succ[t])]
