"""Generated DAGs in real Airflow: the per-DAG modules, the factory module and the dag-factory document load
with exactly the expected dag_ids (tenants x environments), every DAG's structure equals the design rendered
for its tenant and environment, and the generated Python passes ruff. Also a test in the usual user style
against the factory module, and the environment-aware modules."""

from __future__ import annotations

import itertools
import subprocess
import textwrap
from pathlib import Path

import pytest

from designer.analysis.structure import expected_structure
from designer.generation import Generation, generate, load_template, parse_template, require_designs
from designer.generation_config import load_config, parse_config
from exporters.generation import export_generation
from tests.support.airflow_runner import VENV_PYTHON, airflow_env, load_dag_folder
from tests.support.python_export import CALLABLES, ruff_problems, structure_problems

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[1] / "sample_configs"

# A template that uses every kind of value the factory runtime builds: groups with default_args, a fan-out
# with values, dynamic mapping over a literal list and over an upstream output, callables, a duration
# argument, params, an interval schedule for one environment and an asset schedule for the other.
RICH_TEMPLATE = """\
schema_version: 1
dag:
  dag_id: "${{ tenant }}_${{ environment }}_rich"
  schedule: "${{ env.schedule }}"
  start_date: 2024-02-01T06:00:00+00:00
  dagrun_timeout: PT1H
  params: {batch: {default: "${{ env.batch }}", type: integer}}
  default_args: {retries: 1, retry_delay: PT2M}
  on_failure_callback: sample_callables.notify_failure
  tags: ["${{ tenant }}"]
tasks:
  - {id: start, operator: python, args: {python_callable: sample_callables.extract}}
  - {id: part, operator: bash, group: inner, fan_out: {values: "${{ env.parts }}", arg: bash_command}}
  - {id: wait, operator: time_delta_sensor, group: outer, args: {delta: PT1M, mode: reschedule}}
  - {id: mapped, operator: bash, mapping: {expand: {bash_command: ["echo 1", "echo 2"]}}}
  - {id: listing, operator: python, args: {python_callable: sample_callables.list_files}}
  - {id: per_item, operator: python, args: {python_callable: sample_callables.process_file},
     mapping: {expand: {op_args: {task: listing}}}, trigger_rule: all_done}
  - {id: audit, operator: empty, group: outer, when: "${{ env.audit }}", overrides: {execution_timeout: PT10M}}
groups:
  - {id: outer, default_args: {retries: 3}, tooltip: "${{ tenant }}"}
  - {id: inner, parent: outer}
edges:
  - {upstream: start, downstream: outer}
  - {upstream: inner, downstream: wait}
  - {upstream: outer, downstream: mapped}
  - {upstream: mapped, downstream: listing}
"""
RICH_CONFIG = """\
defaults: {batch: 10, audit: false, parts: ["echo a", "echo b"]}
environments:
  dev: {schedule: "@daily"}
  prod: {schedule: "0 3 * * *", batch: 500, audit: true, parts: ["echo a", "echo b", "echo c"]}
tenants: [acme, globex]
"""


def write(files: dict[str, str], root: Path) -> list[Path]:
    written = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (root / "dags" / CALLABLES.name).write_text(CALLABLES.read_text())
    return written


def sample_generation() -> Generation:
    return generate(load_template(SAMPLE / "multi_tenant.yaml"), load_config(SAMPLE / "multi_tenant.generate.yaml"))


def rich_generation() -> Generation:
    return generate(parse_template(RICH_TEMPLATE, "rich.yaml"), parse_config(RICH_CONFIG, "rich.generate.yaml"))


@pytest.mark.parametrize(("make", "target"), list(itertools.product(
    [(sample_generation, "pipeline"), (rich_generation, "rich")], ["python", "factory", "dag-factory"])))
def test_generated_dags_load_in_airflow_with_the_rendered_structure(tmp_path, make, target):
    make, suffix = make
    generation = make()
    designs = require_designs(generation)
    written = write(export_generation(generation, target), tmp_path)
    loaded = load_dag_folder(tmp_path / "dags", tmp_path / "home")
    assert loaded["import_errors"] == {}
    assert set(loaded["dags"]) == {f"{t.name}_{e}_{suffix}" for t, e in generation.config.pairs()}
    assert len(loaded["dags"]) == len(generation.config.tenants) * len(generation.config.environments)
    problems = [p for design in designs for p in structure_problems(design, loaded)]
    assert problems == []
    if target != "dag-factory":
        assert ruff_problems([p for p in written if p.suffix == ".py"], tmp_path) == ""


