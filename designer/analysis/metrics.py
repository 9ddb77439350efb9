"""Graph metrics of a design's task graph, computed with networkx.

Figures that only make sense for an acyclic graph (depth, width, critical path) are None when the
graph has a cycle. Costly figures are gated by size (see `LintSettings.redundant_edge_check_limit`).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from designer.analysis.graph import TaskGraph


@dataclass(frozen=True)
class Metrics:
    tasks: int
    edges: int
    groups: int
    static_fan_out_tasks: int
    mapped_tasks: int
    depth: int | None
    width: int | None
    widest_generation: list[str]
    max_fan_in: int
    max_fan_in_task: str | None
    max_fan_out: int
    max_fan_out_task: str | None
    critical_path: list[str]
    critical_path_length: float | None
    cyclomatic_complexity: int
    max_group_nesting: int
    group_sizes: dict[str, int]
    crossing_edges: int
    redundant_edges: list[tuple[str, str]] | None
    roots: list[str]
    leaves: list[str]
    isolated: list[str]


def durations(tg: TaskGraph) -> dict[str, float]:
    """Estimated seconds per task_id."""
    tasks = tg.ns.tasks
    return {n: tasks[tg.graph.nodes[n]["task"]].estimated_duration.total_seconds() for n in tg.graph}


def critical_path(graph: nx.DiGraph, weight: dict[str, float]) -> tuple[list[str], float]:
    """The path with the largest sum of node weights in an acyclic graph, and that sum.

    >>> g = nx.DiGraph([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
    >>> critical_path(g, {"a": 1, "b": 5, "c": 2, "d": 1})
    (['a', 'b', 'd'], 7)
    """
    best: dict[str, float] = {}
    came_from: dict[str, str | None] = {}
    for node in nx.topological_sort(graph):
        prev = max(graph.pred[node], key=lambda p: (best[p], p), default=None)
        best[node] = weight[node] + (best[prev] if prev is not None else 0)
        came_from[node] = prev
    if not best:
        return [], 0
    end = max(best, key=lambda n: (best[n], n))
    path = [end]
    while (prev := came_from[path[-1]]) is not None:
        path.append(prev)
    return path[::-1], best[end]


def redundant_edges(graph: nx.DiGraph) -> list[tuple[str, str]]:
    """Edges of an acyclic graph implied by a longer path (those a transitive reduction removes).

    Reachability is kept as one integer bitset per node, so memory grows with the square of the
    node count: callers gate it by size.

    >>> redundant_edges(nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")]))
    [('a', 'c')]
    """
    order = list(nx.topological_sort(graph))
    bit = {node: 1 << i for i, node in enumerate(order)}
    reach: dict[str, int] = {}  # nodes reachable from a node, itself excluded
    found = []
    for node in reversed(order):
        via_longer_paths = 0
        direct = 0
        for succ in graph.succ[node]:
            via_longer_paths |= reach[succ]
            direct |= bit[succ]
        reach[node] = via_longer_paths | direct
        found.extend((node, succ) for succ in graph.succ[node] if via_longer_paths & bit[succ])
    return sorted(found)


def compute_metrics(tg: TaskGraph, acyclic: bool) -> Metrics:
    """All metrics of `tg`; `acyclic` says whether the graph has no cycle (checked by the caller)."""
    g = tg.graph
    design = tg.design
    in_deg = dict(g.in_degree())
    out_deg = dict(g.out_degree())
    fan_in_task = max(in_deg, key=lambda n: (in_deg[n], n), default=None)
    fan_out_task = max(out_deg, key=lambda n: (out_deg[n], n), default=None)

    depth = width = None
    widest: list[str] = []
    path: list[str] = []
    length = None
    if acyclic:
        generations = [sorted(gen) for gen in nx.topological_generations(g)]
        depth = len(generations)
        widest = max(generations, key=len, default=[])
        width = len(widest)
        path, length = critical_path(g, durations(tg))

    redundant = None
    if acyclic and g.number_of_nodes() <= design.lint.redundant_edge_check_limit:
        redundant = redundant_edges(g)

    node_group = nx.get_node_attributes(g, "group")
    components = nx.number_weakly_connected_components(g) if len(g) else 0
    return Metrics(
        tasks=g.number_of_nodes(),
        edges=g.number_of_edges(),
        groups=len(tg.ns.groups),
        static_fan_out_tasks=sum(len(tg.task_nodes[t.id]) for t in tg.ns.tasks.values() if t.fan_out),
        mapped_tasks=sum(1 for t in tg.ns.tasks.values() if t.mapping),
        depth=depth,
        width=width,
        widest_generation=widest,
        max_fan_in=in_deg.get(fan_in_task, 0),
        max_fan_in_task=fan_in_task,
        max_fan_out=out_deg.get(fan_out_task, 0),
        max_fan_out_task=fan_out_task,
        critical_path=path,
        critical_path_length=length,
        cyclomatic_complexity=g.number_of_edges() - g.number_of_nodes() + 2 * components,
        max_group_nesting=max((len(tg.ns.chain(gid)) for gid in tg.ns.groups), default=0),
        group_sizes={gid: len(members) for gid, members in tg.group_members.items()},
        crossing_edges=sum(1 for u, v in g.edges if node_group[u] != node_group[v]),
        redundant_edges=redundant,
        roots=sorted(n for n, d in in_deg.items() if d == 0),  # as Airflow's dag.roots: isolated included
        leaves=sorted(n for n, d in out_deg.items() if d == 0),
        isolated=sorted(n for n in g if in_deg[n] == 0 and out_deg[n] == 0),
    )
