"""The dag-factory export, checked by loading it with Airflow's DagBag and dag-factory 1.1 themselves."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
import yaml

import exporters.dag_factory as df
from designer.analysis.graph import build_task_graph
from designer.analysis.structure import expected_structure
from designer.model import (
    AssetSchedule,
    DagSettings,
    Design,
    DynamicMapping,
    Edge,
    Group,
    IntervalSchedule,
    Param,
    StaticFanOut,
    Task,
    TaskArgs,
    UpstreamOutput,
)
from designer.storage import load_design
from exporters import ExportError, export
from exporters.dag_factory_deps import _Names, _place, plan_dependencies, simulate
from tests.conftest import ROOT, sample_paths
from tests.dag_factory_support import copy_callables, extra_designs, load_folder, random_design, write_export
from tests.support.airflow_runner import VENV_PYTHON, airflow_env
from tests.support.python_export import expected_timetable

SAMPLES = {p.stem: load_design(p) for p in sample_paths(valid_only=True)} | extra_designs()
SETTINGS = ("tasks", "groups", "timetable", "timetable_detail", "catchup", "start_date", "tags", "max_active_runs",
            "max_active_tasks", "params")


def _load_samples(tmp_path_factory, target: str) -> dict:
    folder = tmp_path_factory.mktemp(f"dags_{target}")
    copy_callables(folder)
    for design in SAMPLES.values():
        write_export(design, target, folder)
    return load_folder(folder, tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def dag_factory_bag(tmp_path_factory):
    return _load_samples(tmp_path_factory, "dag-factory")


@pytest.fixture(scope="module")
def python_bag(tmp_path_factory):
    return _load_samples(tmp_path_factory, "python")


def test_every_sample_export_loads_without_import_errors(dag_factory_bag):
    assert dag_factory_bag["import_errors"] == {}
    assert sorted(dag_factory_bag["dags"]) == sorted(d.dag.dag_id for d in SAMPLES.values())


@pytest.mark.parametrize("stem", sorted(SAMPLES))
def test_dag_factory_builds_the_designed_structure_and_settings(dag_factory_bag, stem):
    design = SAMPLES[stem]
    got = dag_factory_bag["dags"][design.dag.dag_id]
    expected = expected_structure(design)
    assert got["tasks"] == expected["tasks"]
    assert got["groups"] == expected["groups"]
    assert got["timetable"] == expected_timetable(design.dag.schedule)
    start = design.dag.start_date
    assert dt.datetime.fromisoformat(got["start_date"]) == (start if start.tzinfo else start.replace(tzinfo=dt.UTC))
    assert got["catchup"] is design.dag.catchup
    assert got["tags"] == sorted({*design.dag.tags, "dagfactory"})  # dag-factory always adds its own tag
    assert got["params"] == {name: p.default for name, p in design.dag.params.items()}
    if design.dag.max_active_runs is not None:
        assert got["max_active_runs"] == design.dag.max_active_runs


def test_python_and_dag_factory_exports_load_as_the_same_dags(dag_factory_bag, python_bag):
    # The Python exporter (exporters/python_module.py) is a hard dependency of this test on purpose.
    assert python_bag["import_errors"] == {}
    for design in SAMPLES.values():
        dag_id = design.dag.dag_id
        from_yaml = dict(dag_factory_bag["dags"][dag_id])
        from_yaml["tags"] = [t for t in from_yaml["tags"] if t != "dagfactory" or "dagfactory" in design.dag.tags]
        from_python = python_bag["dags"][dag_id]
        assert {k: from_yaml[k] for k in SETTINGS} == {k: from_python[k] for k in SETTINGS}, dag_id


# --- "$": dag-factory runs os.path.expandvars on the raw text ----------------------------------------

DOLLAR = "$DD_SECRET ${DD_SECRET} $HOME $$DD_SECRET \\$DD_SECRET"
_ATTRIBUTES_SCRIPT = """
import json, sys
from airflow.models import DagBag
bag = DagBag(sys.argv[1], safe_mode=True)
out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in bag.dags.items():
    out["dags"][dag_id] = {
        "description": dag.description, "doc_md": dag.doc_md, "tags": sorted(dag.tags),
        "params": {k: dag.params.get_param(k).value for k in dag.params},
        "groups": {gid: g.tooltip for gid, g in dag.task_group_dict.items()},
        "tasks": {t.task_id: {a: getattr(t, a, None) for a in ("bash_command", "sql", "env", "op_kwargs", "doc_md")}
                  for t in dag.tasks},
    }
