"""Every lint rule: a design that trips it and a near-identical one that does not.

The table is data (rule code -> failing design, passing design, expected subject); a rule without a
row fails `test_every_rule_has_cases`.
"""

import datetime as dt

import pytest
from pydantic import ValidationError

from designer.analysis import RULES, Severity, analyze
from designer.analysis.report import GRADES
from designer.model import (
    AssetSchedule, DynamicMapping, Edge, Group, Param, StaticFanOut, TaskArgs, TriggerRule, UpstreamOutput,
)
from tests.shapes import CYCLE_THROUGH_GROUP, make


def with_groups(design, *groups):
    return design.model_copy(update={"groups": groups})


def with_edges(design, *edges):
    return design.model_copy(update={"edges": (*design.edges, *edges)})


BASH = {"operator": "bash", "args": {"bash_command": "echo hi"}}
SENSOR_OK = {"operator": "file_sensor", "args": {"filepath": "/x", "timeout": 600, "mode": "reschedule"}}
BRANCH = {"operator": "branch_python", "args": {"python_callable": "pkg.mod.choose"}}

CASES = {
    "DD001": (make("a>>b", tasks=["load data"]), make("a>>b", tasks=["load_data"]), "load data"),
    "DD002": (make("a>>g", groups={"g": None}, tasks=["g"]), make("a>>g", groups={"g": None}, members={"a": "g"},
                                                                     tasks=["b"]), "g"),
    "DD003": (with_edges(make("a>>b"), Edge(upstream="b", downstream="ghost")), make("a>>b"), "ghost"),
    "DD004": (make("a>>a"), make("a>>b"), "a"),
    "DD005": (CYCLE_THROUGH_GROUP, make("fetch>>store, store>>report", groups={"g": None},
                                        members={"fetch": "g", "store": "g"}), "report"),
    "DD006": (with_groups(make("", tasks=["a"], members={"a": "x"}), Group(id="x", parent="y"), Group(id="y", parent="x")),
              with_groups(make("", tasks=["a"], members={"a": "x"}), Group(id="x", parent="y"), Group(id="y")), "x"),
    "DD007": (make("a>>b", groups={"empty": None}), make("a>>b", groups={"g": None}, members={"a": "g"}), "empty"),
    "DD008": (make("", tasks=["a", "b", "c"], groups={"g": None}, members=dict.fromkeys("abc", "g"),
                   lint={"max_group_size": 2}),
              make("", tasks=["a", "b"], groups={"g": None}, members=dict.fromkeys("ab", "g"),
                   lint={"max_group_size": 2}), "g"),
    "DD009": (make("a>>z, b>>z, c>>z", lint={"max_fan_in": 2}), make("a>>z, b>>z", lint={"max_fan_in": 2}), "z"),
    "DD010": (make("a>>x, a>>y, a>>z", lint={"max_fan_out": 2}), make("a>>x, a>>y", lint={"max_fan_out": 2}), "a"),
    "DD011": (make("", tasks=["t"], members={"t": "c"}, groups={"a": None, "b": "a", "c": "b"},
                   lint={"max_nesting_depth": 2}),
              make("", tasks=["t"], members={"t": "b"}, groups={"a": None, "b": "a"},
                   lint={"max_nesting_depth": 2}), "c"),
    "DD012": (make("a>>b, b>>c, a>>c"), make("a>>b, b>>c"), "a"),
    "DD013": (make("a>>b, b>>c", lint={"max_tasks": 2}), make("a>>b", lint={"max_tasks": 2}), None),
    "DD014": None,  # the grade is always reported: see test_complexity_grade
    "DD015": (make("", tasks=["b"], task_fields={"b": {"operator": "bash", "args": {"bash_commnd": "x"}}}),
              make("", tasks=["b"], task_fields={"b": BASH}), "b"),
    "DD016": (make("", tasks=["m"], task_fields={"m": {**BASH, "mapping": DynamicMapping(expand={"bash_command": ["a"]})}}),
              make("", tasks=["m"], task_fields={"m": {"operator": "bash",
                                                       "mapping": DynamicMapping(expand={"bash_command": ["a"]})}}), "m"),
    "DD017": (make("", tasks=["m"], task_fields={"m": {"operator": "bash", "mapping": DynamicMapping(
                   expand={"bash_command": ["echo"] * 3})}}, lint={"max_literal_mapping": 2}),
              make("", tasks=["m"], task_fields={"m": {"operator": "bash", "mapping": DynamicMapping(
                   expand={"bash_command": ["echo"] * 2})}}, lint={"max_literal_mapping": 2}), "m"),
    "DD018": (make("", tasks=["s"], task_fields={"s": {"operator": "file_sensor", "args": {"filepath": "/x"}}}),
              make("", tasks=["s"], task_fields={"s": SENSOR_OK}), "s"),
    "DD019": (make("a>>b").model_copy(update={"tasks": tuple(t.model_copy(update={"overrides": TaskArgs()})
                                                               for t in make("a>>b").tasks)}),
              make("a>>b"), "a"),
    "DD020": (make("br>>x, br>>y", task_fields={"br": {**BRANCH, "branches": ["x", "z"]}}, tasks=["z"]),
              make("br>>x, br>>y", task_fields={"br": {**BRANCH, "branches": ["x", "y"]}}), "br"),
    "DD021": (make("br>>x, br>>y, x>>j, y>>j", task_fields={"br": {**BRANCH, "branches": ["x", "y"]}}),
              make("br>>x, br>>y, x>>j, y>>j", task_fields={
                  "br": {**BRANCH, "branches": ["x", "y"]},
                  "j": {"trigger_rule": TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS}}), "j"),
    "DD022": (make("a>>b", dag_fields={"schedule": "61 * * * *"}), make("a>>b", dag_fields={"schedule": "1 * * * *"}),
              None),
    "DD023": (make("", tasks=["q"], task_fields={"q": {"operator": "sql", "args": {
                  "conn_id": "db", "sql": "select 1", "parameters": {"password": "hunter22"}}}}),
              make("", tasks=["q"], task_fields={"q": {"operator": "sql", "args": {
                  "conn_id": "db", "sql": "select 1", "parameters": {"password": "{{ conn.db.password }}"}}}}), "q"),
}


