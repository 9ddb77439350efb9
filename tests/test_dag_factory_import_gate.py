"""Importing dag-factory files: an import without notes passes the export gate, and every gate error is a note.

Checked on a corpus of realistic files (tests/data/dag_factory) and on generated documents; notes show values
as YAML, never as Python reprs.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.analysis import Severity, analyze
from designer.importers import shown
from designer.importers.dag_factory import import_dag_factory
from designer.model import Design
from exporters import export
from exporters.checks import require_exportable
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "data" / "dag_factory"
EMPTY = "airflow.providers.standard.operators.empty.EmptyOperator"
BASH = "airflow.providers.standard.operators.bash.BashOperator"
BRANCH = "airflow.providers.standard.operators.python.BranchPythonOperator"
# A Python repr where a note should show a value: datetime.date(...), <object at 0x..>, Param(default=...).
REPR = re.compile(r"datetime\.\w+\(|object at 0x|<[\w.]+ object|\b[A-Z]\w*\(\w+=")

# file -> the notes it must give (fragments, in order); every other file imports without notes.
CORPUS_NOTES = {
    "callable_files.yaml": ["imported as python_callable 'etl_callables.extract'",
                            "imported as python_callable 'etl_callables.pick'"],
    "callbacks.yaml": ["on_failure_callback is not supported", "default_args.on_retry_callback is not part"],
    "not_yet_exportable.yaml": ["cannot be exported yet: group id 'g.x' may only contain",
                                "cannot be exported yet: task id 'tâche' may only contain",
                                "cannot be exported yet: branch task 'lonely_branch' does not list"],
}


def _gate_errors(design: Design) -> list[str]:
    return [f.message for f in analyze(design, simulate_run=False).findings if f.severity == Severity.ERROR]


def _canonical(design: Design) -> Design:
    """Group and edge order carry no meaning (the dag-factory export orders groups parents first)."""
    return design.model_copy(update={"groups": tuple(sorted(design.groups, key=lambda g: g.id)),
                                     "edges": tuple(sorted(design.edges, key=lambda e: (e.upstream, e.downstream)))})


def test_the_corpus_is_all_there():
    assert len(list(CORPUS.iterdir())) >= 15 and set(CORPUS_NOTES) <= {p.name for p in CORPUS.iterdir()}


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_corpus_file_imports_with_exactly_the_expected_notes_and_clean_ones_export(name):
    designs, notes = import_dag_factory((CORPUS / name).read_bytes(), name)
    expected = CORPUS_NOTES.get(name, [])
    assert len(notes) == len(expected), [n.format(name) for n in notes]
    for note, fragment in zip(notes, expected, strict=True):
        assert fragment in note.message and note.line is not None
    for design in designs:
        if not _gate_errors(design):
            export(design, "python")
            text = next(v for k, v in export(design, "dag-factory").items() if k.endswith(".yaml"))
            back, again = import_dag_factory(text, name)
            assert again == [] and [_canonical(d) for d in back] == [_canonical(design)]


def test_a_branch_chooses_its_direct_downstream_tasks_including_the_roots_of_a_downstream_group():
    (design,), notes = import_dag_factory((CORPUS / "branching.yaml").read_bytes(), "branching.yaml")
    assert notes == []
    assert next(t for t in design.tasks if t.id == "choose").branches == ("incremental", "full_extract")


def test_callables_from_files_become_dotted_paths():
    (design,), _ = import_dag_factory((CORPUS / "callable_files.yaml").read_bytes(), "x.yaml")
    assert {t.id: t.args.get("python_callable") for t in design.tasks if t.args} == {
        "extract": "etl_callables.extract", "pick": "etl_callables.pick"}
    require_exportable(design)


# --- generated dag-factory documents -----------------------------------------------------------------

# (what a careful author writes, what a messy file may also hold)
TASK_NAMES = (["extract", "load", "load.v2", "t1", "t-2", "report.final"], ["tâche", "a b", "x_0", ".x"])
GROUP_NAMES = (["grp", "inner", "stage-2", "load"], ["g.x"])
SCHEDULES = ([None, "@daily", "0 2 * * *", "None", ["s3://a", "s3://b"],
              {"__type__": "datetime.timedelta", "hours": 6}],
             ["61 * * * *", {"__type__": "airflow.sdk.CronTriggerTimetable", "expression": "0 1 * * *"}, 5])
KINDS = (["empty", "bash", "branch", "custom", "sensor", "mapped"], ["bash_missing", "python_file", "bad_operator"])
ODD = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=True),
                st.text(max_size=12), st.dates(), st.lists(st.integers(), max_size=3),
                st.dictionaries(st.sampled_from(["a", "hours", "x y"]), st.integers(), max_size=2))


def _pick(draw, choices: tuple[list, list], messy: bool):
    return draw(st.sampled_from(choices[0] + choices[1] if messy else choices[0]))


def _task_entry(draw, messy: bool, names: list[str], groups: list[str]) -> dict:
    upstream = names[0] if names else "nothing"
    make = {
        "empty": lambda: {"operator": EMPTY},
        "bash": lambda: {"operator": BASH, "bash_command": "echo hi"},
        "bash_missing": lambda: {"operator": BASH},
        "branch": lambda: {"operator": BRANCH, "python_callable": "pkg.mod.pick"},
        "python_file": lambda: {"operator": "airflow.providers.standard.operators.python.PythonOperator",
                                "python_callable_name": "f", "python_callable_file": "/dags/cb.py"},
        "custom": lambda: {"operator": "my_co.operators.Load", "table": draw(ODD) if messy else "sales"},
        "sensor": lambda: {"operator": "airflow.providers.standard.sensors.external_task.ExternalTaskSensor",
                           "external_dag_id": "up", "execution_delta": _pick(draw, (["1 hours", 60], ["soon"]), messy),
                           "mode": "reschedule", "timeout": 600},
        "mapped": lambda: {"operator": BASH, "expand": {"bash_command": _pick(draw, (
            [["echo a", "echo b"]], [f"{upstream}.output", "nothing.output", ["x", dt.date(2024, 1, 1)]]), messy)}},
        "bad_operator": lambda: {"operator": draw(st.sampled_from(["not a path", 3, "airflow.operators.nope.Nope"]))},
    }
    entry = make[_pick(draw, KINDS, messy)]()
    if groups and draw(st.booleans()):
        entry["task_group_name"] = _pick(draw, (groups, ["missing_group"]), messy)
    if (names or groups) and draw(st.booleans()):
        refs = _pick(draw, ([*names, *groups], ["ghost"]), messy)
        more = draw(st.lists(st.sampled_from([*names, *groups]), max_size=2))
        entry["dependencies"] = sorted({refs, *more})
    if draw(st.integers(0, 5)) == 0:
        entry["trigger_rule"] = _pick(draw, (["none_failed_min_one_success"], ["sometimes"]), messy)
    if draw(st.integers(0, 5)) == 0:
        entry["retry_delay"] = _pick(draw, ([30, {"__type__": "datetime.timedelta", "minutes": 2}], ["x"]), messy)
    return entry


@st.composite
def dag_factory_documents(draw) -> dict:
    """dag-factory 1.1 documents: groups (nested, with dependencies), tasks of several kinds in and out of
    groups, dependencies on tasks and groups, schedules, params, default blocks; odd values when messy."""
    messy = draw(st.booleans())
    groups = draw(st.lists(st.sampled_from(GROUP_NAMES[0] + GROUP_NAMES[1] if messy else GROUP_NAMES[0]),
                           max_size=3, unique=True))
    group_block = {}
    for i, name in enumerate(groups):
        conf: dict = {}
        if i and draw(st.booleans()):
            conf["parent_group_name"] = groups[draw(st.integers(0, i - 1))]
        if draw(st.integers(0, 3)) == 0:
            conf["default_args"] = {"retries": _pick(draw, ([2], [-1, "x"]), messy)}
        group_block[name] = conf
    pool = [n for n in TASK_NAMES[0] + (TASK_NAMES[1] if messy else []) if n not in groups]
    names = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6, unique=True))
    tasks = {name: _task_entry(draw, messy, names[:i], groups) for i, name in enumerate(names)}
    for name in groups:  # group dependencies on tasks (dag-factory resolves them like task ones)
        if draw(st.integers(0, 3)) == 0:
            group_block[name]["dependencies"] = [draw(st.sampled_from(names))]
    dag: dict = {"start_date": _pick(draw, ([dt.date(2024, 1, 1), "2024-01-01T10:00:00"], ["3 days"]), messy),
                 "schedule": _pick(draw, SCHEDULES, messy), "tasks": tasks}
    if groups:
        dag["task_groups"] = group_block
    if draw(st.booleans()):
        dag["default_args"] = {"retries": draw(st.sampled_from([1, 0])), "owner": "data"}
    if draw(st.integers(0, 3)) == 0:
        dag["params"] = {"n": _pick(draw, ([5, {"__type__": "airflow.sdk.Param", "default": 1, "type": "integer"}],
                                           [{"__type__": "airflow.sdk.Param", "type": "integer"}]), messy)}
    if messy and draw(st.integers(0, 2)) == 0:
        dag[draw(st.sampled_from(["fail_fast", "end_date", "concurrency"]))] = draw(ODD)
    if draw(st.integers(0, 4)) == 0:
        dag["tags"] = draw(st.lists(st.sampled_from(["a", "b-c"] + (["b" * 120, ""] if messy else [])), max_size=2))
    document = {_pick(draw, (["etl", "etl.v2"], ["my dag"]), messy): dag}
    if draw(st.booleans()):
        document = {"default": {"catchup": False, "default_args": {"retries": 1}}, **document}
    return document


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(dag_factory_documents())
def test_an_import_without_notes_passes_the_export_gate_and_every_gate_error_is_a_note(document):
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    designs, notes = import_dag_factory(text, "gen.yaml")
    messages = [n.message for n in notes]
    for design in designs:
        errors = _gate_errors(design)
        for error in errors:
            assert any(error in m for m in messages), (error, messages)
        if not notes:
            require_exportable(design)
            export(design, "python")
            export(design, "dag-factory")
    for note in notes:
        assert not REPR.search(str(note)), str(note)
        assert str(note).isprintable(), str(note)


# --- the value formatter -------------------------------------------------------------------------------

PLAIN_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=400, derandomize=True, deadline=None, database=None)
@given(PLAIN_DATA)
def test_shown_values_read_back_as_the_same_yaml_value(value):
    text = shown(value, limit=10**6)
    assert text.isprintable() and not REPR.search(text)
    assert yaml.safe_load(text) == value


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(st.one_of(PLAIN_DATA, st.dates(), st.datetimes(), st.timedeltas(), st.binary(max_size=5),
                 st.sets(st.integers(), max_size=3), st.builds(object)), st.integers(8, 80))
def test_shown_values_are_short_printable_and_never_python_reprs(value, limit):
    text = shown(value, limit)
    assert len(text) <= limit and text.isprintable() and not REPR.search(text)


@pytest.mark.parametrize("value, text", [
    ("x", "'x'"), ({"hours": 2}, "{hours: 2}"), ([1, "a b", None, True], "[1, 'a b', null, true]"),
    (dt.date(2024, 1, 1), "2024-01-01"), (dt.timedelta(hours=2), "{seconds: 7200}"), ("it's", "'it''s'"),
    ("a\nb\x1b", '"a\\nb\\x1b"'), ({"k": "true"}, "{k: 'true'}"), (1e16, "1.0e+16"), (float("nan"), ".nan"),
])
def test_shown_examples(value, text):
    assert shown(value) == text
