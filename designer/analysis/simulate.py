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
from typing import NamedTuple

from designer.analysis.graph import TaskGraph
from designer.model import Task

DEFAULT_POOL = "default_pool"
DEFAULT_POOL_SLOTS = 128
DEFAULT_MAX_ACTIVE_TASKS = 16


class TaskRun(NamedTuple):
    """One task's run. A NamedTuple rather than a frozen dataclass: a simulation makes one per task,
    and a frozen dataclass costs twice as much to create (it cannot assign its fields directly)."""

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
            "tasks": [{"task_id": r.task_id, "start": r.start, "end": r.end, "instances": r.instances}
                      for r in self.runs],
        }


def instance_count(tg: TaskGraph, node: str) -> int:
    """How many task instances one node runs as (more than one for literal dynamic mapping)."""
    return _instances(tg.ns.tasks[tg.node_task[node]])


def _instances(task: Task) -> int:
    if task.mapping is None:
        return 1
    sizes = [len(v) for v in task.mapping.expand.values() if isinstance(v, list)]
    return math.prod(sizes) if sizes else 1


def simulate(tg: TaskGraph, max_active_tasks: int | None = None, pools: dict[str, int] | None = None) -> Simulation:
    """Simulate one run of an acyclic task graph; returns each task's start and end in seconds.

    Raises `networkx.NetworkXUnfeasible` when the graph has a cycle.
    """
    succ, ns = tg.succ, tg.ns
    order = tg.topological_order
    limit = max_active_tasks or tg.design.dag.max_active_tasks or DEFAULT_MAX_ACTIVE_TASKS
    pool_size = {DEFAULT_POOL: DEFAULT_POOL_SLOTS, **(pools or {})}
    weight = tg.durations
    # Worked out per task, not per node: the copies of a fanned-out task share their settings.
    per_task: dict[str, tuple[str, int, int, int]] = {}  # local id -> (pool, slots, pool size, instances)
    inherited = ns.inherited
    for local, task in ns.tasks.items():
        pool = inherited(task, "pool") or DEFAULT_POOL
        size = pool_size.get(pool, DEFAULT_POOL_SLOTS)
        per_task[local] = (pool, min(inherited(task, "pool_slots") or 1, size), size, _instances(task))
    demand = {node: per_task[local] for node, local in tg.node_task.items()}

    # Priority: longest path from the task to the end, as in critical-path list scheduling.
    rank: dict[str, float] = {}
    for node in reversed(order):
        longest = 0.0
        for down in succ[node]:
            if rank[down] > longest:
                longest = rank[down]
        rank[node] = weight[node] + longest

    # Instances still to finish, for the tasks that run as more than one.
    left = {node: need[3] for node, need in demand.items() if need[3] > 1}
    waiting = {node: len(ups) for node, ups in tg.pred.items()}
    ready: list[tuple[float, str, int]] = []  # (-rank, node, instance)
    for node, count in waiting.items():
        if count == 0:
            _push(ready, node, demand[node][3], rank)
    running: list[tuple[float, str]] = []
    used = dict.fromkeys(pool_size, 0) | {need[0]: 0 for need in per_task.values()}
    start: dict[str, float] = {}
    end: dict[str, float] = {}
    now = 0.0
    heappush, heappop = heapq.heappush, heapq.heappop
    deferred: list[tuple[float, str, int]] = []  # ready, but their pool is full for now
    while ready or running:
        while ready and len(running) < limit:
            item = heappop(ready)
            node = item[1]
            pool, slots, size, _ = demand[node]
            if used[pool] + slots > size:
                deferred.append(item)
                continue
            used[pool] += slots
            if node not in start:
                start[node] = now
            heappush(running, (now + weight[node], node))
        if deferred:
            for item in deferred:
                heappush(ready, item)
            deferred.clear()
        if not running:
            break  # nothing can start: only possible with a pool smaller than a task's slots
        now, node = heappop(running)
        pool, slots, _, count = demand[node]
        used[pool] -= slots
        if count > 1:
            left[node] -= 1
            if left[node]:
                continue
        end[node] = now
        for down in succ[node]:
            waiting[down] -= 1
            if not waiting[down]:
                _push(ready, down, demand[down][3], rank)
    # By start, ties by task_id: a stable sort by start of the nodes sorted by task_id.
    runs = [TaskRun(n, start[n], end[n], demand[n][3]) for n in sorted(sorted(end), key=start.__getitem__)]
    return Simulation(max(end.values(), default=0.0), limit, runs)


def _push(ready: list, node: str, count: int, rank: dict[str, float]) -> None:
    for i in range(count):
        heapq.heappush(ready, (-rank[node], node, i))
