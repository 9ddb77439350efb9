"""End to end: `airflow dags test` runs every sample that needs no outside system (only empty, bash,
python, branch, short-circuit and latest-only tasks), exported to Python, and every task succeeds,
or is skipped where the branch does not choose it."""

from __future__ import annotations

import json
import re

import pytest

from designer.analysis.structure import expected_structure
from designer.storage import load_design
from tests.conftest import sample_paths
from tests.support.airflow_runner import airflow_cli, migrate
from tests.support.python_export import write_exports

pytestmark = pytest.mark.slow

RUNNABLE_OPERATORS = {"empty", "bash", "python", "branch_python", "short_circuit", "latest_only"}
LOGICAL_DATE = "2024-01-02"
# 2024-01-02 is not the first of the month, so the branch takes the incremental load.
SKIPPED = {"branch_and_rejoin": {"full_load"}}
RUNNABLE = [p for p in sample_paths(valid_only=True)
            if all(t.operator in RUNNABLE_OPERATORS for t in load_design(p).tasks)]


@pytest.fixture(scope="module")
def airflow_repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    write_exports([load_design(p) for p in RUNNABLE], root, ["python"])
    home = root / "airflow_home"
    migrate(home, root / "dags")
    return home, root / "dags"


def _params():
    for path in RUNNABLE:
        yield pytest.param(path, id=path.stem)


def test_the_runnable_samples_are_the_expected_ones():
    assert {p.stem for p in RUNNABLE} == {"branch_and_rejoin", "chunked_batch", "dynamic_mapping", "environment_aware",
                                          "fan_out_fan_in", "linear_etl", "nested_taskgroups"}


@pytest.mark.parametrize("sample", _params())
def test_dag_runs_and_every_task_ends_as_expected(airflow_repo, sample):
    home, dags = airflow_repo
    design = load_design(sample)
    dag_id = design.dag.dag_id
    run = airflow_cli(["dags", "test", dag_id, LOGICAL_DATE], home, dags, timeout=240)
    finished = re.search(r"DagRun Finished: .*?run_id=(\S+?), .*?state=(\w+)", run.stdout)
    assert run.returncode == 0 and finished, run.stdout[-3000:] + run.stderr[-3000:]
    run_id, state = finished.groups()
    assert state == "success", run.stdout[-3000:]
    listing = airflow_cli(["tasks", "states-for-dag-run", dag_id, run_id, "-o", "json"], home, dags)
    rows = json.loads(next(line for line in listing.stdout.splitlines() if line.startswith("[")))
    states: dict[str, set[str]] = {}
    for row in rows:  # a mapped task has one row per mapped instance
        states.setdefault(row["task_id"], set()).add(row["state"])
    skipped = SKIPPED.get(dag_id, set())
    expected = {t: {"skipped" if t in skipped else "success"} for t in expected_structure(design)["tasks"]}
    assert states == expected
