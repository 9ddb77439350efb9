"""Importing dag-factory YAML: round trips of our own exports, hand-written files, notes and hostile input."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from designer.analysis.structure import expected_structure
from designer.ids import Namespace
from designer.importers.dag_factory import import_dag_factory, operator_key
from designer.model import (
    AssetAlias,
    AssetOrTimeSchedule,
    AssetSchedule,
    IntervalSchedule,
    NamedAsset,
    TaskArgs,
    TimetableSchedule,
    UpstreamOutput,
)
from designer.operators import as_timedelta, operator_spec
from designer.storage import DesignError, load_design
from exporters import export
from tests.conftest import sample_paths
from tests.dag_factory_support import extra_designs

SAMPLES = {p.stem: load_design(p) for p in sample_paths(valid_only=True)} | extra_designs()
DAG_FIELDS = ("description", "doc_md", "schedule", "start_date", "catchup", "max_active_runs", "max_active_tasks",
              "dagrun_timeout", "tags", "params", "default_args", "on_success_callback", "on_failure_callback")


def read(text: str):
    return import_dag_factory(textwrap.dedent(text), "dags/x.yaml")


def _args(design, task):
    """A task's arguments with durations as timedeltas (the export writes them as timedelta objects)."""
    spec = operator_spec(task.operator)
    return {k: as_timedelta(v) if spec.args.get(k) and spec.args[k].type == "duration" else v
            for k, v in task.args.items()}


@pytest.mark.parametrize("stem", sorted(SAMPLES))
def test_exported_samples_import_back_to_the_same_dag(stem):
    design = SAMPLES[stem]
    text = next(v for k, v in export(design, "dag-factory").items() if k.endswith(".yaml"))
    designs, notes = import_dag_factory(text, f"{stem}.yaml")
    assert notes == []
    (imported,) = designs
    assert expected_structure(imported) == expected_structure(design)
    for name in DAG_FIELDS:
        if name != "start_date":
            assert getattr(imported.dag, name) == getattr(design.dag, name), name
    start = design.dag.start_date  # written as naive UTC: dag-factory replaces a tz instead of converting
    assert imported.dag.start_date.replace(tzinfo=dt.UTC) == (start if start.tzinfo else start.replace(tzinfo=dt.UTC))
    # Fan-outs come back as their concrete copies; everything else task by task.
    ns_in, ns_out = Namespace(design), Namespace(imported)
    for task in imported.tasks:
        if task.id in ns_in.tasks and ns_in.tasks[task.id].fan_out is None:
            original = ns_in.tasks[task.id]
            assert (task.operator, task.trigger_rule, task.doc_md) == (original.operator, original.trigger_rule,
                                                                      original.doc_md)
            assert _args(imported, task) == _args(design, original)
            for name in TaskArgs.model_fields:  # what Airflow gives the task after default_args inheritance
                assert ns_out.inherited(task, name) == ns_in.inherited(original, name), name
            assert task.mapping == original.mapping


def test_several_dags_and_the_default_block_merge_like_dag_factory():
    designs, notes = read("""
        default:
          default_args: {owner: team, retries: 2}
          catchup: true
          tags: [shared]
          start_date: 2024-02-01
        first:
          default_args: {retries: 5}
          schedule: "@daily"
          tasks:
            a: {operator: airflow.providers.standard.operators.empty.EmptyOperator}
        second:
          tags: [own]
          tasks:
            - {task_id: b, operator: airflow.operators.bash.BashOperator, bash_command: "echo b"}
        """)
    assert notes == []
    first, second = designs
    assert first.dag.default_args.owner == "team" and first.dag.default_args.retries == 5  # the DAG wins
    assert first.dag.catchup is True and first.dag.start_date == dt.datetime(2024, 2, 1)
    assert first.dag.tags == ("shared",) and second.dag.tags == ("own",)  # replaced, not merged
    assert second.tasks[0].operator == "bash" and second.tasks[0].args == {"bash_command": "echo b"}


