"""The last guards the exporters run on what they wrote: each refuses a tampered output with an ExportError,
and passes every real export (the samples)."""

import pytest

from designer.storage import load_design
from exporters import ExportError, export
from exporters.checks import guard_dag_factory_yaml, guard_python_module, guard_tests_module
from exporters.python_imports import allowed_modules
from tests.conftest import sample_paths

SAMPLES = [d for d in map(load_design, sample_paths()) if not d.dag.dag_id.startswith("invalid")]
DAG = "d"
GOOD_YAML = "d:\n  schedule:\n    __type__: datetime.timedelta\n    hours: 1\n  tasks: []\n"

BAD_YAML = [
    ("d:\n  description: echo $HOME\n", "contains '\\$'"),
    ("d:\n  params:\n    p:\n      __type__: os.system\n", "holds __type__: 'os.system'"),
    ("d:\n  tasks:\n  - env: {__args__: [1]}\n", "holds __args__"),
    ("d:\n  tasks:\n  - env: {__and__: [1]}\n", "holds __and__"),
    ("d:\n  tags: {__or__: [a]}\n", "holds __or__"),
    ("d:\n  doc_md: !!python/name:os.getcwd ''\n", "does not read back safely"),
    ("other:\n  tasks: []\n", "instead of the one DAG 'd'"),
    ("d: {}\ne: {}\n", "instead of the one DAG 'd'"),
    ("d:\n  timetable: x\n", "unexpected keys \\['timetable'\\]"),
    ("- d\n", "instead of the one DAG"),
]


@pytest.mark.parametrize(("text", "problem"), BAD_YAML)
def test_dag_factory_guard_refuses_what_dag_factory_would_misread(text, problem):
    guard_dag_factory_yaml(GOOD_YAML, DAG)
    with pytest.raises(ExportError, match=f"internal error.*{problem}"):
        guard_dag_factory_yaml(text, DAG)


BAD_PYTHON = ["import os\n", "from subprocess import run\n", "x = eval('1')\n", "x = ().__class__\n",
              "from .x import y\n", "def f(:\n", "__import__('os')\n"]


@pytest.mark.parametrize("source", BAD_PYTHON)
def test_python_guard_refuses_imports_and_names_outside_the_allow_list(source):
    with pytest.raises(ExportError, match="internal error"):
        guard_python_module(source, {"__future__", "datetime", "airflow.sdk"})


BAD_TESTS = ["import os\nDAG_ID = 'd'\nEXPECTED_TASKS = {}\nEXPECTED_GROUPS = {}\n",
             "DAG_ID = open('x')\nEXPECTED_TASKS = {}\nEXPECTED_GROUPS = {}\n",
             "DAG_ID = 'd'\nEXPECTED_TASKS = {}\n",
             "DAG_ID = 'e'\nEXPECTED_TASKS = {}\nEXPECTED_GROUPS = {}\n"]


@pytest.mark.parametrize("source", BAD_TESTS)
def test_tests_module_guard_wants_literals_equal_to_the_structure(source):
    with pytest.raises(ExportError, match="internal error"):
        guard_tests_module(source, {"DAG_ID": "d", "EXPECTED_TASKS": {}, "EXPECTED_GROUPS": {}})


@pytest.mark.parametrize("design", SAMPLES, ids=[d.dag.dag_id for d in SAMPLES])
def test_every_sample_passes_every_guard(design):
    for target in ("python", "python-airflow2"):
        [source] = export(design, target).values()
        guard_python_module(source, allowed_modules(design, target.removeprefix("python-") or "airflow3"))
    files = export(design, "dag-factory")
    guard_dag_factory_yaml(next(t for p, t in files.items() if p.endswith(".yaml")), design.dag.dag_id)
    [tests] = export(design, "tests").values()
    guard_tests_module(tests)
