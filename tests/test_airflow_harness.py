"""The Airflow harness (tests/support) itself: no module there shadows an installed package, the structure
script builds the DagBag for the running Airflow version without retrying on TypeError, puts the DAG
folder on sys.path the way Airflow does (a Python module importing a helper next to it, a dag-factory
loader whose YAML names a callable next to it) and sees mapped tasks on Airflow 2 and 3."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from designer.model import DagSettings, Design, DynamicMapping, Edge, Task, TaskArgs, UpstreamOutput
from tests.dag_factory_support import copy_callables, write_export
from tests.support.airflow_runner import (
    AIRFLOW2_PYTHON,
    STRUCTURE_SCRIPT,
    VENV_PYTHON,
    airflow_env,
    ensure_airflow2_venv,
    load_dag_folder,
)
from tests.support.python_export import structure_problems

SUPPORT = STRUCTURE_SCRIPT.parent


def test_no_support_module_shadows_an_installed_package():
    # The structure script runs as `python tests/support/airflow_structure.py`, so its folder could
    # come first on sys.path; a tests/support/airflow.py used to hide the real `airflow` there.
    stems = sorted(p.stem for p in SUPPORT.glob("*.py") if p.stem != "__init__")
    code = "import importlib.util, sys; print([n for n in sys.argv[1:] if importlib.util.find_spec(n)])"
    for python in (VENV_PYTHON, AIRFLOW2_PYTHON):
        if not python.exists():
            continue
        proc = subprocess.run([str(python), "-I", "-c", code, *stems], capture_output=True, text=True, check=True,
                              cwd="/")
        assert proc.stdout.strip() == "[]", f"{python}: tests/support modules shadow installed packages"


def _fake_airflow(root: Path, version: str) -> Path:
    """A stand-in `airflow` package whose DagBag raises TypeError and counts its calls."""
    bag = textwrap.dedent("""
        class DagBag:
            def __init__(self, *args, **kwargs):
                print("DAGBAG CALL", sorted(kwargs), flush=True)
                raise TypeError("a real TypeError while loading")
        BundleDagBag = DagBag
    """)
    package = root / "airflow"
    (package / "dag_processing").mkdir(parents=True)
    (package / "__init__.py").write_text(f"__version__ = {version!r}\n")
    (package / "models.py").write_text(bag)
    (package / "dag_processing" / "__init__.py").write_text("")
    (package / "dag_processing" / "dagbag.py").write_text(bag)
    return root


@pytest.mark.parametrize(("version", "kwargs"), [("2.11.2", "include_examples"), ("3.3.2", "bundle_path")])
def test_dag_bag_is_built_once_for_the_version_and_a_type_error_is_not_retried(tmp_path, version, kwargs):
    fake = _fake_airflow(tmp_path / "fake", version)
    env = {**airflow_env(tmp_path / "home", tmp_path), "PYTHONPATH": str(fake)}
    proc = subprocess.run([sys.executable, str(STRUCTURE_SCRIPT), str(tmp_path)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    calls = [line for line in proc.stdout.splitlines() if line.startswith("DAGBAG CALL")]
    assert proc.returncode != 0 and "a real TypeError while loading" in proc.stderr
    assert len(calls) == 1 and kwargs in calls[0], proc.stdout


def _folder(root: Path) -> tuple[Path, Design]:
    """A DAG folder with a Python DAG importing a helper module next to it, and a dag-factory export
    (loader + YAML) whose YAML names callables in sample_callables.py next to it."""
    folder = root / "dags"
    folder.mkdir(parents=True)
    (folder / "local_helpers.py").write_text("COMMANDS = ['echo a', 'echo b']\n")
    (folder / "py_dag.py").write_text(textwrap.dedent("""\
        # airflow dag importing a module that lives next to it in the DAG folder
        import datetime as dt

        from local_helpers import COMMANDS

        try:
            from airflow.sdk import DAG
        except ImportError:
            from airflow import DAG
        from airflow.providers.standard.operators.bash import BashOperator

        with DAG("py_dag", schedule=None, start_date=dt.datetime(2024, 1, 1), catchup=False):
            first = BashOperator(task_id="first", bash_command="echo")
            each = BashOperator.partial(task_id="each").expand(bash_command=COMMANDS)
            first >> each
    """))
    design = Design(
        dag=DagSettings(dag_id="df_dag"),
        tasks=(
            Task(id="files", operator="python", args={"python_callable": "sample_callables.list_files"},
                 overrides=TaskArgs(retries=1)),
            Task(id="each", operator="python", args={"python_callable": "sample_callables.process_file"},
                 mapping=DynamicMapping(expand={"op_args": UpstreamOutput(task="files")}),
                 overrides=TaskArgs(retries=1)),
            Task(id="done", overrides=TaskArgs(retries=1)),
        ),
        edges=(Edge(upstream="each", downstream="done"),),
    )
    loader = [p for p in write_export(design, "dag-factory", folder) if p.suffix == ".py"]
    assert loader and "import" in loader[0].read_text() and "sample_callables" not in loader[0].read_text()
    copy_callables(folder)
    return folder, design


@pytest.mark.slow
@pytest.mark.parametrize("version", ["airflow3", pytest.param("airflow2", marks=pytest.mark.airflow2)])
def test_structure_script_imports_modules_next_to_the_dags(tmp_path, monkeypatch, version):
    for name in ("PYTHONPATH", "PYTHONSAFEPATH"):  # Airflow's own sys.path handling, nothing else
        monkeypatch.delenv(name, raising=False)
    python = ensure_airflow2_venv() if version == "airflow2" else VENV_PYTHON
    folder, design = _folder(tmp_path)
    loaded = load_dag_folder(folder, tmp_path / "home", python=python)
    assert loaded["import_errors"] == {}, json.dumps(loaded["import_errors"], indent=1)[:3000]
    assert sorted(loaded["dags"]) == ["df_dag", "py_dag"]
    py_tasks = loaded["dags"]["py_dag"]["tasks"]
    assert (py_tasks["first"]["mapped"], py_tasks["each"]["mapped"]) == (False, True)
    assert structure_problems(design, loaded) == []