def test_groups_dependencies_mapping_and_schedules_are_read():
    (design,), notes = read("""
        etl:
          schedule: {__type__: datetime.timedelta, hours: 6}
          dagrun_timeout: {__type__: datetime.timedelta, minutes: 90}
          params: {n: {__type__: airflow.sdk.Param, __args__: [3], type: integer}, plain: hello}
          task_groups:
            outer: {tooltip: Outer, default_args: {retries: 4, retry_delay: 30}}
            inner: {parent_group_name: outer, dependencies: [src]}
          tasks:
            src: {operator: airflow.providers.standard.operators.python.PythonOperator,
                  python_callable: pkg.mod.produce, task_group_name: outer}
            m:
              operator: airflow.providers.standard.operators.bash.BashOperator
              task_group_name: inner
              partial: {env: {A: "1"}}
              expand: {bash_command: outer.src.output}
            wait:
              operator: airflow.providers.standard.sensors.external_task.ExternalTaskSensor
              external_dag_id: up
              execution_delta: 1 hours
              dependencies: [inner]
        """)
    assert notes == []
    assert design.dag.schedule == IntervalSchedule(interval=dt.timedelta(hours=6))
    assert design.dag.dagrun_timeout == dt.timedelta(minutes=90)
    assert (design.dag.params["n"].default, design.dag.params["n"].type) == (3, "integer")
    assert design.dag.params["plain"].default == "hello"
    groups = {g.id: g for g in design.groups}
    assert groups["inner"].parent == "outer" and groups["outer"].default_args.retry_delay == dt.timedelta(seconds=30)
    tasks = {t.id: t for t in design.tasks}
    assert tasks["m"].mapping.expand == {"bash_command": UpstreamOutput(task="src")}
    assert tasks["m"].args == {"env": {"A": "1"}}
    assert tasks["wait"].args["execution_delta"] == 3600
    assert {(e.upstream, e.downstream) for e in design.edges} == {("src", "inner"), ("inner", "wait")}
    assert expected_structure(design)["tasks"]["wait"]["upstream"] == ["outer.inner.m"]


@pytest.mark.parametrize("schedule, expected", [
    ("null", None), ('"None"', None), ('"0 2 * * *"', "0 2 * * *"),
    ('["s3://a", "s3://b"]', AssetSchedule(assets=["s3://a", "s3://b"])),
    ("{__or__: [{__type__: airflow.sdk.Asset, uri: 's3://a'}, {__type__: airflow.sdk.Asset, __args__: ['s3://b']}]}",
     AssetSchedule(assets=["s3://a", "s3://b"], mode="any")),
    ("{__and__: [{__type__: airflow.sdk.Asset, uri: 's3://a'}]}", AssetSchedule(assets=["s3://a"])),
    ("{__type__: airflow.sdk.Asset, uri: 's3://a', name: a, extra: {k: 1}}",
     AssetSchedule(assets=[NamedAsset(uri="s3://a", name="a", extra={"k": 1})])),
    ("{__or__: [s3://a, {__and__: [{__type__: airflow.sdk.AssetAlias, name: al}, s3://b]}]}",
     AssetSchedule(mode="any", assets=["s3://a", AssetSchedule(assets=[AssetAlias(alias="al"), "s3://b"])])),
    ("{__type__: airflow.sdk.AssetAny, __args__: [s3://a]}", AssetSchedule(assets=["s3://a"], mode="any")),
    ("{__type__: airflow.sdk.CronTriggerTimetable, __args__: ['0 1 * * *'], timezone: UTC}", "0 1 * * *"),
    ("{__type__: airflow.timetables.trigger.CronTriggerTimetable, expression: '0 1 * * *', timezone: Asia/Tokyo}",
     TimetableSchedule(timetable="airflow.timetables.trigger.CronTriggerTimetable",
                       kwargs={"expression": "0 1 * * *", "timezone": "Asia/Tokyo"})),
    ("{__type__: my.timetables.Workdays}", TimetableSchedule(timetable="my.timetables.Workdays")),
    ("{__type__: airflow.sdk.AssetOrTimeSchedule, timetable: {__type__: airflow.sdk.CronTriggerTimetable, "
     "expression: '@daily', timezone: UTC}, assets: [s3://a]}",
     AssetOrTimeSchedule(timetable="@daily", assets=AssetSchedule(assets=["s3://a"]))),
])
def test_schedule_forms(schedule, expected):
    (design,), notes = read(f"d:\n  schedule: {schedule}\n  tasks: {{}}\n")
    assert notes == [] and design.dag.schedule == expected


