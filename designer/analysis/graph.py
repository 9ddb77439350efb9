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

from dataclasses import dataclass, field

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
    # (upstream, downstream) task_ids -> what made the edge
    origins: dict[tuple[str, str], list[EdgeOrigin]] = field(default_factory=dict)

    def node_ids(self, ref: str) -> list[str]:
        """Airflow task_ids that a task or group id stands for."""
        if ref in self.task_nodes:
            return self.task_nodes[ref]
        return self.group_members.get(ref, [])


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
        chain = ns.chain(task.group)
        for node in ids:
            graph.add_node(node, task=task.id, group=task.group)
        for gid in chain:
            group_members[gid].extend(ids)

    tg = TaskGraph(design, ns, graph, task_nodes, group_members)
    ordered = sorted(
        (i for i, e in enumerate(design.edges) if _resolvable(tg, e)),
        key=lambda i: -len(edge_scope(ns, design.edges[i])),
    )
    roots_cache: dict[str, list[str]] = {}
    leaves_cache: dict[str, list[str]] = {}
    for i in ordered:
        edge = design.edges[i]
        ups = _ends(tg, edge.upstream, leaves_cache, _leaves)
        downs = _ends(tg, edge.downstream, roots_cache, _roots)
        for u in ups:
            for d in downs:
                _connect(tg, u, d, i)
    # `.expand(x=upstream.output)` makes Airflow add upstream >> task by itself.
    for task in ns.tasks.values():
        if task.mapping is None:
            continue
        for source in task.mapping.expand.values():
            if not isinstance(source, list) and source.task in task_nodes:
                for u in task_nodes[source.task]:
                    for d in task_nodes[task.id]:
                        _connect(tg, u, d, f"mapping:{task.id}")
    return tg


def _resolvable(tg: TaskGraph, edge: Edge) -> bool:
    known = tg.task_nodes.keys() | tg.group_members.keys()
    return edge.upstream in known and edge.downstream in known


def _connect(tg: TaskGraph, up: str, down: str, origin: EdgeOrigin) -> None:
    tg.graph.add_edge(up, down)
    tg.origins.setdefault((up, down), []).append(origin)


def _ends(tg: TaskGraph, ref: str, cache: dict[str, list[str]], compute) -> list[str]:
    if ref in tg.task_nodes:
        return tg.task_nodes[ref]
    if ref not in cache:
        cache[ref] = compute(tg, ref)
    return cache[ref]


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
