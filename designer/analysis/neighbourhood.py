"""The neighbourhood of tasks: what focus mode shows of a big design."""

from __future__ import annotations

from collections.abc import Iterable

from designer.analysis.graph import Adjacency, build_task_graph
from designer.model import Design


def neighbourhood(design: Design, ids: Iterable[str], hops: int) -> frozenset[str]:
    """Local ids of `ids` (tasks or groups), of the tasks up to `hops` dependency steps upstream or
    downstream of them, and of every group enclosing one of those tasks.

    Steps follow the Airflow task graph (`build_task_graph`: group edges expanded as Airflow wires
    them), so a task is one step from each task it waits for. Upstream and downstream are walked
    separately: a sibling (the other downstream of a shared upstream) is not a neighbour. Unknown ids
    are ignored.

    Parameters
    ----------
    design : the design
    ids : task or group ids to centre on (a group stands for every task in it)
    hops : how many steps to go each way (0: the items themselves)

    Examples
    --------
    >>> d = Design.model_validate({"dag": {"dag_id": "d"},
    ...     "tasks": [{"id": i} for i in "abcde"], "groups": [{"id": "g"}],
    ...     "edges": [{"upstream": u, "downstream": v} for u, v in ["ab", "bc", "cd", "ae"]]})
    >>> sorted(neighbourhood(d, ["c"], 1))
    ['b', 'c', 'd']
    >>> sorted(neighbourhood(d, ["c"], 2))
    ['a', 'b', 'c', 'd']
    """
    tg = build_task_graph(design)
    start = [node for ref in ids for node in tg.node_ids(ref)]
    nodes = _within(start, tg.pred, hops) | _within(start, tg.succ, hops)
    tasks = {tg.node_task[node] for node in nodes}
    groups = {gid for task in tasks for gid in tg.ns.chain(tg.ns.tasks[task].group)}
    known = set(tg.ns.groups)
    return frozenset(tasks | groups | {ref for ref in ids if ref in known})


def _within(start: list[str], adjacency: Adjacency, hops: int) -> set[str]:
    """Nodes reachable from `start` in at most `hops` steps along `adjacency` (breadth first)."""
    seen = set(start)
    frontier = list(seen)
    for _ in range(hops):
        frontier = [n for node in frontier for n in adjacency[node] if n not in seen]
        seen.update(frontier)
        if not frontier:
            break
    return seen