def test_operator_class_paths_map_to_catalog_keys_and_unknown_ones_become_custom_operators():
    assert operator_key("airflow.providers.standard.operators.bash.BashOperator") == "bash"
    assert operator_key("airflow.operators.bash.BashOperator") == "bash"
    assert operator_key("airflow.operators.bash_operator.BashOperator") == "bash"
    assert operator_key("airflow.operators.dummy_operator.DummyOperator") == "empty"
    assert operator_key("airflow.providers.smtp.operators.smtp.EmailOperator") == "email"
    (design,), notes = read("d:\n  tasks:\n    t: {operator: my_co.ops.Load, table: x, when: {a: 1}}\n")
    assert notes == [] and design.tasks[0].operator == "my_co.ops.Load"
    assert design.tasks[0].args == {"table": "x", "when": {"a": 1}}


def test_dollar_template_escapes_are_undone_in_templated_fields_only():
    (design,), notes = read("""
        d:
          description: "cost {{ '$' }}5"
          tasks:
            t: {operator: airflow.providers.standard.operators.bash.BashOperator,
                bash_command: "echo {{ '$' }}HOME {{\\"$\\"}}X"}
        """)
    assert design.tasks[0].args["bash_command"] == "echo $HOME $X"
    assert design.dag.description == "cost {{ '$' }}5"
    assert [n.message for n in notes if "$" in n.message] == []  # `$'` and `$"` are not variable references


