"""Graph metrics of a design's task graph.

Figures that only make sense for an acyclic graph (depth, width, critical path) are None when the
graph has a cycle. Costly figures are gated by size (see `LintSettings.redundant_edge_check_limit`).
Everything walks the graph's plain adjacency dicts and its one topological order: networkx's
per-call overhead was most of the analysis time on designs of a thousand tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.analysis.graph import Adjacency, TaskGraph


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
    return tg.durations


def critical_path(order: list[str], pred: Adjacency, weight: dict[str, float]) -> tuple[list[str], float]:
    """The path with the largest sum of node weights, and that sum; `order` is a topological order.

    Ties go to the largest task_id, at every step and at the end, so the answer never depends on `order`.

    >>> pred = {"a": {}, "b": {"a": {}}, "c": {"a": {}}, "d": {"b": {}, "c": {}}}
    >>> critical_path(["a", "b", "c", "d"], pred, {"a": 1, "b": 5, "c": 2, "d": 1})
    (['a', 'b', 'd'], 7)
    """
    best: dict[str, float] = {}
    came_from: dict[str, str | None] = {}
    for node in order:
        prev, longest = None, 0
        for p in pred[node]:
            if prev is None or best[p] > longest or (best[p] == longest and p > prev):
                prev, longest = p, best[p]
        best[node] = weight[node] + longest
        came_from[node] = prev
    if not best:
        return [], 0
    top = max(best.values())
    end = max(node for node, value in best.items() if value == top)
    path = [end]
    while (prev := came_from[path[-1]]) is not None:
        path.append(prev)
    return path[::-1], best[end]


def redundant_edges(order: list[str], succ: Adjacency) -> list[tuple[str, str]]:
    """Edges implied by a longer path (those a transitive reduction removes); `order` is topological.

    Reachability is kept as one integer bitset per node, so memory grows with the square of the
    node count: callers gate it by size.

    >>> redundant_edges(["a", "b", "c"], {"a": {"b": {}, "c": {}}, "b": {"c": {}}, "c": {}})
    [('a', 'c')]
    """
    bit = {node: 1 << i for i, node in enumerate(order)}
    reach: dict[str, int] = {}  # nodes reachable from a node, itself excluded
    found = []
    for node in reversed(order):
        below = succ[node]
        via_longer_paths = 0
        direct = 0
        for down in below:
            via_longer_paths |= reach[down]
            direct |= bit[down]
        reach[node] = via_longer_paths | direct
        if via_longer_paths & direct:
            found.extend((node, down) for down in below if via_longer_paths & bit[down])
    return sorted(found)


def weak_components(succ: Adjacency, pred: Adjacency) -> int:
    """How many weakly connected components the graph has (0 for an empty graph)."""
    seen: set[str] = set()
    count = 0
    for start in succ:
        if start in seen:
            continue
        count += 1
        seen.add(start)
        stack = [start]
        while stack:  # depth first, along edges in both directions
            node = stack.pop()
            for other in succ[node]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
            for other in pred[node]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
    return count


def crossing_edges(succ: Adjacency, node_group: dict[str, str | None]) -> int:
    """How many edges join tasks of different groups (`node_group`: task_id -> the task's own group)."""
    count = 0
    for up, downs in succ.items():
        group = node_group[up]
        for down in downs:
            if node_group[down] != group:
                count += 1
    return count


def compute_metrics(tg: TaskGraph, acyclic: bool) -> Metrics:
    """All metrics of `tg`; `acyclic` says whether the graph has no cycle (checked by the caller)."""
    succ, pred = tg.succ, tg.pred
    design = tg.design
    in_deg = {node: len(ups) for node, ups in pred.items()}
    out_deg = {node: len(downs) for node, downs in succ.items()}
    n_nodes = len(succ)
    n_edges = sum(out_deg.values())
    max_in = max(in_deg.values(), default=0)
    max_out = max(out_deg.values(), default=0)
    # The largest task_id among those with the highest degree, as max() by (degree, task_id).
    fan_in_task = max((n for n, d in in_deg.items() if d == max_in), default=None)
    fan_out_task = max((n for n, d in out_deg.items() if d == max_out), default=None)

    depth = width = None
    widest: list[str] = []
    path: list[str] = []
    length = None
    redundant = None
    if acyclic:
        generations = tg.generations
        depth = len(generations)
        widest = sorted(max(generations, key=len, default=[]))
        width = len(widest)
        order = tg.topological_order
        path, length = critical_path(order, pred, durations(tg))
        if n_nodes <= design.lint.redundant_edge_check_limit:
            redundant = redundant_edges(order, succ)

    tasks = tg.ns.tasks
    return Metrics(
        tasks=n_nodes,
        edges=n_edges,
        groups=len(tg.ns.groups),
        static_fan_out_tasks=sum(len(tg.task_nodes[t.id]) for t in tasks.values() if t.fan_out),
        mapped_tasks=sum(1 for t in tasks.values() if t.mapping),
        depth=depth,
        width=width,
        widest_generation=widest,
        max_fan_in=max_in,
        max_fan_in_task=fan_in_task,
        max_fan_out=max_out,
        max_fan_out_task=fan_out_task,
        critical_path=path,
        critical_path_length=length,
        cyclomatic_complexity=n_edges - n_nodes + 2 * weak_components(succ, pred),
        max_group_nesting=max((len(tg.ns.chain(gid)) for gid in tg.ns.groups), default=0),
        group_sizes={gid: len(members) for gid, members in tg.group_members.items()},
        crossing_edges=crossing_edges(succ, {node: tasks[local].group for node, local in tg.node_task.items()}),
        redundant_edges=redundant,
        roots=sorted(n for n, d in in_deg.items() if d == 0),  # as Airflow's dag.roots: isolated included
        leaves=sorted(n for n, d in out_deg.items() if d == 0),
        isolated=sorted(n for n, d in in_deg.items() if d == 0 and not out_deg[n]),
    )
