"""Cycle detection with ordered cycle paths."""

from __future__ import annotations

import networkx as nx


def find_cycles(graph: nx.DiGraph) -> list[list[str]]:
    """One cycle per strongly connected component that has one, as the ordered list of its nodes.

    The path starts at the component's smallest node and follows edges; the edge from the last node
    back to the first closes it. Self-loops are cycles of one node. Sorted, so output is stable.

    >>> find_cycles(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]))
    [['a', 'b', 'c']]
    """
    cycles = [[n] for n in sorted(nx.nodes_with_selfloops(graph))]
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        sub = graph.subgraph(component)
        start = min(component)
        edges = nx.find_cycle(sub, source=start)
        path = [u for u, _ in edges]
        # find_cycle may enter the cycle after a prefix; rotate so the smallest node leads.
        first = path.index(min(path))
        cycles.append(path[first:] + path[:first])
    return sorted(cycles)