def findings(design, code):
    return [f for f in analyze(design).findings if f.code == code]


def test_every_rule_has_cases():
    assert set(RULES) == set(CASES)


@pytest.mark.parametrize("code", sorted(c for c, case in CASES.items() if case))
def test_rule_trips_on_bad_design_and_not_on_good_one(code):
    bad, good, subject = CASES[code]
    tripped = findings(bad, code)
    assert tripped, f"{code} did not trip"
    if subject is not None:
        assert any(subject in f.subjects for f in tripped), [f.subjects for f in tripped]
    assert findings(good, code) == []


def test_findings_have_locations_that_name_the_culprit():
    design = make("", tasks=["b"], task_fields={"b": {"operator": "bash", "args": {"bash_commnd": "x"}}})
    located = {f.location for f in findings(design, "DD015")}
    assert ("tasks", 0, "args", "bash_commnd") in located and ("tasks", 0, "args") in located


@pytest.mark.parametrize(("edges", "grade"), [("a>>b", "A"), (", ".join(f"s{i}>>t{j}" for i in range(6)
                                                                          for j in range(6)), "C")])
def test_complexity_grade(edges, grade):
    report = analyze(make(edges))
    # score for the 6x6 complete bipartite graph: 36 edges - 12 nodes + 2 = 26
    assert report.complexity.grade == grade
    [finding] = findings(make(edges), "DD014")
    assert f"grade {grade}" in finding.message
    assert [g for g, _ in GRADES] == ["A", "B", "C", "D", "E"]


def test_cycle_finding_names_the_ordered_path_and_the_edges_behind_it():
    [finding] = findings(CYCLE_THROUGH_GROUP, "DD005")
    assert finding.subjects == ("g.fetch", "g.store", "report")
    assert "g.fetch -> g.store -> report -> g.fetch" in finding.message
    assert "report >> g" in finding.message
    assert finding.severity is Severity.ERROR


def test_composed_id_length_is_checked_after_prefixing():
    design = make("", tasks=["t" * 60], groups={"g" * 195: None}, members={"t" * 60: "g" * 195})
    assert any("256 characters" in f.message for f in findings(design, "DD001"))


def test_dag_settings_variants():
    continuous = make("a>>b", dag_fields={"schedule": "@continuous"})
    assert any("max_active_runs" in f.message for f in findings(continuous, "DD022"))
    required = make("a>>b", dag_fields={"schedule": "@daily", "params": {"x": Param(type="string")}})
    assert any("param 'x'" in f.message for f in findings(required, "DD022"))
    assets = make("a>>b", dag_fields={"schedule": AssetSchedule(assets=["s3://b/k"])})
    assert findings(assets, "DD022") == []
    bad_preset = make("a>>b", dag_fields={"schedule": "@fortnightly"})
    assert findings(bad_preset, "DD022")


def test_branch_never_chosen_downstream_is_a_warning():
    design = make("br>>x, br>>y", task_fields={"br": {**BRANCH, "branches": ["x"]}})
    [finding] = findings(design, "DD020")
    assert finding.severity is Severity.WARNING and "'y'" in finding.message


def test_join_of_branch_and_direct_bypass_is_flagged():
    design = make("br>>x, br>>j, x>>j", task_fields={"br": {**BRANCH, "branches": ["x", "j"]}})
    assert [f.subjects for f in findings(design, "DD021")] == [("j",)]


def test_secret_value_patterns_are_found_anywhere_in_arguments():
    design = make("", tasks=["b"], task_fields={"b": {"operator": "bash", "args": {
        "bash_command": "curl https://user:s3cret@example.com", "env": {"KEY": "AKIAABCDEFGHIJKLMNOP"}}}})
    assert {f.location[-1] for f in findings(design, "DD023")} == {"bash_command", "KEY"}


def test_mapping_over_operator_wide_argument_and_fan_out_conflicts():
    design = make("", tasks=["m"], task_fields={"m": {"operator": "bash", "args": {"bash_command": "x"},
                                                      "fan_out": StaticFanOut(count=2),
                                                      "mapping": DynamicMapping(expand={"retries": [1]})}})
    messages = " | ".join(f.message for f in findings(design, "DD016"))
    assert "both fan_out and mapping" in messages and "cannot be mapped" in messages


def test_mapping_source_that_is_not_a_task_is_dangling():
    design = make("", tasks=["m"], task_fields={"m": {"operator": "bash", "mapping": DynamicMapping(
        expand={"bash_command": UpstreamOutput(task="nope")})}})
    assert any("'nope'" in f.message for f in findings(design, "DD003"))


def test_disabled_rules_are_skipped():
    design = make("a>>b, b>>c, a>>c", lint={"disabled": ["DD012"]})
    assert findings(design, "DD012") == []


def test_negative_estimated_duration_is_a_shape_error():
    with pytest.raises(ValidationError):
        make("a>>b", durations={"a": -1})
    assert make("a>>b", durations={"a": 0}).tasks[0].estimated_duration == dt.timedelta(0)
