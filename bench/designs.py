"""Random layered designs for benchmarks: tasks in layers, edges only forward, groups of 50 (some nested)."""

from __future__ import annotations

import random

from designer.model import DagSettings, Design, Edge, Group, Task, TaskArgs

GROUP_SIZE = 50


def layered_design(n_tasks: int, seed: int = 0, width: int = 100) -> Design:
    """`n_tasks` tasks in layers of `width`; each task has 1-3 upstreams in the previous layer.

    Every run of 50 consecutive tasks forms a group; every fourth group sits inside a parent group,
    so group nesting and the prefixing of ids are exercised. Edges are task-level, so Airflow (which
    expands group edges at statement time) builds exactly the same graph in the comparison.
    """
    rng = random.Random(seed)
    tasks, groups, edges = [], [], []
    n_groups = (n_tasks + GROUP_SIZE - 1) // GROUP_SIZE
    for g in range(n_groups):
        parent = f"outer_{g // 4}" if g % 4 == 3 else None
        if parent and not any(x.id == parent for x in groups):
            groups.append(Group(id=parent))
        groups.append(Group(id=f"grp_{g}", parent=parent))
    layers: list[list[str]] = []
    for i in range(n_tasks):
        if i % width == 0:
            layers.append([])
        tid = f"task_{i}"
        layers[-1].append(tid)
        tasks.append(Task(id=tid, group=f"grp_{i // GROUP_SIZE}", overrides=TaskArgs(retries=1)))
        if len(layers) > 1:
            for up in rng.sample(layers[-2], k=min(len(layers[-2]), rng.randint(1, 3))):
                edges.append(Edge(upstream=up, downstream=tid))
    return Design(dag=DagSettings(dag_id=f"bench_{n_tasks}"), tasks=tuple(tasks), groups=tuple(groups),
                  edges=tuple(edges))
