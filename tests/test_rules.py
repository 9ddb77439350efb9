"""Every lint rule: a design that trips it and a near-identical one that does not.

The table is data (rule code -> failing design, passing design, expected subject); a rule without a
row fails `test_every_rule_has_cases`.
"""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from designer.analysis import RULES, Severity, analyze
from designer.analysis.report import GRADES
from designer.model import (
    AssetAlias,
    AssetOrTimeSchedule,
    AssetSchedule,
    DynamicMapping,
    Edge,
    Group,
    NamedAsset,
    Param,
    StaticFanOut,
    TaskArgs,
    TimetableSchedule,
    TriggerRule,
    UpstreamOutput,
)
from exporters import ExportError, export
from exporters.checks import require_exportable
from exporters.dag_factory import dag_factory_yaml
from exporters.python_module import _Module
from tests.shapes import CYCLE_THROUGH_GROUP, make


def with_groups(design, *groups):
    return design.model_copy(update={"groups": groups})


def with_edges(design, *edges):
    return design.model_copy(update={"edges": (*design.edges, *edges)})


BASH = {"operator": "bash", "args": {"bash_command": "echo hi"}}
SENSOR_OK = {"operator": "file_sensor", "args": {"filepath": "/x", "timeout": 600, "mode": "reschedule"}}
BRANCH = {"operator": "branch_python", "args": {"python_callable": "pkg.mod.choose"}}
CUSTOM = "my_company.operators.LoadOperator"
PYTHON = {"operator": "python"}

