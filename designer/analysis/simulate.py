"""A simulated run: list scheduling of the task graph with estimated durations.

Honours max_active_tasks and pool slots. Every branch is assumed to run (the worst case). A task
mapped over literal lists runs one instance per element (the cross product for several lists); one
mapped over an upstream's output counts as a single instance, since its length is only known at
run time. Ready work is started longest-remaining-path first, ties broken by task_id, so the result
is deterministic.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import networkx as nx

from designer.analysis.graph import TaskGraph
from designer.analysis.metrics import durations

DEFAULT_POOL = "default_pool"
DEFAULT_POOL_SLOTS = 128
DEFAULT_MAX_ACTIVE_TASKS = 16


@dataclass(frozen=True)
class TaskRun:
    task_id: str
    start: float
    end: float
    instances: int


@dataclass(frozen=True)
class Simulation:
    makespan: float
    max_active_tasks: int
    runs: list[TaskRun]  # in start order

    def as_dict(self) -> dict:
        return {
            "makespan": self.makespan,
            "max_active_tasks": self.max_active_tasks,
            "tasks": [{"task_id": r.task_id, "start": r.start, "end": r.end, "instances": r.instances} for r in self.runs],
        }


def instance_count(tg: TaskGraph, node: str) -> int:
    """How many task instances one node runs as (more than one for literal dynamic mapping)."""
    mapping = tg.ns.tasks[tg.graph.nodes[node]["task"]].mapping
    if mapping is None:
        return 1
    sizes = [len(v) for v in mapping.expand.values() if isinstance(v, list)]
    return math.prod(sizes) if sizes else 1


def simulate(tg: TaskGraph, max_active_tasks: int | None = None, pools: dict[str, int] | None = None) -> Simulation:
    """Simulate one run of an acyclic task graph; returns each task's start and end in seconds."""
    g = tg.graph
    limit = max_active_tasks or tg.design.dag.max_active_tasks or DEFAULT_MAX_ACTIVE_TASKS
    pool_size = {DEFAULT_POOL: DEFAULT_POOL_SLOTS, **(pools or {})}
    weight = durations(tg)
    demand: dict[str, tuple[str, int]] = {}
    for node in g:
        task = tg.ns.tasks[g.nodes[node]["task"]]
        pool = tg.ns.inherited(task, "pool") or DEFAULT_POOL
        slots = min(tg.ns.inherited(task, "pool_slots") or 1, pool_size.get(pool, DEFAULT_POOL_SLOTS))
        demand[node] = (pool, slots)

    # Priority: longest path from the task to the end, as in critical-path list scheduling.
    rank: dict[str, float] = {}
    for node in reversed(list(nx.topological_sort(g))):
        rank[node] = weight[node] + max((rank[s] for s in g.succ[node]), default=0.0)

    instances = {n: instance_count(tg, n) for n in g}
    left = dict(instances)  # instances still to finish
    waiting = {n: g.in_degree(n) for n in g}
    ready: list[tuple[float, str, int]] = []  # (-rank, node, instance)
    for node, count in waiting.items():
        if count == 0:
            _push(ready, node, instances[node], rank)
    running: list[tuple[float, str]] = []
    used = {p: 0 for p in pool_size}
    start: dict[str, float] = {}
    end: dict[str, float] = {}
    now = 0.0
    while ready or running:
        deferred = []
        while ready and len(running) < limit:
            item = heapq.heappop(ready)
            node = item[1]
            pool, slots = demand[node]
            if used.get(pool, 0) + slots > pool_size.get(pool, DEFAULT_POOL_SLOTS):
                deferred.append(item)
                continue
            used[pool] = used.get(pool, 0) + slots
            start.setdefault(node, now)
            heapq.heappush(running, (now + weight[node], node))
        for item in deferred:
            heapq.heappush(ready, item)
        if not running:
            break  # nothing can start: only possible with a pool smaller than a task's slots
        now, node = heapq.heappop(running)
        pool, slots = demand[node]
        used[pool] -= slots
        left[node] -= 1
        if left[node]:
            continue
        end[node] = now
        for succ in g.succ[node]:
            waiting[succ] -= 1
            if waiting[succ] == 0:
                _push(ready, succ, instances[succ], rank)
    runs = sorted(
        (TaskRun(n, start[n], end[n], instances[n]) for n in end), key=lambda r: (r.start, r.task_id)
    )
    return Simulation(max(end.values(), default=0.0), limit, runs)


def _push(ready: list, node: str, count: int, rank: dict[str, float]) -> None:
    for i in range(count):
        heapq.heappush(ready, (-rank[node], node, i))
