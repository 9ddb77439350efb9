"""The task graph of a design, built exactly the way Airflow wires it.

Nodes are Airflow task_ids (qualified, with static fan-outs expanded; a mapped task is one node, as
in Airflow). Group edges are expanded as Airflow does when the `>>` statement runs: a group upstream
means its leaves, downstream its roots, where roots and leaves are computed from the edges inside
the group. Edges are therefore applied innermost scope first, which is also the order in which the
Python exporter writes them (an edge sits at the end of the innermost `with TaskGroup` block that
holds both of its ends).

Dangling ends, empty groups and other broken parts are skipped here; the lint rules report them.

The graph is kept as plain adjacency dicts (`succ`, `pred`) that the analysis walks directly, and the
same dicts back `graph`, the networkx view used by rules, exporters and the UI (see
docs/decisions.md, "The task graph is plain dicts behind a networkx view").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from designer.ids import Namespace
from designer.model import Design, Edge, check_expansion

# Why two tasks are connected: the design edge (by index in design.edges) or a mapping's upstream.
EdgeOrigin = int | str


# node -> neighbour -> edge data: networkx's own layout, so `graph` can share the dicts.
Adjacency = dict[str, dict[str, dict]]


@dataclass
class TaskGraph:
    design: Design
    ns: Namespace
    graph: nx.DiGraph
    # local task id -> Airflow task_ids (several for a static fan-out)
    task_nodes: dict[str, list[str]]
    # local group id -> Airflow task_ids of every task in it, nested groups included, in design order
    group_members: dict[str, list[str]]
    # task_id -> local id of the task it comes from
    node_task: dict[str, str]
    # task_id -> downstream / upstream task_ids: the very dicts inside `graph`, so read them only
    succ: Adjacency
    pred: Adjacency
    # what each origin connected: (origin, upstream task_ids, downstream task_ids)
    expansions: list[tuple[EdgeOrigin, list[str], list[str]]] = field(default_factory=list)

    @cached_property
    def durations(self) -> dict[str, float]:
        """Estimated seconds per task_id."""
        tasks = self.ns.tasks
        return {node: tasks[local].estimated_duration.total_seconds() for node, local in self.node_task.items()}

    @cached_property
    def generations(self) -> list[list[str]] | None:
        """Topological generations (sources first, each node one step after its latest upstream),
        or None when the graph has a cycle. Depth, width, critical path, redundant edges and the
        simulation all walk this one order."""
        return topological_generations(self.succ, self.pred)

    @cached_property
    def topological_order(self) -> list[str]:
        """Every task_id after all of its upstreams; raises `nx.NetworkXUnfeasible` on a cycle."""
        if self.generations is None:
            raise nx.NetworkXUnfeasible("the task graph has a cycle, so it has no topological order")
        return [node for generation in self.generations for node in generation]

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


def topological_generations(succ: Adjacency, pred: Adjacency) -> list[list[str]] | None:
    """Kahn's algorithm, one generation at a time; None when some node is on (or behind) a cycle.

    The generations are those of `nx.topological_generations`; the order inside one is unspecified.

    >>> topological_generations({"a": {"b": {}}, "b": {}}, {"a": {}, "b": {"a": {}}})
    [['a'], ['b']]
    """
    waiting = {node: len(ups) for node, ups in pred.items()}
    generation = [node for node, count in waiting.items() if count == 0]
    generations = []
    placed = 0
    while generation:
        generations.append(generation)
        placed += len(generation)
        following = []
        for node in generation:
            for down in succ[node]:
                waiting[down] -= 1
                if not waiting[down]:
                    following.append(down)
        generation = following
    # A node on a cycle (a self-loop included) never runs out of waiting upstreams.
    return generations if placed == len(pred) else None


def end_chain(ns: Namespace, ref: str) -> tuple[str, ...]:
    """Groups enclosing an edge end: a task's group chain, or a group's own chain (itself included)."""
    if ref in ns.tasks:
        return ns.chain(ns.tasks[ref].group)
    return ns.chain(ref)


def edge_scope(ns: Namespace, edge: Edge) -> tuple[str, ...]:
    """The innermost group holding both ends of `edge` (as its chain; empty for the DAG itself)."""
    up = end_chain(ns, edge.upstream)
    return up[:_scope_depth(up, end_chain(ns, edge.downstream), edge)]


def _scope_depth(up: tuple[str, ...], down: tuple[str, ...], edge: Edge) -> int:
    """How deep `edge_scope` is, from the end chains of the edge's two ends."""
    if up is down:  # both ends in one group (Namespace caches chains: one group, one tuple)
        depth = len(up)
    elif not up or not down or up[0] != down[0]:  # nothing in common: the DAG itself
        return 0
    else:
        depth, most = 1, min(len(up), len(down))
        while depth < most and up[depth] == down[depth]:
            depth += 1
    # A group edge's own group is not its scope: `g >> x` inside g's parent belongs to the parent.
    if depth and (up[depth - 1] == edge.upstream or up[depth - 1] == edge.downstream):
        depth -= 1
    return depth


