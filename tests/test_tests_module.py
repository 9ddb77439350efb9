"""The tests exporter: the generated pytest module is ruff-clean, passes against the exported DAG in
real Airflow, and fails when the DAG file drifts from the design."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from designer.analysis.structure import expected_structure
from designer.storage import load_design
from exporters import export
from exporters.tests_module import render_tests
from tests.conftest import SAMPLES, sample_paths
from tests.shapes import SETUP_TEARDOWN
from tests.support.airflow_runner import VENV_PYTHON, airflow_env
from tests.support.python_export import ruff_problems, write_exports


def run_generated_tests(root: Path, python: Path = VENV_PYTHON) -> subprocess.CompletedProcess:
    """`pytest tests/` inside an exported Airflow repo, with its own Airflow home."""
    return subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=root,
                          env=airflow_env(root / "airflow_home"), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("repo")
    designs = [load_design(p) for p in sample_paths(valid_only=True)] + [SETUP_TEARDOWN]
    write_exports(designs, root, ["python"])
    return root, write_exports(designs, root, ["tests"])


def test_generated_tests_pass_ruff_and_format(repo):
    root, files = repo
    assert ruff_problems([f for f in files if f.parent.name == "tests"], root) == ""


def test_generated_tests_pass_against_the_exported_dags(repo):
    root, _ = repo
    proc = run_generated_tests(root)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    # Five DAG-level tests per module plus one per task.
    structures = [expected_structure(load_design(p)) for p in sample_paths(valid_only=True)]
    structures.append(expected_structure(SETUP_TEARDOWN))
    assert f"{sum(5 + len(s['tasks']) for s in structures)} passed" in proc.stdout


def test_generated_tests_catch_a_dag_that_drifted(tmp_path):
    design = load_design(SAMPLES / "nested_taskgroups.yaml")
    write_exports([design], tmp_path, ["python", "tests"])
    dag_file = tmp_path / "dags" / "dag_nested_taskgroups.py"
    source = dag_file.read_text()
    assert "extract >> transform >> quality >> validate" in source
    dag_file.write_text(source.replace("extract >> transform >> quality >> validate", "extract >> transform"))
    proc = run_generated_tests(tmp_path)
    assert proc.returncode == 1
    failed = {line.split("::")[-1].split(" ")[0] for line in proc.stdout.splitlines() if line.startswith("FAILED")}
    assert failed == {"test_task_is_as_drawn[data_processing.quality.check_nulls]",
                      "test_task_is_as_drawn[data_processing.quality.check_row_count]",
                      "test_task_is_as_drawn[data_processing.validate]", "test_task_is_as_drawn[report]"}


def test_expected_structure_is_embedded_as_literals():
    design = load_design(SAMPLES / "nested_taskgroups.yaml")
    tree = ast.parse(render_tests(design))
    values = {t.targets[0].id: ast.literal_eval(t.value) for t in tree.body
              if isinstance(t, ast.Assign) and t.targets[0].id.startswith(("EXPECTED", "DAG_ID"))}
    structure = expected_structure(design)
    assert values["DAG_ID"] == "nested_taskgroups"
    assert values["EXPECTED_TASKS"] == structure["tasks"]
    assert values["EXPECTED_GROUPS"] == {
        "data_processing": {"parent": None, "children": [
            "data_processing.extract", "data_processing.quality", "data_processing.transform",
            "data_processing.validate"]},
        "data_processing.quality": {"parent": "data_processing", "children": [
            "data_processing.quality.check_nulls", "data_processing.quality.check_row_count"]},
    }


def test_registered_target_writes_one_module_under_tests():
    design = load_design(SAMPLES / "linear_etl.yaml")
    assert list(export(design, "tests")) == ["tests/test_dag_linear_etl.py"]
