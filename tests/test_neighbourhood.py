"""Focus mode's neighbourhood (designer/analysis/neighbourhood.py): steps follow the task graph as
Airflow wires it (a group edge reaches the group's roots or leaves only), upstream and downstream
separately, with the groups around every task shown."""

from __future__ import annotations

import pytest

from designer.analysis.neighbourhood import neighbourhood
from designer.model import Design


def design(tasks: list, edges: str = "", groups: list | None = None) -> Design:
    """tasks: ids or dicts; edges: "a>b b>c"; groups: ids or dicts."""
    return Design.model_validate({
        "dag": {"dag_id": "d"},
        "tasks": [t if isinstance(t, dict) else {"id": t} for t in tasks],
        "groups": [g if isinstance(g, dict) else {"id": g} for g in groups or []],
        "edges": [{"upstream": u, "downstream": d} for u, d in (pair.split(">") for pair in edges.split())],
    })


CHAIN = design(list("abcdef"), "a>b b>c c>d d>e e>f")
DIAMOND = design(list("sxyz"), "s>x s>y x>z y>z")
# a >> group g, whose x >> y: Airflow wires a to g's root x only, and g's leaf y to z.
GROUP = design(["a", {"id": "x", "group": "g"}, {"id": "y", "group": "g"}, "z"], "a>g x>y g>z", ["g"])
NESTED = design([{"id": "deep", "group": "inner"}, "up"], "up>deep",
                [{"id": "outer"}, {"id": "inner", "parent": "outer"}])
FAN = design(["a", {"id": "f", "operator": "bash", "fan_out": {"count": 3}}, "z"], "a>f f>z")
MAPPED = design(["src", {"id": "m", "operator": "bash", "mapping": {"expand": {"bash_command": {"task": "src"}}}}])

CASES = [  # (design, ids, hops, expected)
    (CHAIN, ["c"], 0, "c"),
    (CHAIN, ["c"], 1, "b c d"),
    (CHAIN, ["c"], 2, "a b c d e"),
    (CHAIN, ["c"], 10, "a b c d e f"),
    (CHAIN, ["a", "f"], 1, "a b e f"),
    (DIAMOND, ["x"], 1, "s x z"),  # y shares x's upstream and downstream, but is not a step from x
    (DIAMOND, ["x"], 5, "s x z"),
    (GROUP, ["a"], 1, "a x g"),  # the group's root only
    (GROUP, ["y"], 1, "x y z g"),  # a reaches y only through x
    (GROUP, ["y"], 2, "a x y z g"),
    (GROUP, ["g"], 1, "a x y z g"),  # a group stands for every task in it
    (NESTED, ["up"], 1, "up deep inner outer"),  # every group around a shown task
    (NESTED, ["inner"], 0, "deep inner outer"),
    (FAN, ["a"], 1, "a f"),  # a static fan-out is one box: its copies are all one step away
    (FAN, ["z"], 2, "a f z"),
    (MAPPED, ["m"], 1, "src m"),  # .expand over an upstream's output is a dependency
    (CHAIN, ["nope"], 3, ""),  # unknown ids are ignored
]


@pytest.mark.parametrize(("design", "ids", "hops", "expected"), CASES)
def test_neighbourhood(design, ids, hops, expected):
    assert neighbourhood(design, ids, hops) == frozenset(expected.split())