def test_rich_generation_differs_between_environments():
    designs = {d.dag.dag_id: d for d in require_designs(rich_generation())}
    dev, prod = expected_structure(designs["acme_dev_rich"]), expected_structure(designs["acme_prod_rich"])
    assert set(prod["tasks"]) - set(dev["tasks"]) == {"outer.audit", "outer.inner.part_2"}


USER_TEST = """\
import importlib.util
from pathlib import Path

FACTORY = Path(__file__).parent / "dags" / "dag_clients.py"
spec = importlib.util.spec_from_file_location("dag_clients", FACTORY)
factory = importlib.util.module_from_spec(spec)
spec.loader.exec_module(factory)
generate_client_dags = factory.generate_dags


def test_client_dags():
    config = FACTORY.with_suffix(".json")
    dags = generate_client_dags(config)
    assert len(dags) == 2
    assert "client_a_pipeline" in dags
    assert "client_b_pipeline" in dags
    assert dags["client_b_pipeline"].task_dict["load"].bash_command == "echo load for client_b"
    assert sorted(dags["client_a_pipeline"].task_dict) == ["extract", "load"]
"""


def test_user_style_test_passes_against_the_factory_module(tmp_path):
    template = ("dag: {dag_id: '${{ tenant }}_pipeline', schedule: '@daily'}\n"
                "tasks:\n  - {id: extract, operator: empty}\n"
                "  - {id: load, operator: bash, args: {bash_command: 'echo load for ${{ tenant }}'}}\n"
                "edges: [{upstream: extract, downstream: load}]\n")
    generation = generate(parse_template(template, "t.yaml"), parse_config("tenants: [client_a, client_b]\n"))
    write(export_generation(generation, "factory", "clients"), tmp_path)
    (tmp_path / "test_clients.py").write_text(USER_TEST)
    proc = subprocess.run([str(VENV_PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_clients.py"],
                          cwd=tmp_path, env=airflow_env(tmp_path / "home"), capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 passed" in proc.stdout


ENV_TEMPLATE = """\
dag: {dag_id: "${{ tenant }}_daily", schedule: "@daily"}
tasks:
  - {id: extract, operator: sql,
     args: {conn_id: warehouse, sql: "SELECT * FROM ${{ env.schema }}.t WHERE d = '{{ ds }}'"}}
  - {id: load, operator: bash, args: {bash_command: "load --batch ${{ env.batch }} --day {{ ds }}",
                                      env: {TARGET: "${{ env.target }}"}}}
edges: [{upstream: extract, downstream: load}]
"""
ENV_CONFIG = """\
environments:
  dev: {schema: dev, batch: 10, target: /tmp/dev}
  prod: {schema: prod, batch: 5000, target: /data/prod}
tenants: [acme, globex]
"""


def test_environment_aware_modules_choose_the_environment_at_run_time(tmp_path):
    generation = generate(parse_template(ENV_TEMPLATE, "env.yaml"), parse_config(ENV_CONFIG))
    files = export_generation(generation, "python-env")
    assert sorted(files) == ["dags/dag_acme_daily.py", "dags/dag_globex_daily.py"]
    for text in files.values():
        assert "Variable" not in text  # read through templating when the task runs, never at the top level
        assert 'var.value.get(\\"deploy_environment\\", \\"dev\\")' in text or \
            "var.value.get(\"deploy_environment\", \"dev\")" in text
    written = write(files, tmp_path)
    assert ruff_problems(written[:2], tmp_path) == ""
    script = textwrap.dedent("""\
        import sys
        sys.path.insert(0, "dags")
        from airflow.dag_processing.dagbag import DagBag
        bag = DagBag("dags")
        assert bag.import_errors == {}, bag.import_errors
        dag = bag.dags["acme_daily"]
        env = dag.get_template_env()
        for name, expected in (("dev", "load --batch 10 --day 2024-05-01"),
                               ("prod", "load --batch 5000 --day 2024-05-01")):
            class Vars:
                class value:
                    @staticmethod
                    def get(key, default):
                        return name if key == "deploy_environment" else default
            task = dag.task_dict["load"]
            text = env.from_string(task.bash_command).render(var=Vars, ds="2024-05-01")
            assert text == expected, text
            target = env.from_string(task.env["TARGET"]).render(var=Vars)
            assert target == {"dev": "/tmp/dev", "prod": "/data/prod"}[name], target
        print("ok")
        """)
    proc = subprocess.run([str(VENV_PYTHON), "-c", script], cwd=tmp_path, env=airflow_env(tmp_path / "home"),
                          capture_output=True, text=True, timeout=600)
    assert proc.stdout.strip().endswith("ok"), proc.stdout[-2000:] + proc.stderr[-3000:]
