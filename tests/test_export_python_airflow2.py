"""The python-airflow2 export on Airflow 2.11: every sample loads with the designed structure and
settings (catchup stays off although Airflow 2 defaults it on), and the generated tests pass there."""

from __future__ import annotations

import pytest

from designer.storage import load_design
from tests.conftest import sample_paths
from tests.support.airflow_runner import ensure_airflow2_venv
from tests.support.python_export import load, structure_problems, write_exports
from tests.test_tests_module import run_generated_tests

pytestmark = [pytest.mark.airflow2, pytest.mark.slow]

TIMETABLES = {"asset_triggered": "DatasetTriggeredTimetable", "dynamic_mapping": "NullTimetable"}


@pytest.fixture(scope="module")
def airflow2_python():
    return ensure_airflow2_venv()


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("airflow2")
    designs = [load_design(p) for p in sample_paths(valid_only=True)]
    write_exports(designs, root, ["python-airflow2", "tests"])
    return root, designs


def test_airflow2_builds_every_sample_as_designed(repo, airflow2_python, tmp_path):
    root, designs = repo
    loaded = load(root / "dags", tmp_path / "home", python=airflow2_python)
    assert loaded["import_errors"] == {}
    problems = [p for d in designs for p in structure_problems(d, loaded)]  # mapped-ness included
    assert not problems, "\n".join(problems)
    # Airflow 2's MappedOperator has no `is_mapped`: the harness must still see the sample's mapped tasks.
    assert any(info["mapped"] for info in loaded["dags"]["dynamic_mapping"]["tasks"].values())
    for design in designs:
        got = loaded["dags"][design.dag.dag_id]
        assert got["catchup"] is False
        assert got["start_date"] == "2024-01-01T00:00:00+00:00"
        assert got["timetable"] == TIMETABLES.get(design.dag.dag_id, "CronDataIntervalTimetable")


def test_generated_tests_pass_on_airflow2(repo, airflow2_python):
    root, _ = repo
    proc = run_generated_tests(root, python=airflow2_python)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