UNSUPPORTED = {
    "python_callable_file": ("t: {operator: airflow.providers.standard.operators.python.PythonOperator, "
                             "python_callable_name: f, python_callable_file: /x/cb.py}",
                             "imported as python_callable 'cb.f': the exported DAG imports module 'cb'"),
    "python tag": ("t: {operator: airflow.providers.standard.operators.python.PythonOperator, "
                   "python_callable: !!python/name:os.getcwd }", "YAML tag"),
    "decorator": ("t: {decorator: airflow.sdk.task, python_callable: pkg.f}", "decorator tasks are not supported"),
    "expand_kwargs": ("t: {operator: airflow.providers.standard.operators.bash.BashOperator, "
                      "expand_kwargs: [{bash_command: x}]}", "expand_kwargs is not supported"),
    "variables_as_arguments": ("t: {operator: airflow.providers.standard.operators.empty.EmptyOperator, "
                               "variables_as_arguments: [{variable: v, attribute: a}]}", "variables_as_arguments"),
    "lambda": ("t: {operator: my.ops.HttpSensor, response_check_lambda: 'lambda r: True'}", "response_check_lambda"),
    "__type__": ("t: {operator: my.ops.Op, value: {__type__: os.getcwd}}", "__type__ mappings"),
    "no operator": ("t: {bash_command: x}", "has no operator"),
    "unknown dependency": ("t: {operator: my.ops.Op, dependencies: [nope]}", "neither a task nor a group"),
    "short expand reference": ("s: {operator: my.ops.Op}\n    t: {operator: my.ops.Op, expand: {x: s2.output}}",
                               "neither a list nor the output"),
    "task callbacks": ("t: {operator: my.ops.Op, on_failure_callback: pkg.cb}", "on_failure_callback"),
    "unknown catalog argument": ("t: {operator: airflow.providers.standard.operators.empty.EmptyOperator, foo: 1}",
                                 "has no argument 'foo'"),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_task_constructs_become_notes_with_key_path_and_line(case):
    snippet, message = UNSUPPORTED[case]
    designs, notes = read(f"d:\n  tasks:\n    {snippet}\n")
    assert len(designs) == 1
    hits = [n for n in notes if message in n.message]
    assert hits, [n.message for n in notes]
    assert hits[0].path[:3] == ("d", "tasks", "t") and hits[0].line in (3, 4)


DAG_LEVEL = {
    "duplicate task ids": ("tasks:\n    - {task_id: a, operator: my.Op}\n    - {task_id: a, operator: my.Op}",
                           "duplicate task_id"),
    "unknown DAG key": ("fail_fast: true", "unknown DAG key 'fail_fast'"),
    "carried nowhere": ("end_date: 2025-01-01", "end_date is not supported"),
    "timetable by position": ("schedule: {__type__: my.timetables.Custom, __args__: [1]}",
                              "timetable __type__ my.timetables.Custom is not supported"),
    "asset condition of objects": ("schedule: {__or__: [{__type__: my.Thing}]}", "asset __type__ my.Thing"),
    "relative start date": ("start_date: 3 days", "not a fixed date"),
    "timezone": ("start_date: 2024-01-01\n  timezone: Europe/Amsterdam", "converted to UTC"),
    "callback mapping": ("on_failure_callback: {callback: pkg.cb, to: x}", "on_failure_callback"),
    "group key": ("task_groups: {g: {group_display_name: G}}", "group setting 'group_display_name'"),
    "prefix false": ("task_groups: {g: {prefix_group_id: false}}", "prefix_group_id: false"),
    "default_args extra": ("default_args: {email: a@b.c}", "default_args.email"),
    "environment variable": ('description: "home is $HOME"', "dag-factory replaces $HOME"),
    "param schema": ("params: {n: {__type__: airflow.sdk.Param, default: 1, minimum: 0}}", "minimum"),
}


@pytest.mark.parametrize("case", sorted(DAG_LEVEL))
def test_unsupported_dag_constructs_become_notes(case):
    snippet, message = DAG_LEVEL[case]
    designs, notes = read(f"d:\n  {snippet}\n")
    assert len(designs) == 1
    hits = [n for n in notes if message in n.message]
    assert hits, [n.message for n in notes]
    assert hits[0].path[0] == "d" and hits[0].line is not None and hits[0].line >= 2


def test_note_format_names_file_line_and_key_path():
    _, notes = read("d:\n  tasks:\n    t: {operator: my.ops.Op, on_retry_callback: pkg.cb}\n")
    assert [n.format("dags/x.yaml") for n in notes] == [
        "dags/x.yaml:3: d.tasks.t.on_retry_callback: on_retry_callback is not supported by the designer; left out"]


def test_the_time_converted_start_date_is_what_dag_factory_means():
    (design,), _ = read("d:\n  start_date: 2024-01-01T10:00:00\n  timezone: Europe/Amsterdam\n  tasks: {}\n")
    assert design.dag.start_date == dt.datetime(2024, 1, 1, 9, 0)  # 10:00 Amsterdam wall time, in UTC


def _bomb() -> bytes:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines).encode()


@pytest.mark.parametrize("data, message", [
    (_bomb(), "aliases"),
    (b"d: " + b"[" * 10_000 + b"]" * 10_000, "nested more than|nesting depth"),
    (b"d:\n" + b"".join(b" " * i + b"- \n" for i in range(1, 200)), "nested more than"),
    ("d: {description: caf\u00e9}".encode("latin-1"), "not UTF-8"),
    (b"d: {description: x}\n" + b"# padding\n" * 5_300_000, "MB"),
    (b"d: [unclosed", "not valid YAML"),
    (b"- just a list", "must be a mapping of dag ids"),
    (b"d: {a: 1, a: 2}", "appears twice"),
], ids=["alias bomb", "10000 deep", "200 deep block", "latin-1", "50 MB", "broken", "list", "duplicate key"])
def test_hostile_or_broken_input_is_refused_with_a_clear_error(data, message):
    with pytest.raises(DesignError, match=message):
        import_dag_factory(data, "evil.yaml")
