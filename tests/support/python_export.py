"""Helpers for the Python exporter tests: write exports into a DAG folder, load it once with real
Airflow, lint it once with ruff, and compare what Airflow built with the design's expected structure."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from designer.analysis.structure import expected_structure
from designer.model import AssetOrTimeSchedule, AssetSchedule, Design, IntervalSchedule, TimetableSchedule
from exporters import export
from tests.support.airflow_runner import ROOT, VENV_PYTHON, load_dag_folder

RUFF = ROOT / ".venv" / "bin" / "ruff"
CALLABLES = ROOT / "sample_configs" / "sample_callables.py"
STRUCTURE_KEYS = ("tasks", "groups")


def write_exports(designs: Iterable[Design], root: Path, targets: Iterable[str]) -> list[Path]:
    """Export each design for each target under `root` (Airflow-repo layout); returns the files written.
    `sample_callables.py` goes next to the DAGs, where Airflow's DAG folder is importable."""
    written = []
    for design in designs:
        for target in targets:
            for rel, text in export(design, target).items():
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                written.append(path)
    (root / "dags").mkdir(parents=True, exist_ok=True)
    shutil.copy(CALLABLES, root / "dags" / CALLABLES.name)
    return written


def load(folder: Path, home: Path, python: Path = VENV_PYTHON) -> dict:
    """DagBag of `folder` in one subprocess (see tests/support/airflow_runner.py); the structure script
    puts the DAG folder on sys.path as Airflow does, so modules next to the DAGs import."""
    return load_dag_folder(folder, home, python=python)


def structure_problems(design: Design, loaded: dict) -> list[str]:
    """Differences between what Airflow loaded and expected_structure(design), one line each."""
    dag_id = design.dag.dag_id
    if dag_id not in loaded["dags"]:
        return [f"{dag_id}: not loaded"]
    got, want = loaded["dags"][dag_id], expected_structure(design)
    problems = []
    for key in STRUCTURE_KEYS:
        for item in sorted(set(got[key]) | set(want[key])):
            g, w = got[key].get(item), want[key].get(item)
            if g != w:
                problems.append(f"{dag_id}: {key} {item!r}: Airflow has {g!r}, design says {w!r}")
    return problems


def expected_timetable(schedule: Any) -> str:
    """The class name of the timetable Airflow 3 makes of a design schedule."""
    if schedule is None:
        return "NullTimetable"
    if isinstance(schedule, IntervalSchedule):
        return "DeltaTriggerTimetable"
    if isinstance(schedule, AssetSchedule):
        return "AssetTriggeredTimetable"
    if isinstance(schedule, AssetOrTimeSchedule):
        return "AssetOrTimeSchedule"
    if isinstance(schedule, TimetableSchedule):
        return schedule.timetable.rpartition(".")[2]
    return {"@once": "OnceTimetable", "@continuous": "ContinuousTimetable"}.get(schedule, "CronTriggerTimetable")


def ruff_problems(files: Iterable[Path], cwd: Path) -> str:
    """Output of `ruff check --select E,F,W,I,AIR --preview` and `ruff format --check` on `files`
    with ruff's defaults (no project config), or "" when both pass."""
    names = [str(f.relative_to(cwd)) for f in files]
    out = []
    for args in (["check", "--select", "E,F,W,I,AIR", "--preview", "--output-format", "concise"],
                 ["format", "--check", "--diff"]):
        proc = subprocess.run([str(RUFF), *args, "--isolated", *names], cwd=cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            out.append(f"ruff {args[0]}:\n{proc.stdout[-6000:]}{proc.stderr[-2000:]}")
    return "\n".join(out)