def build_task_graph(design: Design) -> TaskGraph:
    """The Airflow task graph of `design` (see the module docstring for the rules).

    Raises ValueError, before expanding anything, when the design expands past the model's bounds
    (a validated design never does; one made with `model_construct` was never validated)."""
    check_expansion(design)
    ns = Namespace(design)
    task_nodes: dict[str, list[str]] = {}
    group_members: dict[str, list[str]] = {gid: [] for gid in ns.groups}
    node_task: dict[str, str] = {}
    # The end_chain of every task and group id, for placing edges: looked up once per id, not per edge.
    chains = {gid: ns.chain(gid) for gid in ns.groups}
    for task in ns.tasks.values():
        ids = ns.task_qualified_ids(task)
        task_nodes[task.id] = ids
        for node in ids:
            node_task[node] = task.id  # a task_id made twice belongs to the last task, as in networkx
        chains[task.id] = chain = ns.chain(task.group)
        for gid in chain:
            group_members[gid].extend(ids)
    succ: Adjacency = {node: {} for node in node_task}
    pred: Adjacency = {node: {} for node in node_task}
    graph = _networkx_view(ns, node_task, succ, pred)
    tg = TaskGraph(design, ns, graph, task_nodes, group_members, node_task, succ, pred)

    # `.expand(x=upstream.output)` adds upstream >> task when the task is created, before any edge.
    for task in ns.tasks.values():
        for source in (task.mapping.expand.values() if task.mapping else ()):
            if not isinstance(source, list) and source.task in task_nodes:
                _connect(tg, [(f"mapping:{task.id}", task_nodes[source.task], task_nodes[task.id])])

    # Edges of one scope depth never change the roots or leaves another edge of that depth needs
    # (those come from deeper edges only), so each depth is applied as one batch, deepest first.
    edges = design.edges
    by_depth: dict[int, list[int]] = defaultdict(list)
    for i, edge in enumerate(edges):
        up, down = chains.get(edge.upstream), chains.get(edge.downstream)
        if up is not None and down is not None:  # dangling ends connect nothing (DD003 reports them)
            by_depth[_scope_depth(up, down, edge)].append(i)
    roots: dict[str, list[str]] = {}
    leaves: dict[str, list[str]] = {}
    for depth in sorted(by_depth, reverse=True):
        batch = []
        for i in by_depth[depth]:
            up, down = edges[i].upstream, edges[i].downstream
            ups = task_nodes.get(up)
            if ups is None:  # a group: its leaves, taken when first needed
                if up not in leaves:
                    leaves[up] = _leaves(tg, up)
                ups = leaves[up]
            downs = task_nodes.get(down)
            if downs is None:  # a group: its roots
                if down not in roots:
                    roots[down] = _roots(tg, down)
                downs = roots[down]
            batch.append((i, ups, downs))
        _connect(tg, batch)
    return tg


def _networkx_view(ns: Namespace, node_task: dict[str, str], succ: Adjacency, pred: Adjacency) -> nx.DiGraph:
    """A networkx graph whose storage is `succ` and `pred` themselves (edges added to them later show).

    A DiGraph is three dicts (`_node`, `_succ`, `_pred`); networkx supports assigning them (its
    `_CachedPropertyResetter*` descriptors reset the cached views). Sharing them skips copying every
    edge through `add_edges_from`, which cost more than the whole rest of the analysis at 1k tasks.
    """
    graph = nx.DiGraph()
    graph._node = {node: {"task": task, "group": ns.tasks[task].group} for node, task in node_task.items()}
    graph._succ = succ  # also sets graph._adj
    graph._pred = pred
    return graph


def _connect(tg: TaskGraph, expansions: list[tuple[EdgeOrigin, list[str], list[str]]]) -> None:
    succ, pred = tg.succ, tg.pred
    for _, ups, downs in expansions:
        for u in ups:
            below = succ[u]
            for d in downs:
                if d not in below:
                    # networkx's layout: both directions share one edge-data dict.
                    below[d] = pred[d][u] = {}
    tg.expansions.extend(expansions)


def _roots(tg: TaskGraph, gid: str) -> list[str]:
    members = tg.group_members[gid]
    inside = set(members)
    pred = tg.pred
    return [t for t in members if inside.isdisjoint(pred[t])]


def _leaves(tg: TaskGraph, gid: str) -> list[str]:
    """Airflow's `TaskGroup.get_leaves`: members with no downstream in the group, where a teardown leaf
    stands for the first members upstream of it that are not teardowns (never through a setup, and not
    one that has another non-teardown downstream in the group)."""
    members = tg.group_members[gid]
    inside = set(members)
    succ, pred = tg.succ, tg.pred
    kind = {node: tg.ns.tasks[tg.node_task[node]] for node in members}
    leaves: list[str] = []
    for task in members:
        if not inside.isdisjoint(succ[task]):
            continue
        if not kind[task].is_teardown:
            leaves.append(task)
            continue
        # Up through teardowns, each once (Airflow recurses, and would not end on a loop of teardowns).
        stack, seen = [task], {task}
        while stack:
            below = stack.pop()
            for up in pred[below]:
                if up not in inside or kind[up].is_setup:
                    continue
                if kind[up].is_teardown:
                    if up not in seen:
                        seen.add(up)
                        stack.append(up)
                elif not any(d != below and d in inside and not kind[d].is_teardown for d in succ[up]):
                    leaves.append(up)
    return list(dict.fromkeys(leaves))