CASES = {
    "DD001": (make("a>>b", tasks=["load data"]), make("a>>b", tasks=["load_data"]), "load data"),
    "DD002": (make("a>>g", groups={"g": None}, tasks=["g"]), make("a>>g", groups={"g": None}, members={"a": "g"},
                                                                     tasks=["b"]), "g"),
    "DD003": (with_edges(make("a>>b"), Edge(upstream="b", downstream="ghost")), make("a>>b"), "ghost"),
    "DD004": (make("a>>a"), make("a>>b"), "a"),
    "DD005": (CYCLE_THROUGH_GROUP, make("fetch>>store, store>>report", groups={"g": None},
                                        members={"fetch": "g", "store": "g"}), "report"),
    "DD006": (with_groups(make("", tasks=["a"], members={"a": "x"}), Group(id="x", parent="y"),
                          Group(id="y", parent="x")),
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
    "DD016": (make("", tasks=["m"], task_fields={"m": {**BASH, "mapping": DynamicMapping(
                  expand={"bash_command": ["a"]})}}),
              make("", tasks=["m"], task_fields={"m": {"operator": "bash", "mapping": DynamicMapping(
                  expand={"bash_command": ["a"]})}}), "m"),
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
    "DD022": (make("a>>b", dag_fields={"schedule": "61 * * * *"}),
              make("a>>b", dag_fields={"schedule": "1 * * * *"}), None),
    "DD023": (make("", tasks=["q"], task_fields={"q": {"operator": "sql", "args": {
                  "conn_id": "db", "sql": "select 1", "parameters": {"password": "hunter22"}}}}),
              make("", tasks=["q"], task_fields={"q": {"operator": "sql", "args": {
                  "conn_id": "db", "sql": "select 1", "parameters": {"password": "{{ conn.db.password }}"}}}}), "q"),
    "DD024": (make("", tasks=["b"], task_fields={"b": {"operator": "bash", "args": {"bash_command": "echo \x00"}}}),
              make("", tasks=["b"], task_fields={"b": {"operator": "bash", "args": {
                  "bash_command": "echo\n\techo\r\n"}}}), "b"),
    "DD025": (make("", tasks=["c"], task_fields={"c": {"operator": CUSTOM, "args": {"class": "x"}}}),
              make("", tasks=["c"], task_fields={"c": {"operator": CUSTOM, "args": {"class_": "x"}}}), "c"),
    "DD026": (make("a>>b", lint={"disabled": ["DD005"]}), make("a>>b", lint={"disabled": ["DD012"]}), None),
    "DD027": (make("a>>b", task_fields={"a": {"overrides": TaskArgs(retries=1, pool="my pool")}}),
              make("a>>b", task_fields={"a": {"overrides": TaskArgs(retries=1, pool="my_pool")}}), "a"),
    "DD028": (make("", tasks=["t"], task_fields={"t": {**PYTHON, "args": {"python_callable": "os.system"}}}),
              make("", tasks=["t"], task_fields={"t": {**PYTHON, "args": {"python_callable": "pkg.m.run"}}}), "t"),
    "DD029": (make("a>>b", dag_fields={"doc_md": "docs/README.md"}),
              make("a>>b", dag_fields={"doc_md": "See README.md."}), None),
    "DD030": (make("a>>b", groups={"g": None}, members={"a": "g"}).model_copy(update={"groups": (
                  Group(id="g", prefix_group_id=False),)}),
              make("a>>b", groups={"g": None}, members={"a": "g"}), "g"),
    "DD031": (make("s>>w, s>>t", task_fields={"s": {"is_setup": True}, "w": {"trigger_rule": "all_done"},
                                              "t": {"is_teardown": True, "trigger_rule": "all_done_setup_success"}}),
              make("s>>w, s>>t", task_fields={"s": {"is_setup": True},
                                              "t": {"is_teardown": True, "trigger_rule": "all_done_setup_success"}}),
              "w"),
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


E, W = Severity.ERROR, Severity.WARNING
TT = "airflow.sdk.CronPartitionTimetable"
# (schedule, code, severity, text in the message, or None when no finding of that code is expected)
SCHEDULE_CASES = [
    (AssetSchedule(mode="any", assets=["s3://a", AssetSchedule(assets=["s3://b", AssetAlias(alias="al")])]),
     "DD022", None, None),
    (AssetSchedule(assets=["s3://a", AssetSchedule(assets=["airflow://x"])]), "DD022", E, "airflow://"),
    (AssetSchedule(assets=[AssetAlias(alias=" ")]), "DD022", E, "asset alias ' ' is empty"),
    (AssetSchedule(assets=[NamedAsset(uri="s3://a", name="")]), "DD022", E, "asset name '' is empty"),
    (AssetSchedule(assets=[NamedAsset(uri="s3://ü", name="u")]), "DD022", W, "non-ASCII"),
    (TimetableSchedule(timetable=TT, kwargs={"cron": "0 * * * *", "timezone": "UTC"}), "DD022", None, None),
    (TimetableSchedule(timetable="pkg.1bad.Timetable"), "DD022", E, "must be a dotted import path"),
    (TimetableSchedule(timetable=TT, kwargs={"class": 1}), "DD022", E, "'class' is a Python keyword"),
    (AssetOrTimeSchedule(timetable="61 * * * *", assets=AssetSchedule(assets=["s3://a"])), "DD022", E, "time part"),
    (AssetOrTimeSchedule(timetable="@once", assets=AssetSchedule(assets=["s3://a"])), "DD022", E, "not a cron"),
    (AssetOrTimeSchedule(timetable="@daily", assets=AssetSchedule(assets=["s3://a"])), "DD022", None, None),
    (TimetableSchedule(timetable="os.system"), "DD028", W, "runs a shell command"),
    # What one export target cannot write (DD030), for dag-factory and for Airflow 2.
    (TimetableSchedule(timetable=TT, kwargs={"__args__": [1]}), "DD030", W, "dag-factory"),
    (AssetSchedule(assets=[NamedAsset(uri="s3://a", extra={"__type__": "x"})]), "DD030", W, "dag-factory"),
    (TimetableSchedule(timetable=TT), "DD030", W, "Airflow 3 class"),
    (TimetableSchedule(timetable="my.timetables.Workdays"), "DD030", None, None),
    (AssetSchedule(assets=[AssetAlias(alias="al")]), "DD030", W, "Airflow 2.9 has no aliases"),
    (AssetSchedule(assets=[NamedAsset(uri="s3://a", name="a")]), "DD030", W, "name or group"),
    (AssetSchedule(assets=[NamedAsset(uri="s3://a", extra={"k": 1})]), "DD030", None, None),
    (AssetOrTimeSchedule(timetable="@daily", assets=AssetSchedule(assets=["s3://a"])), "DD030", W,
     "DatasetOrTimeSchedule"),
]


@pytest.mark.parametrize(("schedule", "code", "severity", "text"), SCHEDULE_CASES)
def test_schedule_findings(schedule, code, severity, text):
    found = findings(make("a>>b", dag_fields={"schedule": schedule}), code)
    if text is None:
        assert found == [], [f.message for f in found]
    else:
        assert any(f.severity is severity and text in f.message for f in found), [f.message for f in found]


TEARDOWN = {"is_teardown": True, "trigger_rule": TriggerRule.ALL_DONE_SETUP_SUCCESS}
# (design, severity, text): what DD031 says about setup and teardown tasks; (design, None, None): nothing.
SETUP_TEARDOWN_CASES = [
    (make("s>>w, w>>t, s>>t", task_fields={"s": {"is_setup": True}, "t": TEARDOWN}), None, None),
    (make("s>>t", task_fields={"s": {"is_setup": True}, "t": {**TEARDOWN, "trigger_rule": "all_done"}}), E,
     "has trigger rule all_done"),
    (make("w>>t", task_fields={"t": TEARDOWN}), W, "no setup task right upstream"),
    (make("s>>w", task_fields={"s": {"is_setup": True}, "w": {"trigger_rule": "none_failed"}}), E,
     "follows setup task 's'"),
    # A group edge from a setup reaches the group's roots, whose trigger rules count.
    (make("s>>g", groups={"g": None}, members={"w": "g"}, tasks=["w"],
          task_fields={"s": {"is_setup": True}, "w": {"trigger_rule": "one_success"}}), E, "task 'w' follows"),
    (make("s>>t", task_fields={"s": {"is_setup": True, "fan_out": StaticFanOut(count=2)}, "t": TEARDOWN}), None, None),
]


@pytest.mark.parametrize(("design", "severity", "text"), SETUP_TEARDOWN_CASES)
def test_setup_and_teardown_findings(design, severity, text):
    found = findings(design, "DD031")
    if text is None:
        assert found == [], [f.message for f in found]
    else:
        assert any(f.severity is severity and text in f.message for f in found), [f.message for f in found]


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


# --- what the exporters refuse is reported while drawing -------------------------------------------

def _refused_by_every_exporter(design, code):
    """The finding is an error, and every code exporter refuses the design naming the rule."""
    assert all(f.severity is Severity.ERROR for f in findings(design, code))
    for target in ("python", "python-airflow2", "dag-factory"):
        with pytest.raises(ExportError, match=code):
            export(design, target)


FAN_OUT_SOURCE = {"fan_out": StaticFanOut(count=3), "operator": "python",
                  "args": {"python_callable": "pkg.mod.list_files"}}
MAP_OVER_SRC = {"operator": "bash", "mapping": DynamicMapping(expand={"bash_command": UpstreamOutput(task="src")})}


def test_mapping_over_a_fanned_out_task_is_an_error_before_export():
    bad = make("src>>m", task_fields={"src": FAN_OUT_SOURCE, "m": MAP_OVER_SRC})
    [finding] = findings(bad, "DD016")
    assert finding.subjects == ("m", "src") and "3 copies" in finding.message and "no single output" in finding.message
    assert finding.location == ("tasks", 1, "mapping", "expand", "bash_command")
    _refused_by_every_exporter(bad, "DD016")
    good = make("src>>m", task_fields={"src": {**FAN_OUT_SOURCE, "fan_out": None}, "m": MAP_OVER_SRC})
    assert findings(good, "DD016") == []
    literal = make("src>>m", task_fields={"src": FAN_OUT_SOURCE, "m": {
        "operator": "bash", "mapping": DynamicMapping(expand={"bash_command": ["a", "b"]})}})
    assert findings(literal, "DD016") == []


def test_exporters_refuse_mapping_over_a_fan_out_beneath_the_gate_too():
    # Disabling the rule does not open the gate; beneath it, the exporters keep the same predicate.
    design = make("src>>m", task_fields={"src": FAN_OUT_SOURCE, "m": MAP_OVER_SRC}, lint={"disabled": ["DD016"]})
    with pytest.raises(ExportError, match="DD016"):
        require_exportable(design)
    with pytest.raises(ExportError, match="fanned out"):
        _Module(design, "airflow3")
    with pytest.raises(ExportError, match="fanned out"):
        dag_factory_yaml(design)


@pytest.mark.parametrize("path", ["pkg.class.fn", "pkg.1abc.fn", "pkg.None.fn", "pkg..fn", "pkg.mod.def"])
def test_callables_with_keywords_or_non_names_in_their_path_are_errors(path):
    bad = make("", tasks=["p"], task_fields={"p": {"operator": "python", "args": {"python_callable": path}}})
    [finding] = findings(bad, "DD015")
    assert finding.location == ("tasks", 0, "args", "python_callable")
    assert "keyword" in finding.message or "not a Python name" in finding.message or "empty part" in finding.message
    _refused_by_every_exporter(bad, "DD015")
    callback = make("a>>b", dag_fields={"on_failure_callback": path})
    [finding] = findings(callback, "DD022")
    assert finding.location == ("dag", "on_failure_callback") and path in finding.message
    _refused_by_every_exporter(callback, "DD022")


def test_a_custom_operator_class_path_must_be_importable():
    for path, problem in (("pkg.class.LoadOperator", "'class', which is a Python keyword"),
                          ("pkg.1abc.LoadOperator", "'1abc', which is not a Python name")):
        bad = make("", tasks=["c"], task_fields={"c": {"operator": path}})
        [finding] = findings(bad, "DD015")
        assert problem in finding.message and finding.location == ("tasks", 0, "operator")
        _refused_by_every_exporter(bad, "DD015")
    assert findings(make("", tasks=["c"], task_fields={"c": {"operator": CUSTOM}}), "DD015") == []


def test_good_callables_pass():
    design = make("a>>b", dag_fields={"on_success_callback": "pkg.mod.fn"}, task_fields={
        "a": {"operator": "python", "args": {"python_callable": "pkg.match.case_"}}})
    assert findings(design, "DD015") == findings(design, "DD022") == []


@pytest.mark.parametrize(("uri", "problem"), [
    ("", "is empty"), ("   ", "only whitespace"), ("\t\n", "only whitespace"), ("s3://b/k\x00", "U+0000 (NUL)"),
    ("s3://b/\x1b[31m", "U+001B (ESC)"), ("airflow://x", "reserves"), ("AIRFLOW://x/y", "reserves"),
    ("self", "reserves"), ("s3://b/" + "k" * 1500, "1500"), ("http://[::1/x", "not a valid URI"),
])
def test_asset_uris_airflow_refuses_are_errors(uri, problem):
    bad = make("a>>b", dag_fields={"schedule": AssetSchedule(assets=["s3://b/ok", uri])})
    [finding] = findings(bad, "DD022")
    assert problem in finding.message and finding.location == ("dag", "schedule", "assets", 1)
    _refused_by_every_exporter(bad, "DD022")


def test_asset_uris_airflow_may_take_are_warnings_or_fine():
    for uri in ("s3://b/k", "file:///data/x.csv", "x-custom://a", "plain_name", "s3://b/k?x=1#frag"):
        assert findings(make("a>>b", dag_fields={"schedule": AssetSchedule(assets=[uri])}), "DD022") == [], uri
    for uri in ("s3://b/café", " s3://b/k", "s3://b/k "):
        [finding] = findings(make("a>>b", dag_fields={"schedule": AssetSchedule(assets=[uri])}), "DD022")
        assert finding.severity is Severity.WARNING, uri


def _everywhere(text: str):
    """A design with `text` in every free-text field DD024 checks."""
    return make("a>>g", groups={"g": None}, members={"b": "g"}, tasks=["b", "s", "c"], dag_fields={
        "description": text, "doc_md": text, "tags": [text], "params": {text: Param(default={text: [text]},
                                                                                  description=text)},
        "default_args": TaskArgs(retries=1, owner=text, pool=text, queue=text)},
        task_fields={"b": {"operator": "bash", "args": {"bash_command": text, "env": {text: text}, "cwd": text},
                           "doc_md": text, "overrides": TaskArgs(retries=1, owner=text)},
                     "s": {"operator": "bash", "fan_out": StaticFanOut(values=[text], arg="bash_command")},
                     "c": {"operator": CUSTOM, "args": {"anything": text}}},
    ).model_copy(update={"groups": (Group(id="g", tooltip=text, ui_color=text, ui_fgcolor=text),),
                         "edges": (Edge(upstream="a", downstream="g", label=text),)})


ONE_LINE_FIELDS = {"dag.tags[0]", "dag.params: the key {}", "dag.default_args.owner", "dag.default_args.pool",
                   "dag.default_args.queue", "task 'b': args.cwd", "task 'b': overrides.owner", "group 'g': ui_color",
                   "group 'g': ui_fgcolor", "edge a >> g: label"}


def test_control_characters_are_errors_in_every_text_field():
    messages = [f.message for f in findings(_everywhere("x\x00y"), "DD024")]
    assert all("U+0000 (NUL)" in m for m in messages)
    fields = {m.split(" contains ")[0] for m in messages}
    assert fields >= {"dag.description", "dag.doc_md", "task 'b': args.bash_command", "task 'b': doc_md",
                      "task 's': fan_out.values[0]", "task 'c': args.anything", "group 'g': tooltip",
                      "dag.params.'x\\x00y'.description", "task 'b': args.env: the key 'x\\x00y'",
                      "task 'b': args.env.'x\\x00y'"} | {f.format("'x\\x00y'") for f in ONE_LINE_FIELDS}
    _refused_by_every_exporter(_everywhere("bell \x07"), "DD024")


def test_tabs_and_line_breaks_are_only_errors_in_one_line_fields():
    text = "one\ttwo\r\nthree"
    flagged = {f.message.split(" contains ")[0] for f in findings(_everywhere(text), "DD024")}
    assert flagged == {f.format(repr(text)) for f in ONE_LINE_FIELDS}
    assert findings(_everywhere("plain text, \u2028 and 🙂 and \u200b"), "DD024") == []


def test_argument_names_that_are_not_python_names_are_errors():
    cases = {
        "custom arg keyword": {"operator": CUSTOM, "args": {"lambda": 1}},
        "custom arg not a name": {"operator": CUSTOM, "args": {"1abc": 1}},
        "custom arg with a dash": {"operator": CUSTOM, "args": {"my-arg": 1}},
        "custom arg reserved": {"operator": CUSTOM, "args": {"task_group": "x"}},
        "expand keyword": {"operator": CUSTOM, "mapping": DynamicMapping(expand={"for": [1, 2]})},
        "fan_out arg keyword": {"operator": CUSTOM, "fan_out": StaticFanOut(values=[1, 2], arg="import")},
    }
    for name, fields in cases.items():
        bad = make("", tasks=["c"], task_fields={"c": fields})
        [finding] = findings(bad, "DD025")
        assert finding.subjects == ("c",), name
        with pytest.raises(ExportError, match="DD025"):
            export(bad, "python")
    ok = make("", tasks=["c"], task_fields={"c": {"operator": CUSTOM, "args": {"match": 1, "_x": 2},
                                                  "mapping": DynamicMapping(expand={"type": [1]})}})
    assert findings(ok, "DD025") == []


def test_duplicate_airflow_ids_name_every_owner():
    # A fan-out copy `x_0` beside a task `x_0`, and a task with the same id as a group.
    design = make("", tasks=["x", "x_0", "t"], task_fields={"x": {"fan_out": StaticFanOut(count=2)}})
    design = design.model_copy(update={
        "groups": (Group(id="g", prefix_group_id=False),),
        "tasks": (*design.tasks[:2], design.tasks[2].model_copy(update={"group": "g", "id": "g"}))})
    findings = [f for f in analyze(design).findings if f.code == "DD002"]
    messages = [f.message for f in findings]
    assert any("'x_0' would be created by x, x_0" in m for m in messages), messages
    assert any(f.subjects == ("g",) and "used 2 times" in f.message for f in findings), messages


# --- lint.disabled never opens the export gate ------------------------------------------------------

ERROR_CASES = {code: case[0] for code, case in CASES.items()
               if case and any(f.severity is Severity.ERROR for f in findings(case[0], code))}
JUNK_CODES = ["DD999", "dd001", "", "E501"]


def _errors(design):
    return [f for f in analyze(design).findings if f.severity is Severity.ERROR]


def test_every_rule_that_reports_errors_has_an_error_case():
    assert set(ERROR_CASES) == {code for code, r in RULES.items() if r.reports_errors} - {"DD017"}


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(code=st.sampled_from(sorted(ERROR_CASES)),
       disabled=st.lists(st.sampled_from(sorted(RULES) + JUNK_CODES), max_size=12))
def test_lint_disabled_never_hides_an_error(code, disabled):
    """Errors are the same whatever lint.disabled lists; only warnings and infos of listed codes vanish."""
    bad = ERROR_CASES[code]
    off = bad.model_copy(update={"lint": bad.lint.model_copy(update={"disabled": [*disabled, code]})})
    assert _errors(off) == _errors(bad)
    hidden = {f.code for f in analyze(off).findings if f.severity is not Severity.ERROR} & set(off.lint.disabled)
    assert hidden <= {"DD026"} - set(off.lint.disabled)  # DD026 itself is an info, so it can hide itself
    with pytest.raises(ExportError, match=code):
        require_exportable(off)
    notes = [f for f in findings(off, "DD026") if f.severity is Severity.INFO]
    if "DD026" not in off.lint.disabled:
        assert any(f.message.startswith(f"{code} ") and "cannot be disabled" in f.message for f in notes)


def test_every_error_rule_listed_in_lint_disabled_is_explained():
    design = make("a>>b", lint={"disabled": sorted(set(RULES) - {"DD026"}) + ["DD999"]})
    notes = findings(design, "DD026")
    assert {f.message.split()[0] for f in notes if f.severity is Severity.INFO} == {
        code for code, r in RULES.items() if r.reports_errors}
    assert [f.location for f in notes if "DD999" in f.message] == [("lint", "disabled", len(RULES) - 1)]


def test_warnings_of_a_disabled_rule_are_hidden_and_its_errors_kept():
    # DD017 warns at the design's limit and errors past Airflow's max_map_length.
    literal = {"operator": "bash", "mapping": DynamicMapping(expand={"bash_command": ["echo"] * 300})}
    design = make("", tasks=["m"], task_fields={"m": literal}, lint={"disabled": ["DD017"]})
    assert findings(design, "DD017") == []
    many = make("", tasks=["m"], task_fields={"m": {**literal, "mapping": DynamicMapping(
        expand={"bash_command": ["echo"] * 1100})}}, lint={"disabled": ["DD017"]})
    assert [f.severity for f in findings(many, "DD017")] == [Severity.ERROR]


# --- dotted paths into modules that run commands or code (DD028) -----------------------------------

RUNS_CODE_PATHS = [
    ("os.system", True), ("os.popen", True), ("os.execvp", True), ("os.spawnlp", True), ("os.fork", True),
    ("subprocess.run", True), ("subprocess.Popen", True), ("builtins.eval", True), ("builtins.exec", True),
    ("builtins.__import__", True), ("builtins.open", True), ("importlib.import_module", True),
    ("importlib.util.spec_from_file_location", True), ("runpy.run_path", True), ("pty.spawn", True),
    ("code.interact", True), ("codeop.compile_command", True), ("ctypes.CDLL", True), ("pickle.loads", True),
    ("marshal.loads", True), ("asyncio.create_subprocess_shell", True), ("shutil.rmtree", True),
    ("yaml.load", True), ("multiprocessing.Process", True),
    ("os.path.join", False), ("os.getcwd", False), ("builtins.len", False), ("pickle.dumps", False),
    ("json.loads", False), ("asyncio.sleep", False), ("my_os.system", False), ("pkg.subprocess_tools.run", False),
    ("sample_callables.extract", False), ("shutil.copyfile", False), ("yaml.safe_load", False),
]
PATH_PLACES = {
    "python_callable": lambda p: make("", tasks=["t"], task_fields={"t": {"operator": "python",
                                                                          "args": {"python_callable": p}}}),
    "custom_operator": lambda p: make("", tasks=["t"], task_fields={"t": {"operator": p}}),
    "callback": lambda p: make("", tasks=["t"], dag_fields={"on_failure_callback": p}),
}


@pytest.mark.parametrize("place", sorted(PATH_PLACES))
@pytest.mark.parametrize(("path", "flagged"), RUNS_CODE_PATHS)
def test_paths_into_modules_that_run_code_are_warned_about_wherever_they_are(path, flagged, place):
    design = PATH_PLACES[place](path)
    warned = findings(design, "DD028")
    assert bool(warned) == flagged, warned
    assert all(f.severity is Severity.WARNING and path in f.message for f in warned)


@pytest.mark.parametrize(("doc_md", "description", "warned"), [
    ("README.md", "", "doc_md"), ("docs/x.md", "d", "doc_md"), (None, "notes.md", "description"),
    ("Read README.md.", "", None), ("x.md\n", "", None), ("x.MD", "", None), (None, "", None),
    ("", "a.md", "description"),
])
def test_dag_doc_md_ending_in_md_is_read_from_disk(doc_md, description, warned):
    design = make("a>>b", dag_fields={"doc_md": doc_md, "description": description})
    assert [f.location[-1] for f in findings(design, "DD029")] == ([warned] if warned else [])


def test_task_doc_md_is_not_read_from_disk():
    assert findings(make("a>>b", task_fields={"a": {"doc_md": "a.md"}}), "DD029") == []
