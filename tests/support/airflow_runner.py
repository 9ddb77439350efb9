"""Running real Airflow from tests: DagBag loads and `airflow dags test`, each in a subprocess.

Airflow keeps process-wide state (config, ORM, registered DAGs), so every load runs in a fresh
interpreter with its own AIRFLOW_HOME. The same helpers drive the Airflow 2 virtualenv.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
AIRFLOW2_PYTHON = ROOT / ".venv-airflow2" / "bin" / "python"
STRUCTURE_SCRIPT = Path(__file__).with_name("airflow_structure.py")
MARKER = "@@STRUCTURE@@"


def airflow_env(home: Path, dags_folder: Path | None = None) -> dict[str, str]:
    """Environment for an isolated Airflow: own home, sqlite, no examples, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        DO_NOT_TRACK="1",
        SCARF_NO_ANALYTICS="1",
        AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY="False",
        PYTHONWARNINGS="ignore",
    )
    if dags_folder is not None:
        env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags_folder)
    return env


def load_dag_folder(folder: Path, home: Path, python: Path = VENV_PYTHON, timeout: float = 600) -> dict:
    """DagBag of `folder` as {"import_errors": {...}, "dags": {dag_id: structure}} (see airflow_structure.py)."""
    proc = subprocess.run(
        [str(python), str(STRUCTURE_SCRIPT), str(folder)],
        env=airflow_env(home, folder), capture_output=True, text=True, timeout=timeout, cwd=str(folder),
    )
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    raise AssertionError(f"DagBag load failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def airflow_cli(args: list[str], home: Path, dags_folder: Path, python: Path = VENV_PYTHON,
                timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the `airflow` CLI of the venv that holds `python`."""
    return subprocess.run(
        [str(python), "-m", "airflow", *args],
        env=airflow_env(home, dags_folder), capture_output=True, text=True, timeout=timeout, cwd=str(dags_folder),
    )


def migrate(home: Path, dags_folder: Path, python: Path = VENV_PYTHON) -> None:
    """`airflow db migrate` into a fresh sqlite database under `home`."""
    proc = airflow_cli(["db", "migrate"], home, dags_folder, python)
    if proc.returncode != 0:
        raise AssertionError(f"airflow db migrate failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def ensure_airflow2_venv() -> Path:
    """Create (once) the Airflow 2.11 virtualenv with scripts/setup.sh --airflow2; returns its python."""
    subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), "--airflow2"], check=True, cwd=str(ROOT),
                   stdout=sys.stderr)
    return AIRFLOW2_PYTHON
