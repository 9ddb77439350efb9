"""`python -m designer validate|analyze`, run as a user would, including hostile inputs."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLES, sample_paths


def run(*args, timeout=120):
    """The CLI's result (`timeout` only guards against a hang; times are measured in bench/inputs.py)."""
    proc = subprocess.run([sys.executable, "-m", "designer", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)
    return proc


def test_validate_valid_samples_exit_zero():
    proc = run("validate", *sample_paths(valid_only=True))
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count(": valid (0 errors") == len(sample_paths(valid_only=True))


def test_validate_reports_error_findings_with_location_and_exit_one():
    proc = run("validate", SAMPLES / "INVALID_cycle_through_group.yaml", SAMPLES / "linear_etl.yaml")
    assert proc.returncode == 1
    assert "INVALID_cycle_through_group.yaml:15: DD005 error edges[0]: cycle: ingest.fetch -> ingest.store -> report" \
        in proc.stdout


def hostile_files(tmp_path):
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    files = {
        "alias_bomb.yaml": "\n".join(bomb).encode(),
        "deep.yaml": b"[" * 10_000 + b"]" * 10_000,
        "deep.json": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        "latin1.yaml": "dag: {dag_id: caf\u00e9}".encode("latin-1"),
        "wrong_types.yaml": b"dag: {dag_id: [1, 2]}\ntasks: 5\n",
        "list.json": b"[1, 2, 3]",
        "binary.yaml": bytes(range(256)) * 4,
    }
    paths = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.write(b"dag: {dag_id: x}\n# " + b"x" * (50 * 1024 * 1024))
    return [*paths, big]


@pytest.mark.parametrize("command", ["validate", "analyze"])
def test_hostile_inputs_exit_two_with_one_line(tmp_path, command):
    for path in hostile_files(tmp_path):
        proc = run(command, path)
        output = (proc.stdout + proc.stderr).strip()
        assert proc.returncode == 2, (path.name, output)
        assert "Traceback" not in output and len(output.splitlines()) == 1, (path.name, output)
        assert str(path) in output


def test_analyze_json_has_the_documented_fields():
    proc = run("analyze", SAMPLES / "nested_taskgroups.yaml", "--json")
    assert proc.returncode == 0
    report = json.loads(proc.stdout)
    for key in ("tasks", "edges", "groups", "depth", "width", "critical_path", "critical_path_length", "max_fan_in",
                "max_fan_out", "cycles", "findings", "complexity", "simulated_makespan"):
        assert key in report
    assert report["tasks"] == 7 and report["depth"] == 6 and report["cycles"] == []
    assert report["complexity"]["grade"] == "A"
    assert report["simulated_makespan"] == report["critical_path_length"] == 360
    assert all({"code", "severity", "message", "subjects"} <= set(f) for f in report["findings"])


def test_analyze_json_lists_cycles_as_ordered_task_ids():
    proc = run("analyze", SAMPLES / "INVALID_cycle_through_group.yaml", "--json")
    report = json.loads(proc.stdout)
    assert report["cycles"] == [["ingest.fetch", "ingest.store", "report"]]
    assert report["simulated_makespan"] is None


def test_analyze_text_output():
    proc = run("analyze", SAMPLES / "linear_etl.yaml")
    assert proc.returncode == 0
    assert "critical path             extract >> transform >> validate >> load" in proc.stdout


def test_rules_and_schema_commands():
    proc = run("rules")
    assert proc.returncode == 0 and proc.stdout.startswith("DD001 invalid-id (error)")
    proc = run("schema")
    assert json.loads(proc.stdout)["title"] == "DAG Designer design"
