"""Every metric on shape fixtures, against answers computed by hand."""

import pytest

from designer.analysis import analyze
from designer.analysis.cycles import find_cycles
from designer.analysis.graph import build_task_graph
from designer.analysis.simulate import simulate
from designer.model import DynamicMapping, StaticFanOut, TaskArgs
from tests.shapes import CYCLE_THROUGH_GROUP, DIAMOND, FAN_OUT, LINEAR, NESTED_GROUPS, make


def metrics(design):
    return analyze(design).metrics


def test_linear():
    m = metrics(LINEAR)
    assert (m.tasks, m.edges, m.groups) == (4, 3, 0)
    assert (m.depth, m.width) == (4, 1)
    assert m.critical_path == ["a", "b", "c", "d"] and m.critical_path_length == 240
    assert m.cyclomatic_complexity == 3 - 4 + 2
    assert (m.roots, m.leaves, m.isolated) == (["a"], ["d"], [])
    assert m.redundant_edges == []


def test_diamond_critical_path_follows_the_heavier_branch():
    m = metrics(DIAMOND)
    assert (m.depth, m.width) == (3, 2)
    assert m.widest_generation == ["b", "c"]
    assert m.critical_path == ["a", "b", "d"] and m.critical_path_length == 7
    assert (m.max_fan_in, m.max_fan_in_task) == (2, "d")
    assert (m.max_fan_out, m.max_fan_out_task) == (2, "a")
    assert m.cyclomatic_complexity == 4 - 4 + 2


def test_fan_out():
    m = metrics(FAN_OUT)
    assert (m.tasks, m.edges, m.depth, m.width) == (7, 10, 3, 5)
    assert (m.max_fan_out, m.max_fan_out_task) == (5, "src")
    assert (m.max_fan_in, m.max_fan_in_task) == (5, "sink")
    assert m.cyclomatic_complexity == 10 - 7 + 2


def test_nested_groups():
    m = metrics(NESTED_GROUPS)
    assert m.groups == 2 and m.max_group_nesting == 2
    assert m.group_sizes == {"g": 3, "inner": 2}
    # start->g.a (root->g), g.a->g.inner.b (g->inner), g.inner.c->end (inner->root)
    assert m.crossing_edges == 3
    assert m.critical_path == ["start", "g.a", "g.inner.b", "g.inner.c", "end"]


def test_redundant_edges_and_isolated_tasks():
    m = metrics(make("a>>b, b>>c, a>>c", tasks=["lonely"]))
    assert m.redundant_edges == [("a", "c")]
    assert m.isolated == ["lonely"]
    assert m.roots == ["a", "lonely"] and m.leaves == ["c", "lonely"]
    assert m.cyclomatic_complexity == 3 - 4 + 2 * 2


def test_redundant_edge_check_is_gated_by_size():
    m = metrics(make("a>>b, b>>c, a>>c", lint={"redundant_edge_check_limit": 2}))
    assert m.redundant_edges is None


def test_static_fan_out_and_mapping_are_counted_apart():
    design = make("a>>x, x>>m", task_fields={"x": {"fan_out": StaticFanOut(count=4)},
                                              "m": {"mapping": DynamicMapping(expand={"bash_command": ["1", "2"]})}})
    m = metrics(design)
    assert (m.tasks, m.static_fan_out_tasks, m.mapped_tasks) == (6, 4, 1)


def test_cyclic_graph_has_no_depth_or_critical_path():
    report = analyze(CYCLE_THROUGH_GROUP)
    assert report.cycles == [["g.fetch", "g.store", "report"]]
    assert report.metrics.depth is None and report.metrics.critical_path == []
    assert report.simulation is None


def test_find_cycles_reports_each_component_in_order_and_self_loops():
    import networkx as nx

    g = nx.DiGraph([("b", "c"), ("c", "b"), ("x", "y"), ("y", "z"), ("z", "x"), ("s", "s")])
    assert find_cycles(g) == [["b", "c"], ["s"], ["x", "y", "z"]]


class TestSimulation:
    def test_unlimited_parallelism_equals_critical_path(self):
        sim = simulate(build_task_graph(DIAMOND))
        assert sim.makespan == 7
        runs = {r.task_id: (r.start, r.end) for r in sim.runs}
        assert runs == {"a": (0, 1), "b": (1, 6), "c": (1, 3), "d": (6, 7)}

    def test_max_active_tasks_serialises_work(self):
        # four 60 s tasks in parallel after a root, one slot: 60 + 4 * 60
        design = make("r>>a, r>>b, r>>c, r>>d")
        assert simulate(build_task_graph(design), max_active_tasks=1).makespan == 300
        assert simulate(build_task_graph(design), max_active_tasks=2).makespan == 180

    def test_pool_slots_limit_concurrency(self):
        design = make("", tasks=["a", "b", "c"], task_fields={
            n: {"overrides": TaskArgs(retries=1, pool="db", pool_slots=2)} for n in "abc"})
        sim = simulate(build_task_graph(design), pools={"db": 4})
        assert sim.makespan == 120  # two at a time, since each needs 2 of the pool's 4 slots

    def test_literal_mapping_runs_one_instance_per_element(self):
        design = make("", tasks=["m"], task_fields={"m": {"mapping": DynamicMapping(expand={"x": [1, 2, 3]})}})
        sim = simulate(build_task_graph(design), max_active_tasks=2)
        assert sim.makespan == 120 and sim.runs[0].instances == 3

    @pytest.mark.parametrize("limit", [1, 3, 16])
    def test_dependencies_are_respected(self, limit):
        sim = simulate(build_task_graph(FAN_OUT), max_active_tasks=limit)
        runs = {r.task_id: r for r in sim.runs}
        for i in range(5):
            assert runs[f"t{i}"].start >= runs["src"].end and runs["sink"].start >= runs[f"t{i}"].end