print("@@" + json.dumps(out, default=str))
"""


def dollar_design() -> Design:
    return Design(
        dag=DagSettings(dag_id="dollars", description=DOLLAR, doc_md=f"# Docs\n{DOLLAR}\n", tags=["$DD_SECRET"],
                        params={"p": Param(default=DOLLAR, type="string")}),
        groups=(Group(id="g", tooltip=DOLLAR),),
        tasks=(
            Task(id="bash", operator="bash", group="g", doc_md=DOLLAR, overrides=TaskArgs(retries=1),
                 args={"bash_command": f"echo {DOLLAR}", "env": {"$DD_SECRET": DOLLAR}}),
            Task(id="sql", operator="sql", args={"conn_id": "db", "sql": f"SELECT '{DOLLAR}'"},
                 overrides=TaskArgs(retries=1)),
            Task(id="py", operator="python", args={"python_callable": "builtins.print", "op_kwargs": {"x": DOLLAR}},
                 overrides=TaskArgs(retries=1)),
        ),
        edges=(Edge(upstream="g", downstream="sql"),),
    )


def test_dollar_signs_survive_dag_factory_environment_expansion(tmp_path, monkeypatch):
    text = export(dollar_design(), "dag-factory")["dags/dag_dollars.yaml"]
    assert "$" not in text  # every "$" is the escape \x24, so expandvars finds nothing to replace
    monkeypatch.setenv("DD_SECRET", "leaked")
    monkeypatch.setenv("HOME", "/leaked-home")
    folder = tmp_path / "dags"
    folder.mkdir()
    write_export(dollar_design(), "dag-factory", folder)
    script = tmp_path / "attributes.py"
    script.write_text(_ATTRIBUTES_SCRIPT)
    proc = subprocess.run([str(VENV_PYTHON), str(script), str(folder)], env=airflow_env(tmp_path / "home", folder),
                          capture_output=True, text=True, timeout=300, cwd=str(folder))
    marker = next((line for line in proc.stdout.splitlines() if line.startswith("@@")), None)
    assert marker, proc.stderr[-3000:]
    out = json.loads(marker[2:])
    assert out["errors"] == {}
    dag = out["dags"]["dollars"]
    assert dag["description"] == DOLLAR
    assert dag["doc_md"].startswith(f"# Docs\n{DOLLAR}\n")  # dag-factory appends the YAML after it
    assert dag["tags"] == ["$DD_SECRET", "dagfactory"]
    assert dag["params"] == {"p": DOLLAR}
    assert dag["groups"] == {"g": DOLLAR}
    assert dag["tasks"]["g.bash"]["bash_command"] == f"echo {DOLLAR}"
    assert dag["tasks"]["g.bash"]["env"] == {"$DD_SECRET": DOLLAR}
    assert dag["tasks"]["g.bash"]["doc_md"] == DOLLAR
    assert dag["tasks"]["sql"]["sql"] == f"SELECT '{DOLLAR}'"
    assert dag["tasks"]["py"]["op_kwargs"] == {"x": DOLLAR}
    assert "leaked" not in marker


# --- what dag-factory cannot express is refused ----------------------------------------------------

def _design(**changes) -> Design:
    base = {"dag": DagSettings(dag_id="refused"),
            "tasks": (Task(id="a", operator="bash", args={"bash_command": "echo"}, overrides=TaskArgs(retries=1)),)}
    return Design(**{**base, **changes})


@pytest.mark.parametrize("key", ["__type__", "__args__", "__or__", "__and__", "__join__"])
def test_user_mappings_with_dag_factory_magic_keys_are_refused(key):
    task = Task(id="a", operator="bash", args={"bash_command": "echo", "env": {key: "os.system"}},
                overrides=TaskArgs(retries=1))
    with pytest.raises(ExportError, match=f"holds the key '{key}'"):
        export(_design(tasks=(task,)), "dag-factory")
    nested = DagSettings(dag_id="refused", params={"p": Param(default={"x": [{key: 1}]})})
    with pytest.raises(ExportError, match="param 'p'"):
        export(_design(dag=nested), "dag-factory")


def test_prefix_group_id_false_is_refused_with_a_pointer_to_the_python_export():
    design = _design(groups=(Group(id="g", prefix_group_id=False),),
                     tasks=(Task(id="a", group="g", overrides=TaskArgs(retries=1)),))
    with pytest.raises(ExportError, match=r"prefix_group_id: false.*--to python"):
        export(design, "dag-factory")


@pytest.mark.parametrize("dag_id", ["default", "task_groups"])
def test_dag_ids_that_dag_factory_reserves_are_refused(dag_id):
    with pytest.raises(ExportError, match="reserved"):
        export(_design(dag=DagSettings(dag_id=dag_id)), "dag-factory")


@pytest.mark.parametrize("arg", ["dependencies", "outlets", "execution_delta", "python_callable_file",
                                 "on_failure_callback", "variables_as_arguments", "expand"])
def test_custom_operator_arguments_that_dag_factory_intercepts_are_refused(arg):
    task = Task(id="a", operator="my_pkg.ops.MyOperator", args={arg: "x"}, overrides=TaskArgs(retries=1))
    with pytest.raises(ExportError, match=f"argument '{arg}'"):
        export(_design(tasks=(task,)), "dag-factory")


def test_mapping_over_a_fanned_out_task_or_an_id_containing_dot_output_is_refused():
    fanned = (Task(id="src", fan_out=StaticFanOut(count=2), overrides=TaskArgs(retries=1)),
              Task(id="m", operator="bash", overrides=TaskArgs(retries=1),
                   mapping=DynamicMapping(expand={"bash_command": UpstreamOutput(task="src")})))
    with pytest.raises(ExportError, match="fanned out"):
        export(_design(tasks=fanned), "dag-factory")
    dotted = (Task(id="outputs", group="g", overrides=TaskArgs(retries=1)),
              Task(id="m", operator="bash", overrides=TaskArgs(retries=1),
                   mapping=DynamicMapping(expand={"bash_command": UpstreamOutput(task="outputs")})))
    with pytest.raises(ExportError, match=r"contains '\.output'"):
        export(_design(tasks=dotted, groups=(Group(id="g"),)), "dag-factory")


def test_execution_delta_is_written_in_dag_factorys_own_format():
    sensor = Task(id="wait", operator="external_task_sensor", overrides=TaskArgs(retries=1),
                  args={"external_dag_id": "up", "execution_delta": "PT1H30M", "timeout": 60, "mode": "reschedule"})
    text = export(_design(tasks=(sensor,)), "dag-factory")["dags/dag_refused.yaml"]
    entry = yaml.safe_load(text)["refused"]["tasks"][0]
    assert entry["execution_delta"] == "5400 seconds"
    assert entry["timeout"] == {"__type__": "datetime.timedelta", "minutes": 1}
    negative = sensor.model_copy(update={"args": {**sensor.args, "execution_delta": -60}})
    with pytest.raises(ExportError, match="execution_delta"):
        export(_design(tasks=(negative,)), "dag-factory")


def test_schedules_params_and_durations_use_dag_factory_type_mappings():
    dag = DagSettings(dag_id="typed", schedule=AssetSchedule(assets=["s3://a", "s3://b"], mode="any"),
                      params={"n": Param(default=5, type="integer", description="count"), "free": Param()})
    block = yaml.safe_load(export(_design(dag=dag), "dag-factory")["dags/dag_typed.yaml"])["typed"]
    assert block["schedule"] == {"__or__": [{"__type__": "airflow.sdk.Asset", "uri": "s3://a"},
                                            {"__type__": "airflow.sdk.Asset", "uri": "s3://b"}]}
    assert block["params"]["n"] == {"__type__": "airflow.sdk.Param", "default": 5, "type": "integer",
                                    "description": "count"}
    interval = DagSettings(dag_id="typed", schedule=IntervalSchedule(interval="P1DT6H0.5S"))
    block = yaml.safe_load(export(_design(dag=interval), "dag-factory")["dags/dag_typed.yaml"])["typed"]
    assert block["schedule"] == {"__type__": "datetime.timedelta", "days": 1, "hours": 6, "microseconds": 500000}


# --- output form -------------------------------------------------------------------------------------

def test_export_is_deterministic_and_has_no_aliases_or_dollars():
    for design in SAMPLES.values():
        first, second = export(design, "dag-factory"), export(design, "dag-factory")
        assert first == second
        text = next(v for k, v in first.items() if k.endswith(".yaml"))
        assert "$" not in text
        events = list(yaml.parse(text))
        assert not [e for e in events if isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None)]
        assert sorted(first) == [f"dags/dag_{design.dag.dag_id}.py", f"dags/dag_{design.dag.dag_id}.yaml"]


def test_loader_is_ruff_clean_formatted_and_found_by_dagbag_safe_mode(tmp_path):
    loader = tmp_path / "dag_x.py"
    loader.write_text(df.LOADER)
    ruff = [sys.executable, "-m", "ruff"]
    check = subprocess.run([*ruff, "check", "--isolated", "--select", "E,F,W,I,AIR", str(loader)],
                           capture_output=True, text=True, cwd=ROOT)
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run([*ruff, "format", "--isolated", "--check", str(loader)], capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout
    lowered = df.LOADER.lower()
    assert "airflow" in lowered and "dag" in lowered and "config_filepath" in df.LOADER


# --- group edges: dag-factory's file-order resolution vs the designer's ------------------------------

def test_group_edge_resolved_too_early_by_dag_factory_is_written_task_by_task():
    # data_processing >> report would be resolved in dag-factory's task pass, before the group entry
    # `quality: {dependencies: [transform]}` exists, making transform a leaf: so it is listed explicitly.
    design = SAMPLES["nested_taskgroups"]
    tg = build_task_graph(design)
    plan = plan_dependencies(tg)
    report = next(i for i, e in enumerate(design.edges) if e.downstream == "report")
    assert report in plan.explicit and plan.names(plan.task_deps["report"]) == ["validate"]
    assert plan.names(plan.group_deps["quality"]) == ["transform"]  # kept as a group edge: it is exact
    # Same shape with a mapped task as the edge's source inside the nested group's parent.
    plan = plan_dependencies(build_task_graph(SAMPLES["edge_features"]))
    assert plan.names(plan.task_deps["end"]) == ["copies_0", "copies_1", "copies_2"]
    assert plan.names(plan.group_deps["outer"]) == ["start"] and plan.names(plan.group_deps["inner"]) == ["mapped"]


def _naive_plan(tg):
    """Every design edge as written, groups in design order: what a naive exporter would emit."""
    names = _Names(tg)
    edges = tg.design.edges
    usable = [i for i, e in enumerate(edges) if tg.node_ids(e.upstream) and tg.node_ids(e.downstream)]
    task_edges = {i for i in usable if not (names.is_group(edges[i].upstream) or names.is_group(edges[i].downstream))}
    expected = {i: {(u, d) for o, ups, downs in tg.expansions if o == i for u in ups for d in downs} for i in usable}
    return _place(tg, names, usable, task_edges, list(tg.ns.groups), expected)


def _exportable_random_designs(count: int, dense: bool, start: int = 0):
    seed = start
    while count:
        seed += 1
        design = random_design(seed, dense)
        try:
            export(design, "dag-factory")  # also refuses what dag-factory cannot express
        except ExportError:
            continue
        count -= 1
        yield design


def test_planned_dependencies_reproduce_the_designer_graph_for_random_designs():
    for dense in (False, True):
        for design in _exportable_random_designs(150, dense):
            tg = build_task_graph(design)
            assert simulate(tg, plan_dependencies(tg)) == set(tg.graph.edges), design.dag.dag_id


def test_random_designs_load_as_designed_and_the_simulation_predicts_dag_factory(tmp_path):
    """Real dag-factory checks both the exporter and the simulation it relies on: the naive plans (which
    dag-factory resolves differently from the designer for some designs) must come out as simulated."""
    folder = tmp_path / "dags"
    folder.mkdir()
    expected, predicted, diverging = {}, {}, 0
    for design in [*_exportable_random_designs(40, False), *_exportable_random_designs(40, True)]:
        write_export(design, "dag-factory", folder)
        expected[design.dag.dag_id] = expected_structure(design)
    for design in _exportable_random_designs(200, True, start=10_000):
        tg = build_task_graph(design)
        plan = _naive_plan(tg)
        edges = simulate(tg, plan)
        if edges == set(tg.graph.edges) and len(predicted) - diverging >= 30:
            continue
        diverging += edges != set(tg.graph.edges)
        dag_id = f"naive_{design.dag.dag_id}"
        naive = design.model_copy(update={"dag": design.dag.model_copy(update={"dag_id": dag_id})})
        text = df._dump({dag_id: df._dag_block(naive, build_task_graph(naive), plan)})
        (folder / f"{dag_id}.yaml").write_text(text)
        (folder / f"{dag_id}.py").write_text(df.LOADER)
        predicted[dag_id] = sorted(edges)
    assert diverging >= 5  # the check below would prove little without cases where the two resolutions differ
    bag = load_folder(folder, tmp_path / "home")
    assert bag["import_errors"] == {}
    for dag_id, structure in expected.items():
        got = bag["dags"][dag_id]
        assert (got["tasks"], got["groups"]) == (structure["tasks"], structure["groups"]), dag_id
    for dag_id, edges in predicted.items():
        real = sorted((up, task) for task, info in bag["dags"][dag_id]["tasks"].items() for up in info["upstream"])
        assert real == edges, dag_id

