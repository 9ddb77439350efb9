"""The analysis walks plain adjacency dicts; these tests hold them to what networkx computes.

`TaskGraph.graph` shares its storage with `TaskGraph.succ`/`pred` (see docs/decisions.md), so it must
look exactly like a graph built through networkx's public API, and the dict-based algorithms must
agree with networkx's own on the same graphs.
"""

import random

import networkx as nx
import pytest

from bench.designs import layered_design
from designer.analysis.graph import build_task_graph, topological_generations
from designer.analysis.metrics import critical_path, redundant_edges, weak_components
from designer.storage import load_design
from tests.conftest import sample_paths
from tests.shapes import make


def _random_design(seed: int):
    """Tasks in a few (nested) groups, forward edges between tasks and groups, and sometimes a back edge."""
    rng = random.Random(seed)
    tasks = [f"t{i}" for i in range(rng.randint(2, 30))]
    groups = {f"g{i}": (f"g{i - 1}" if i and rng.random() < 0.4 else None) for i in range(rng.randint(0, 4))}
    members = {t: rng.choice([None, *groups]) for t in tasks if rng.random() < 0.7}
    members = {t: g for t, g in members.items() if g}
    ends = tasks + list(groups)
    pairs = set()
    for _ in range(rng.randint(0, 2 * len(tasks))):
        a, b = rng.sample(range(len(tasks)), 2)
        up, down = tasks[min(a, b)], tasks[max(a, b)]
        if rng.random() < 0.05:
            up, down = down, up
        if groups and rng.random() < 0.2:
            up = rng.choice(ends)
        pairs.add((up, down))
    edges = ", ".join(f"{u}>>{d}" for u, d in sorted(pairs) if u != d)
    return make(edges, tasks=tasks, groups=groups, members=members)


DESIGNS = (
    [pytest.param(load_design(p), id=p.stem) for p in sample_paths()]
    + [pytest.param(layered_design(300, seed=s), id=f"layered-{s}") for s in range(2)]
    + [pytest.param(_random_design(s), id=f"random-{s}") for s in range(40)]
)


@pytest.mark.parametrize("design", DESIGNS)
def test_the_networkx_view_is_the_graph_networkx_would_build(design):
    tg = build_task_graph(design)
    reference = nx.DiGraph()
    reference.add_nodes_from((n, {"task": t, "group": tg.ns.tasks[t].group}) for n, t in tg.node_task.items())
    reference.add_edges_from((u, d) for _, ups, downs in tg.expansions for u in ups for d in downs)
    assert list(tg.graph.nodes(data=True)) == list(reference.nodes(data=True))
    assert list(tg.graph.edges) == list(reference.edges)  # same order: exporters write edges in it
    assert {n: list(p) for n, p in tg.graph.pred.items()} == {n: list(p) for n, p in reference.pred.items()}
    assert dict(tg.graph.in_degree()) == dict(reference.in_degree())


def test_edges_added_through_networkx_show_in_the_adjacency_dicts():
    tg = build_task_graph(make("a>>b, b>>c"))
    tg.graph.add_edge("c", "a", weight=2)
    assert "a" in tg.succ["c"] and tg.pred["a"]["c"] == {"weight": 2}
    assert nx.find_cycle(tg.graph)


@pytest.mark.parametrize("design", DESIGNS)
def test_dict_algorithms_agree_with_networkx(design):
    tg = build_task_graph(design)
    g = tg.graph
    assert weak_components(tg.succ, tg.pred) == (nx.number_weakly_connected_components(g) if len(g) else 0)
    generations = topological_generations(tg.succ, tg.pred)
    if not nx.is_directed_acyclic_graph(g):
        assert generations is None
        return
    assert [sorted(gen) for gen in generations] == [sorted(gen) for gen in nx.topological_generations(g)]
    order = tg.topological_order
    assert redundant_edges(order, tg.succ) == sorted(set(g.edges) - set(nx.transitive_reduction(g).edges))
    # Any topological order gives the same path: ties are broken by task_id, not by position.
    path, length = critical_path(order, tg.pred, tg.durations)
    assert critical_path(list(nx.topological_sort(g)), tg.pred, tg.durations) == (path, length)
    assert length == (nx.dag_longest_path_length(_node_weighted(g, tg.durations)) if len(g) else 0)


def _node_weighted(g: nx.DiGraph, weight: dict[str, float]) -> nx.DiGraph:
    """Node weights moved onto edges, from a common source, so networkx's longest path can compare."""
    h = nx.DiGraph()
    h.add_weighted_edges_from((u, v, weight[v]) for u, v in g.edges)
    h.add_weighted_edges_from(("<source>", n, weight[n]) for n in g)
    return h
