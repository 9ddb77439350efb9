"""`python -m designer diff`, run as a user would: exit codes 0/1/2, plain lines, --json, dag-factory input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.test_cli import hostile_files

OLD = """\
dag: {dag_id: etl, schedule: "@daily"}
tasks:
  - {id: extract, operator: bash, args: {bash_command: echo x}}
  - {id: load}
edges:
  - {upstream: extract, downstream: load}
"""
NEW = """\
dag: {dag_id: etl, schedule: "@hourly"}
tasks:
  - {id: load, trigger_rule: all_done}
  - {id: extract, operator: bash, args: {bash_command: echo y}, position: {x: 5, y: 5}}
  - {id: report}
edges:
  - {upstream: load, downstream: report}
"""
EXPECTED_LINES = [
    'DAG: schedule changed from "@daily" to "@hourly"',
    'task extract: args.bash_command changed from "echo x" to "echo y"',
    'task load: trigger_rule changed from "all_success" to "all_done"',
    "task report added",
    "edge extract >> load removed",
    "edge load >> report added",
    "different: 1 DAG setting changed; tasks: 1 added, 2 changed; edges: 1 added, 1 removed (6 changes)",
]
# dag-factory YAML holding OLD's DAG (as `etl`) and a second DAG.
DAG_FACTORY = """\
etl:
  schedule: "@daily"
  tasks:
    extract:
      operator: airflow.providers.standard.operators.bash.BashOperator
      bash_command: echo x
    load:
      operator: airflow.providers.standard.operators.empty.EmptyOperator
      dependencies: [extract]
other:
  tasks:
    only:
      operator: airflow.providers.standard.operators.empty.EmptyOperator
"""


def diff(*args):
    return subprocess.run([sys.executable, "-m", "designer", "diff", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in {"old.yaml": OLD, "new.yml": NEW, "dags.yaml": DAG_FACTORY,
                       "one_dag.yaml": DAG_FACTORY.split("other:")[0]}.items():
        paths[name] = tmp_path / name
        paths[name].write_text(text)
    reordered = json.dumps({"edges": [{"downstream": "load", "upstream": "extract"}],
                            "tasks": [{"id": "load"}, {"args": {"bash_command": "echo x"}, "id": "extract",
                                                       "operator": "bash", "position": {"x": 1, "y": 2}}],
                            "dag": {"schedule": "@daily", "dag_id": "etl"}}, indent=1)
    paths["old.json"] = tmp_path / "old.json"
    paths["old.json"].write_text(reordered)
    return paths


def test_equal_designs_exit_zero_whatever_the_format_order_and_layout(files):
    proc = diff(files["old.yaml"], files["old.json"])
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "equal (positions and order ignored)\n", "")


def test_different_designs_exit_one_with_one_line_per_change_then_a_summary(files):
    proc = diff(files["old.yaml"], files["new.yml"])
    assert (proc.returncode, proc.stdout.splitlines(), proc.stderr) == (1, EXPECTED_LINES, "")


def test_json_output_has_the_documented_shape(files):
    proc = diff("--json", files["old.yaml"], files["new.yml"])
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert list(data) == ["equal", "summary", "changes"] and data["equal"] is False
    assert data["summary"] == {"changes": 6, "dag": 1, "lint": 0,
                               "groups": {"added": 0, "removed": 0, "changed": 0},
                               "tasks": {"added": 1, "removed": 0, "changed": 2},
                               "edges": {"added": 1, "removed": 1, "changed": 0}}
    assert [c["message"] for c in data["changes"]] == EXPECTED_LINES[:-1]
    assert data["changes"][1] == {"kind": "changed", "what": "task", "subject": "extract",
                                  "path": ["args", "bash_command"], "old": "echo x", "new": "echo y",
                                  "message": EXPECTED_LINES[1]}
    assert data["changes"][3]["new"] == {"id": "report"} and data["changes"][4]["subject"] == "extract >> load"
    same = diff("--json", files["old.yaml"], files["old.json"])
    assert same.returncode == 0
    assert json.loads(same.stdout) == {"equal": True, "summary": json.loads(same.stdout)["summary"], "changes": []}


def test_a_design_compares_with_a_dag_factory_file(files):
    proc = diff(files["old.yaml"], files["one_dag.yaml"])
    assert (proc.returncode, proc.stdout) == (0, "equal (positions and order ignored)\n")
    proc = diff(files["one_dag.yaml"], files["new.yml"])
    assert proc.returncode == 1 and proc.stdout.splitlines() == EXPECTED_LINES


def test_a_file_with_several_dags_needs_dag(files):
    proc = diff(files["old.yaml"], files["dags.yaml"])
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"error: {files['dags.yaml']}: holds 2 DAGs (etl, other); choose one with --dag DAG_ID\n"
    proc = diff(files["old.yaml"], files["dags.yaml"], "--dag", "etl")
    assert (proc.returncode, proc.stdout) == (0, "equal (positions and order ignored)\n")
    proc = diff(files["dags.yaml"], files["dags.yaml"], "--dag", "other", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["equal"] is True
    proc = diff(files["old.yaml"], files["dags.yaml"], "--dag", "nope")
    assert proc.returncode == 2
    assert proc.stderr == f"error: {files['dags.yaml']}: holds no DAG 'nope' (it holds etl, other)\n"


def test_import_notes_go_to_stderr_and_json_stays_clean(files, tmp_path):
    noted = tmp_path / "noted.yaml"
    noted.write_text(DAG_FACTORY.split("other:")[0] + "  end_date: 2030-01-01\n")
    proc = diff("--json", files["old.yaml"], noted)
    assert proc.returncode == 0 and json.loads(proc.stdout)["equal"] is True
    assert proc.stderr.startswith(f"note: {noted}:10: etl.end_date: ") and proc.stderr.count("\n") == 1


def test_unreadable_inputs_exit_two_with_one_line(files, tmp_path):
    bad_files = [tmp_path / "missing.yaml", tmp_path, *hostile_files(tmp_path), "/dev/zero"]
    cases = [((files["old.yaml"], bad), bad) for bad in bad_files]
    cases += [((bad_files[0], files["old.yaml"]), bad_files[0]), (("--json", bad_files[2], files["old.yaml"]),
                                                                   bad_files[2])]
    for args, bad in cases:
        proc = diff(*args)
        assert proc.returncode == 2, (bad, proc.stdout, proc.stderr)
        assert proc.stdout == "" and proc.stderr.startswith(f"error: {bad}") and proc.stderr.count("\n") == 1, (
            bad, proc.stderr[-2000:])
