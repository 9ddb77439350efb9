"""The task graph: group edges expand exactly as Airflow's roots/leaves do."""

from designer.analysis.graph import build_task_graph, edge_scope
from designer.ids import Namespace
from designer.model import DynamicMapping, Edge, Group, StaticFanOut, UpstreamOutput
from tests.shapes import CYCLE_THROUGH_GROUP, NESTED_GROUPS, make


def edges_of(design):
    return sorted(build_task_graph(design).graph.edges)


def test_nested_group_edges_expand_to_roots_and_leaves():
    assert edges_of(NESTED_GROUPS) == [
        ("g.a", "g.inner.b"),
        ("g.inner.b", "g.inner.c"),
        ("g.inner.c", "end"),
        ("start", "g.a"),
    ]


def test_group_to_group_edge_connects_leaves_to_roots():
    design = make("g1>>g2, a>>b, c>>d", groups={"g1": None, "g2": None},
                  members={"a": "g1", "b": "g1", "c": "g2", "d": "g2"})
    assert edges_of(design) == [("g1.a", "g1.b"), ("g1.b", "g2.c"), ("g2.c", "g2.d")]


def test_inner_edges_apply_before_outer_group_edges_whatever_the_order_in_the_file():
    # The group edge is listed first, but g's leaves must be computed after a >> b is applied.
    design = make("g>>end, a>>b", groups={"g": None}, members={"a": "g", "b": "g"})
    assert edges_of(design) == [("g.a", "g.b"), ("g.b", "end")]


def test_edge_scope_is_the_innermost_common_group():
    ns = Namespace(NESTED_GROUPS)
    scopes = {(e.upstream, e.downstream): edge_scope(ns, e) for e in NESTED_GROUPS.edges}
    assert scopes == {("start", "g"): (), ("a", "inner"): ("g",), ("b", "c"): ("g", "inner"), ("g", "end"): ()}


def test_prefix_group_id_false_drops_the_prefix_of_direct_children_only():
    design = make("", tasks=["t", "u"], members={"t": "load", "u": "sub"}, groups={"load": None, "sub": "load"})
    design = design.model_copy(update={"groups": (Group(id="load", prefix_group_id=False),
                                                  Group(id="sub", parent="load"))})
    ns = Namespace(design)
    assert ns.qualify_task(ns.tasks["t"]) == "t"
    assert ns.qualify_group("sub") == "sub"
    assert ns.qualify_task(ns.tasks["u"]) == "sub.u"


def test_static_fan_out_makes_copies_with_bipartite_edges():
    design = make("a>>x, x>>b")
    tasks = tuple(t.model_copy(update={"fan_out": StaticFanOut(count=3)}) if t.id == "x" else t for t in design.tasks)
    tg = build_task_graph(design.model_copy(update={"tasks": tasks}))
    assert tg.task_nodes["x"] == ["x_0", "x_1", "x_2"]
    assert sorted(tg.graph.edges) == sorted([("a", f"x_{i}") for i in range(3)] + [(f"x_{i}", "b") for i in range(3)])


def test_mapping_over_an_upstream_output_adds_the_dependency_airflow_adds():
    design = make("", tasks=["src", "m"])
    mapping = DynamicMapping(expand={"op_args": UpstreamOutput(task="src")})
    tasks = tuple(t.model_copy(update={"mapping": mapping}) if t.id == "m" else t for t in design.tasks)
    tg = build_task_graph(design.model_copy(update={"tasks": tasks}))
    assert list(tg.graph.edges) == [("src", "m")]
    assert tg.origins[("src", "m")] == ["mapping:m"]


def test_cycle_through_group_edge_exists_in_task_graph():
    assert edges_of(CYCLE_THROUGH_GROUP) == [("g.fetch", "g.store"), ("g.store", "report"), ("report", "g.fetch")]


def test_empty_group_edges_connect_nothing_and_dangling_edges_are_skipped():
    design = make("a>>empty, empty>>b", groups={"empty": None})
    design = design.model_copy(update={"edges": (*design.edges, Edge(upstream="a", downstream="ghost"))})
    assert edges_of(design) == []
