"""The Python DAG exporter: every sample, for both targets, loads in real Airflow 3 exactly as designed,
passes ruff, imports only allow-listed modules and renders byte-for-byte the same every time."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys

import pytest

from designer.model import (
    AssetSchedule,
    DagSettings,
    Design,
    DynamicMapping,
    Edge,
    IntervalSchedule,
    StaticFanOut,
    Task,
    TaskArgs,
    TriggerRule,
    UpstreamOutput,
)
from designer.storage import load_design
from designer.target_limits import airflow2_limits
from exporters import ExportError, export
from exporters.python_imports import allowed_modules, check_generated_module
from exporters.python_module import _Module, render_python
from tests.conftest import ROOT, sample_paths
from tests.dag_factory_support import same_airflow_ids_in_two_groups, schedule_designs
from tests.shapes import SETUP_TEARDOWN, make
from tests.support.python_export import expected_timetable, load, ruff_problems, structure_problems, write_exports

AF2_SUFFIX = "__af2"


def _renamed(design: Design, dag_id: str) -> Design:
    return design.model_copy(update={"dag": design.dag.model_copy(update={"dag_id": dag_id})})


@pytest.fixture(scope="module")
def samples() -> list[Design]:
    return [load_design(p) for p in sample_paths(valid_only=True)]


def _edge_cases() -> list[Design]:
    """Designs for what the samples do not show: no tasks, empty groups, other schedules and dates."""
    utc_plus_2 = dt.timezone(dt.timedelta(hours=2))
    return [
        _renamed(make(""), "no_tasks"),
        _renamed(make("a>>g", groups={"g": None, "h": "g"}), "empty_groups"),
        make("a>>b", dag_fields={"schedule": IntervalSchedule(interval=dt.timedelta(hours=1, minutes=30)),
                                 "start_date": dt.datetime(2024, 3, 4, 5, 6, 7, tzinfo=utc_plus_2)}),
        _renamed(make("a>>b", dag_fields={"schedule": AssetSchedule(assets=["s3://a/x", "s3://a/y"], mode="any")}),
                 "asset_any"),
        _renamed(make("a>>b", dag_fields={"schedule": "@once", "catchup": True}), "once"),
        same_airflow_ids_in_two_groups(),
        *schedule_designs().values(),
        SETUP_TEARDOWN,
    ]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, samples):
    """Both targets of every sample (and edge case) in one DAG folder, Airflow 2 copies renamed,
    loaded by one DagBag."""
    root = tmp_path_factory.mktemp("export")
    designs = samples + _edge_cases()
    af2 = [_renamed(d, d.dag.dag_id + AF2_SUFFIX) for d in designs if not list(airflow2_limits(d))]
    files = write_exports(designs, root, ["python"]) + write_exports(af2, root, ["python-airflow2"])
    loaded = load(root / "dags", tmp_path_factory.mktemp("airflow_home"))
    return root, files, designs + af2, loaded


def test_every_sample_imports_without_errors(exported):
    _, files, designs, loaded = exported
    assert loaded["import_errors"] == {}
    assert len(files) == len(designs) == len(loaded["dags"])


def test_airflow_builds_every_sample_exactly_as_designed(exported):
    _, _, designs, loaded = exported
    problems = [p for d in designs for p in structure_problems(d, loaded)]
    assert not problems, "\n".join(problems)


def test_dag_settings_reach_airflow(exported):
    _, _, designs, loaded = exported
    for design in designs:
        dag, got = design.dag, loaded["dags"][design.dag.dag_id]
        start = dag.start_date if dag.start_date.tzinfo else dag.start_date.replace(tzinfo=dt.UTC)
        assert got["timetable"] == expected_timetable(dag.schedule), dag.dag_id
        assert got["catchup"] is dag.catchup
        assert dt.datetime.fromisoformat(got["start_date"]) == start
        assert got["tags"] == sorted(dag.tags)
        assert got["params"] == {name: p.default for name, p in dag.params.items()}
        assert got["max_active_runs"] == (dag.max_active_runs or 16)


def test_generated_modules_pass_ruff_and_format(exported):
    root, files, _, _ = exported
    assert ruff_problems(files, root) == ""


def test_generated_modules_import_only_allowed_modules(exported, samples):
    root, _, _, _ = exported
    for design in samples:
        for target in ("airflow3", "airflow2"):
            source = render_python(design, target)
            assert check_generated_module(source, allowed_modules(design, target)) == [], design.dag.dag_id


def test_module_checker_refuses_what_generated_code_never_contains():
    allowed = {"__future__", "datetime", "airflow.sdk"}
    assert check_generated_module("import datetime as dt\n", allowed) == []
    assert check_generated_module("import os\n", allowed) == ["line 1: imports os"]
    assert check_generated_module("from . import x\n", allowed) == ["line 1: imports from ."]
    assert check_generated_module("x = __import__('os')\n", allowed) == ["line 1: uses __import__"]
    assert check_generated_module("x = ().__class__\n", allowed) == ["line 1: uses attribute __class__"]
    assert check_generated_module("x = (\n", allowed)[0].startswith("does not parse")


def test_rendering_is_deterministic_across_processes(samples):
    # Set iteration order changes with the hash seed; the output must not.
    here = hashlib.sha256("".join(render_python(d, t) for d in samples for t in ("airflow3", "airflow2")).encode())
    script = (
        "import hashlib, sys; sys.path.insert(0, '.');"
        "from designer.storage import load_design; from exporters.python_module import render_python;"
        "from tests.conftest import sample_paths;"
        "ds = [load_design(p) for p in sample_paths(valid_only=True)];"
        "print(hashlib.sha256(''.join(render_python(d, t) for d in ds for t in ('airflow3', 'airflow2')).encode())"
        ".hexdigest())"
    )
    for seed in ("1", "12345"):
        proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                              env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True)
        assert proc.stdout.strip() == here.hexdigest()


def test_registered_targets_write_one_module_under_dags(samples):
    design = samples[0]
    for target in ("python", "python-airflow2"):
        files = export(design, target)
        assert list(files) == [f"dags/dag_{design.dag.dag_id}.py"]


# --- refusals ------------------------------------------------------------------------------------

def test_invalid_sample_is_refused_with_the_cycle():
    design = load_design(ROOT / "sample_configs" / "INVALID_cycle_through_group.yaml")
    for target in ("python", "python-airflow2", "tests"):
        with pytest.raises(ExportError, match=r"DD005 .*cycle"):
            export(design, target)


@pytest.mark.parametrize("bad", ["load data", "tâche", ".g1", "", "-x", "a'b", 'x")\nimport os\n("'])
def test_invalid_task_ids_are_refused_with_the_id(bad):
    design = make("a>>b", task_fields={"a": {"id": bad}})
    with pytest.raises(ExportError, match="DD001") as info:
        render_python(design)
    assert repr(bad) in str(info.value)


def test_invalid_group_and_dag_ids_are_refused():
    with pytest.raises(ExportError, match="DD001 .*group id 'g.1'"):
        render_python(make("a>>b", groups={"g.1": None}, members={"a": "g.1"}))
    with pytest.raises(ExportError, match="DD001 .*dag_id 'bad id'"):
        render_python(_renamed(make("a>>b"), "bad id"))


def test_airflow2_target_refuses_a_trigger_rule_airflow2_lacks():
    design = make("a>>b", task_fields={"b": {"trigger_rule": TriggerRule.ALL_DONE_MIN_ONE_SUCCESS}})
    assert 'trigger_rule="all_done_min_one_success"' in render_python(design)
    with pytest.raises(ExportError, match="task 'b': trigger rule all_done_min_one_success does not exist in Airfl"):
        render_python(design, "airflow2")


def test_mapping_over_a_fanned_out_task_is_refused():
    design = make("a>>b", task_fields={
        "a": {"operator": "python", "args": {"python_callable": "m.f"}, "fan_out": StaticFanOut(count=2)},
        "b": {"operator": "python", "args": {"python_callable": "m.g"},
              "mapping": DynamicMapping(expand={"op_args": UpstreamOutput(task="a")})},
    })
    with pytest.raises(ExportError, match="maps op_args over the output of 'a', which is fanned out"):
        render_python(design)


@pytest.mark.parametrize(("args", "message"), [
    ({"when": dt.date(2024, 1, 1)}, r"DD027 tasks\[0\]\.args\.when: .*is a date value"),
    ({"ratio": float("nan")}, r"DD027 tasks\[0\]\.args\.ratio: .*NaN or infinite"),
    ({"a-b": 1}, r"DD025 .*argument name 'a-b' is not a Python name"),
    ({"task_id": "x"}, r"DD025 .*argument name 'task_id' is set by the generated code"),
    ({"class": "x"}, r"DD025 .*argument name 'class' is a Python keyword"),
    ({"retries": 2}, r"DD025 .*argument 'retries' is given twice"),
])
def test_values_that_are_not_plain_data_are_refused(args, message):
    design = make("a>>b", task_fields={"a": {"operator": "my_company.operators.Load",
                                             "overrides": TaskArgs(retries=1)}})
    # Built without validation (the model refuses NaN itself): the exporter is the last guard.
    design = design.model_copy(update={"tasks": (Task.model_construct(**{**dict(design.tasks[0]), "args": args}),
                                                 *design.tasks[1:])})
    with pytest.raises(ExportError, match=message):
        render_python(design)


def test_non_ascii_asset_uris_are_refused_for_airflow2_only():
    design = make("a>>b", dag_fields={"schedule": AssetSchedule(assets=["s3://b/café"])})
    assert 'Asset("s3://b/café")' in render_python(design)
    with pytest.raises(ExportError, match="non-ASCII"):
        render_python(design, "airflow2")


@pytest.mark.parametrize("name", ["a-b", "task_id", "class"])
def test_argument_names_are_refused_by_the_gate_and_by_the_exporter_itself(name):
    design = make("a>>b", lint={"disabled": ["DD025"]}, task_fields={"a": {
        "operator": "my_company.operators.Load", "args": {name: 1}, "overrides": TaskArgs(retries=1)}})
    with pytest.raises(ExportError, match="DD025"):  # lint.disabled cannot switch an error off
        render_python(design)
    with pytest.raises(ExportError, match=f"argument name '{name}' cannot be written as a keyword argument"):
        _Module(design, "airflow3").render()  # the exporter's own check, beneath the gate


# --- how the code reads ----------------------------------------------------------------------------

def _body(source: str) -> list[str]:
    return [line.strip() for line in source.split(" as dag:\n", 1)[1].splitlines() if line.strip()]


def test_dependencies_are_written_as_a_person_writes_them():
    body = _body(render_python(make("a>>b, a>>c, b>>d, c>>d, d>>e, e>>f")))
    assert body[-1] == "a >> [b, c] >> d >> e >> f"
    body = _body(render_python(make("a>>c, b>>c, c>>d, c>>e")))
    assert body[-1] == "[a, b] >> c >> [d, e]"
    fan = {"f": {"fan_out": StaticFanOut(count=2)}, "g": {"fan_out": StaticFanOut(count=2)}}
    body = _body(render_python(make("s>>f, f>>g, g>>x, y>>x", task_fields=fan)))
    assert "cross_downstream(f, g)" in body
    assert "[*g, y] >> x" in body and "s >> f" in body


def test_labels_ride_on_the_edge():
    design = make("a>>b").model_copy(update={"edges": (Edge(upstream="a", downstream="b", label='say "hi"'),)})
    assert _body(render_python(design))[-1] == "a >> Label('say \"hi\"') >> b"


def test_ids_that_are_not_python_names_get_a_marked_variable():
    source = render_python(make("a-b>>class, class>>1st, 1st>>dag"))
    assert 'a_b = EmptyOperator(task_id="a-b", retries=1)  # noqa: AIR001' in source
    assert 't_class = EmptyOperator(task_id="class", retries=1)  # noqa: AIR001' in source
    assert 't_1st = EmptyOperator(task_id="1st", retries=1)  # noqa: AIR001' in source
    assert "a_b >> t_class >> t_1st >> t_dag" in source


def test_callables_are_imported_by_dotted_path_and_aliased_on_clashes():
    design = Design(
        dag=DagSettings(dag_id="cb", on_failure_callback="alerts.notify"),
        tasks=(Task(id="run", operator="python", args={"python_callable": "jobs.daily.run"}),
               Task(id="notify", operator="python", args={"python_callable": "jobs.run"})),
    )
    source = render_python(design)
    assert "from alerts import notify as notify_callable\n" in source
    assert "from jobs import run as run_callable_2\n" in source
    assert "from jobs.daily import run as run_callable\n" in source
    assert "on_failure_callback=notify_callable" in source


def test_a_mapped_task_is_defined_after_its_source_even_across_groups():
    design = make("x>>y", groups={"late": None, "early": None}, members={"src": "late", "m": "early"},
                  tasks=["m", "src"], task_fields={
                      "src": {"operator": "python", "args": {"python_callable": "m.f"}},
                      "m": {"operator": "bash",
                            "mapping": DynamicMapping(expand={"bash_command": UpstreamOutput(task="src")})},
                  })
    source = render_python(design)
    assert source.index('group_id="late"') < source.index('group_id="early"')
    assert ".expand(bash_command=src.output)" in source


def test_mapping_across_groups_in_both_directions_is_refused_clearly():
    mapped = {"operator": "bash"}
    design = make("x>>y", groups={"g": None, "h": None}, members={"s1": "g", "m1": "g", "s2": "h", "m2": "h"},
                  tasks=["s1", "m1", "s2", "m2"], task_fields={
                      "m1": {**mapped, "mapping": DynamicMapping(expand={"bash_command": UpstreamOutput(task="s2")})},
                      "m2": {**mapped, "mapping": DynamicMapping(expand={"bash_command": UpstreamOutput(task="s1")})},
                  })
    with pytest.raises(ExportError, match="cross between groups in both directions"):
        render_python(design)


def test_allowed_modules_come_from_the_design_not_from_the_rendering():
    design = load_design(ROOT / "sample_configs" / "dynamic_mapping.yaml")
    allowed = allowed_modules(design)
    assert {"sample_callables", "airflow.sdk", "airflow.providers.standard.operators.python"} <= allowed
    assert "airflow.utils.task_group" not in allowed and "os" not in allowed
    assert "airflow.utils.task_group" in allowed_modules(design, "airflow2")
    assert check_generated_module(render_python(design), allowed - {"sample_callables"}) == [
        "line 9: imports from sample_callables", "line 10: imports from sample_callables",
        "line 11: imports from sample_callables"]


def test_a_whole_value_xcom_template_is_kept_and_marked_for_ruff():
    template = "{{ ti.xcom_pull(task_ids='a') }}"
    source = render_python(make("a>>b", task_fields={"b": {"operator": "bash", "args": {"bash_command": template}}}))
    assert """bash_command="{{ ti.xcom_pull(task_ids='a') }}",  # noqa: AIR201""" in source
