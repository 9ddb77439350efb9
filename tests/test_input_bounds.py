"""Bounded work for any input: every class of hostile input is refused in one line naming the file,
line and key, through the reader, the command line (exit 2, bounded memory) and the app's upload.

The cases are tables and hypothesis strategies over each class, not one example each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from designer.analysis import analyze
from designer.analysis.graph import build_task_graph
from designer.importers.dag_factory import import_dag_factory
from designer.limits import INT32, INT64, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from designer.model import (
    MAX_COPIES,
    MAX_EXPANDED_TASKS,
    DagSettings,
    Design,
    DynamicMapping,
    StaticFanOut,
    Task,
)
from designer.operators import ArgSpec
from designer.storage import DesignError, load_design, parse_design, read_source, read_yaml
from designer.ui.forms import FormError, parse_arg
from tests.conftest import ROOT

MAX_RSS_MB = 300


@dataclass(frozen=True)
class Case:
    """A hostile file and where its one-line refusal must point (`key` None: the whole file)."""

    def __str__(self) -> str:
        return self.id

    id: str
    name: str
    text: str | bytes
    line: int | None
    key: str | None
    says: str

    @property
    def data(self) -> bytes:
        return self.text if isinstance(self.text, bytes) else self.text.encode()

    def expected_prefix(self, source: str) -> str:
        where = source + (f":{self.line}" if self.line else "")
        return f"{where}: {self.key}: " if self.key else f"{where}: "


HEAD = "dag: {dag_id: d}\ntasks:\n"  # the task list starts on line 3; task() bodies on line 4


def task(body: str) -> str:
    return HEAD + f"  - id: a\n{textwrap.indent(body, '    ')}"


def json_task(args: str) -> str:
    """A JSON design whose one task has `args` (JSON object members) on line 3."""
    return '{"dag": {"dag_id": "d"},\n "tasks": [{"id": "a",\n  "args": {' + args + "}}]}"


NON_STRING_KEYS = ["yes", "no", "on", "off", "true", "False", "1", "-7", "0x1F", "017", "0b101", "1_000", "1.5", ".inf",
                   "~", "null", "2024-01-01", "2024-01-01 10:00:00", "<<", "1:30"]
NON_FINITE = [".inf", "-.inf", ".NaN", "1.0e+400", "-2.5e+999"]
HUGE_INTS = [str(INT64[1] + 1), str(INT64[0] - 1), "9" * 100, "9" * 5000, "0x" + "f" * 17, "-" + "1" * 30]

CASES = [
    Case("size", "big.yaml", HEAD + "#" * MAX_FILE_BYTES, None, None, "limited to 5 MB"),
    Case("nodes-flow", "flow.yaml", "[" + ",".join(["1"] * (MAX_NODES + 1)) + "]", 1, None,
         f"more than {MAX_NODES:,} values"),
    Case("nodes-block", "block.yaml", HEAD + "  - {}\n" * (MAX_NODES + 1), MAX_NODES - 4, None, "values"),
    Case("alias", "alias.yaml", HEAD + "  - &t {id: a}\n  - *t\n", 4, None, "aliases (*name) are not allowed"),
    Case("deep", "deep.yaml", "dag: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH, 1, None, f"more than {MAX_DEPTH} levels"),
    *[Case(f"fan-out-count-{n}", "fan.yaml", task(f"fan_out: {{count: {n}}}\n"), 4, "tasks[0].fan_out.count",
           "less than or equal to 10000") for n in (MAX_COPIES + 1, 10_000_000, INT64[1])],
    Case("fan-out-values", "values.yaml", task(f"fan_out: {{values: [{', '.join(['1'] * (MAX_COPIES + 1))}]}}\n"),
         4, "tasks[0].fan_out.values", "a fan-out makes at most 10,000 copies"),
    Case("mapping-lists", "map.yaml", task("mapping: {expand: {x: [%s], y: [%s]}}\n" % ((", ".join(["1"] * 101),) * 2)),
         4, "tasks[0].mapping.expand", "10,201 mapped instances"),
    Case("mapping-list", "map1.yaml", task(f"mapping: {{expand: {{x: [{', '.join(['0'] * (MAX_COPIES + 1))}]}}}}\n"),
         4, "tasks[0].mapping.expand", "10,001 mapped instances"),
    Case("task-instances", "many.yaml", HEAD + "".join(
        f"  - {{id: t{i}, fan_out: {{count: {MAX_COPIES}}}}}\n" for i in range(MAX_EXPANDED_TASKS // MAX_COPIES + 1)),
         2, "tasks", "expands to 110,000 task instances"),
    Case("copied-text", "text.yaml", task(f"args: {{x: {'y' * 2100}}}\nfan_out: {{count: {MAX_COPIES}}}\n"),
         2, "tasks", "fan-out copies repeat 21,"),
    *[Case(f"int-{v[:6]}-{len(v)}", "int.yaml", task(f"args: {{n: {v}}}\n"), 4, "tasks[0].args.n",
           "64 bits") for v in HUGE_INTS],
    *[Case(f"int32-{f}", "int32.yaml", task(f"overrides: {{{f}: {INT32[1] + 1}}}\n"), 4, f"tasks[0].overrides.{f}",
           "less than or equal to 2147483647") for f in ("retries", "pool_slots", "priority_weight")],
    Case("max-active-runs", "dag.yaml", f"dag: {{dag_id: d, max_active_runs: {INT32[1] + 1}}}\n", 1,
         "dag.max_active_runs", "less than or equal to 2147483647"),
    *[Case(f"float-{v}", "float.yaml", task(f"args: {{x: {v}}}\n"), 4, "tasks[0].args.x", "not a finite number")
      for v in NON_FINITE],
    *[Case(f"key-{k}", "keys.yaml", task(f"args:\n  {k}: 1\n"), 5, f"tasks[0].args.{k}", "keys must be strings")
      for k in NON_STRING_KEYS],
    Case("key-top", "top.yaml", "dag: {dag_id: d}\nyes: 1\n", 2, "yes", "is read as a boolean"),
    Case("bad-date", "date.yaml", "dag: {dag_id: d, start_date: 2024-02-30}\n", 1, "dag.start_date",
         "not a valid date"),
    Case("date-range", "date2.yaml", "dag: {dag_id: d, start_date: '0001-01-01T00:00:00+05:00'}\n", 1,
         "dag.start_date", "out of range"),
    Case("duration", "dur.yaml", task("overrides: {retry_delay: 4000000000}\n"), 4, "tasks[0].overrides.retry_delay",
         "36525 days"),
    *[Case(f"json-{v}", "d.json", json_task(f'"x": {v}'), 3, "tasks[0].args.x", why) for v, why in [
        ("NaN", "not a JSON number"), ("Infinity", "not a JSON number"), ("-Infinity", "not a JSON number"),
        ("1e400", "not a finite number"), ("-1.5E+999", "not a finite number"),
        ("123456789012345678901234567890", "64 bits"), ("9" * 5000, "64 bits")]],
    Case("json-duplicate", "dup.json", '{"dag": {"dag_id": "d"},\n "dag": {"dag_id": "e"}}', 2, None,
         "key 'dag' appears twice (first on line 1)"),
    Case("json-deep", "deep.json", '{"dag":\n' + "[" * 100 + "]" * 100 + "}", 2, None, "more than 64 levels"),
    Case("json-nodes", "n.json", "[" + ",".join(["0"] * (MAX_NODES + 1)) + "]", 1, None, f"more than {MAX_NODES:,}"),
    Case("json-syntax", "s.json", '{"dag": {"dag_id": "d"},\n "tasks": [}', 2, None, "is not valid JSON"),
]
_BY_ID = {case.id: case for case in CASES}
# One case per class for the (slower) command line and app runs.
CLI_CASES = [_BY_ID[i] for i in ("size", "nodes-flow", "nodes-block", "deep", "fan-out-count-10000000",
                                 "mapping-lists", "task-instances", "copied-text", "int-999999-5000",
                                 "float-.inf", "key-yes", "json-NaN", "json-1e400", "json-duplicate", "bad-date")]


def test_the_case_ids_are_unique():
    assert len(_BY_ID) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_hostile_file_is_refused_in_one_line_naming_file_line_and_key(case):
    with pytest.raises(DesignError) as info:
        parse_design(case.data, case.name)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(case.expected_prefix(case.name)), message
    assert case.says in message, message


def _run_cli(*args: str, stdin=None) -> tuple[int, str, float]:
    """(exit code, stderr, peak RSS in MB) of `python -m designer ARGS` in a fresh child of a fresh
    wrapper process, so the peak is that child's alone (RUSAGE_CHILDREN keeps the largest child)."""
    wrapper = textwrap.dedent("""
        import json, resource, subprocess, sys
        proc = subprocess.run([sys.executable, "-m", "designer", *sys.argv[1:]], capture_output=True, text=True,
                              stdin=sys.stdin)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps([proc.returncode, proc.stderr, peak]))
    """)
    proc = subprocess.run([sys.executable, "-c", wrapper, *args], capture_output=True, text=True, cwd=ROOT,
                          stdin=stdin, timeout=120)  # a hang guard only
    code, stderr, peak = json.loads(proc.stdout)
    return code, stderr, peak


@pytest.mark.parametrize(("command", "case"), [("validate", case) for case in CLI_CASES] + [
    ("export", _BY_ID[i]) for i in ("nodes-block", "task-instances", "key-yes", "json-1e400")], ids=str)
def test_the_command_line_exits_two_with_one_line_and_bounded_memory(tmp_path, case, command):
    path = tmp_path / case.name
    path.write_bytes(case.data)
    args = ["validate", str(path)] if command == "validate" else ["export", str(path), "--to", "python", "-o",
                                                                    str(tmp_path / "out")]
    code, stderr, peak = _run_cli(*args)
    assert code == 2
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: " + case.expected_prefix(str(path))), stderr
    assert peak < MAX_RSS_MB, f"peak RSS {peak:.0f} MB"
    assert not (tmp_path / "out").exists()


def test_import_refuses_hostile_yaml_the_same_way(tmp_path):
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    for name, text, says in [("bomb.yaml", "\n".join(bomb), f"more than {MAX_NODES:,} values"),
                             ("deep.yaml", "d: " + "[" * 80, "levels deep"),
                             ("int.yaml", "d:\n  tasks:\n    t: {n: " + "9" * 5000 + "}\n", "64 bits")]:
        path = tmp_path / name
        path.write_text(text)
        code, stderr, peak = _run_cli("import", str(path), "-o", str(tmp_path / "x.design.yaml"))
        assert code == 2 and len(stderr.splitlines()) == 1 and says in stderr and str(path) in stderr, stderr
        assert peak < MAX_RSS_MB


# --- sources: files, pipes, FIFOs, devices -------------------------------------------------------

def _endless_writer(path: str, stop: threading.Event) -> threading.Thread:
    def write() -> None:
        with open(path, "wb") as fifo:  # blocks until the reader opens the FIFO
            chunk = b"#" * 65536
            while not stop.is_set():
                try:
                    fifo.write(chunk)
                except BrokenPipeError:
                    return

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_an_endless_fifo_is_read_only_up_to_the_cap(tmp_path):
    fifo = tmp_path / "endless.yaml"
    os.mkfifo(fifo)
    stop = threading.Event()
    writer = _endless_writer(str(fifo), stop)
    try:
        with pytest.raises(DesignError, match="is larger than 5 MB; design files are limited to 5 MB"):
            load_design(fifo)
    finally:
        stop.set()
    writer.join(timeout=10)
    assert not writer.is_alive()  # the reader closed the FIFO, so the writer got a broken pipe


def test_a_fifo_with_no_writer_gives_up_instead_of_hanging(tmp_path):
    fifo = tmp_path / "silent.yaml"
    os.mkfifo(fifo)
    with pytest.raises(DesignError, match=r"no data arrived for 0.2 s \(a pipe or FIFO with no writer\?\)"):
        read_source(fifo, idle_seconds=0.2)


@pytest.mark.parametrize("size", [0, 1, 4096, MAX_FILE_BYTES - 1, MAX_FILE_BYTES])
def test_a_fifo_up_to_the_cap_is_read_whole(tmp_path, size):
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    data = os.urandom(size)
    thread = threading.Thread(target=fifo.write_bytes, args=(data,), daemon=True)
    thread.start()
    assert read_source(fifo) == data
    thread.join(timeout=10)


@pytest.mark.parametrize(("path", "says"), [
    ("/dev/zero", "is larger than 5 MB"),
    ("/dev/urandom", "is larger than 5 MB"),
    ("/", "is a directory, not a file"),
    ("/no/such/file.yaml", "cannot read the file: No such file or directory"),
    ("/etc/passwd/x.yaml", "cannot read the file: Not a directory"),
])
def test_devices_directories_and_missing_paths_are_refused(path, says):
    with pytest.raises(DesignError, match=says.replace("(", r"\(")):
        read_source(path)


@pytest.mark.parametrize("extra", [1, 1000, 10 * MAX_FILE_BYTES])
def test_a_regular_file_over_the_cap_is_refused_with_its_size_unread(tmp_path, extra):
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + extra)
    with pytest.raises(DesignError, match="design files are limited to 5 MB"):
        read_source(big)


@pytest.mark.parametrize("command", [["validate", "/dev/stdin"], ["import", "/dev/stdin", "-o", "/tmp/never.yaml"]])
def test_the_command_line_reads_a_pipe_or_device_only_up_to_the_cap(command):
    with open("/dev/zero", "rb") as zero:
        code, stderr, peak = _run_cli(*command, stdin=zero)
    assert code == 2 and stderr.startswith("error: /dev/stdin: is larger than 5 MB") and len(stderr.splitlines()) == 1
    assert peak < MAX_RSS_MB


# --- generated values: keys, numbers, aliases ---------------------------------------------------

_plain_keys = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True).filter(
    lambda k: k not in {"yes", "no", "on", "off", "y", "n", "true", "false", "null"})


@given(key=st.one_of(st.sampled_from(NON_STRING_KEYS), st.integers().map(str),
                     st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.3f}")))
@settings(max_examples=60, deadline=None)
def test_keys_that_yaml_does_not_read_as_strings_are_refused_and_quoted_ones_load(key):
    with pytest.raises(DesignError, match=r"d\.yaml:5: tasks\[0\]\.args\..* keys must be strings"):
        parse_design(task(f"args:\n  {key}: 1\n  other: 2\n"), "d.yaml")
    quoted = json.dumps(key)
    design, _ = parse_design(task(f"args:\n  {quoted}: 1\n  other: 2\n"), "d.yaml")
    assert design.tasks[0].args == {key: 1, "other": 2}


@given(key=st.sampled_from(["yes", "true", "on", "1", "1.0", "0x1", "~", "2", "no", "'1'"]),
       other=st.sampled_from(["True", "Yes", "ON"]))
@settings(max_examples=30, deadline=None)
def test_importer_keys_that_resolve_to_one_value_are_duplicates_not_collapsed(key, other):
    text = f"d:\n  tasks:\n    {key}: {{}}\n    {other}: {{}}\n"
    if key in ("yes", "true", "on", "1", "1.0", "0x1"):  # equal to True in a Python dict: one key twice
        with pytest.raises(DesignError, match=r"x\.yaml:4: d\.tasks: key True appears twice \(first on line 3\)"):
            read_yaml(text, "x.yaml", aliases=True, string_keys=False)
    else:
        document, _ = read_yaml(text, "x.yaml", aliases=True, string_keys=False)
        assert len(document["d"]["tasks"]) == 2


@given(text=st.one_of(st.integers(min_value=INT64[1] + 1).map(str), st.integers(max_value=INT64[0] - 1).map(str),
                      st.integers(min_value=20, max_value=6000).map(lambda n: "7" * n)))
@settings(max_examples=60, deadline=None)
def test_integers_beyond_64_bits_are_refused_in_yaml_json_and_code(text):
    # Python itself refuses to convert more than 4,300 digits; build such a number arithmetically.
    value = int(text) if len(text) < 4300 else 7 * (10 ** len(text) - 1) // 9
    for name, source in [("d.yaml", task(f"args: {{n: {text}}}\n")),
                         ("d.json", json_task(f'"n": {text}'))]:
        with pytest.raises(DesignError, match="64 bits") as info:
            parse_design(source, name)
        assert "tasks[0].args.n" in str(info.value)
    with pytest.raises(ValueError, match="64 bits"):
        Task(id="a", args={"n": {"deep": [value]}})


@given(value=st.integers(min_value=INT64[0], max_value=INT64[1]))
@settings(max_examples=40, deadline=None)
def test_integers_within_64_bits_load_exactly(value):
    for name, source in [("d.yaml", task(f"args: {{n: {value}}}\n")),
                         ("d.json", json_task(f'"n": {value}'))]:
        assert parse_design(source, name)[0].tasks[0].args == {"n": value}


@given(value=st.floats(allow_nan=False, allow_infinity=False))
@settings(max_examples=40, deadline=None)
def test_finite_json_floats_load_exactly_and_json_is_not_read_as_yaml(value):
    args = parse_design(json_task(f'"x": {json.dumps(value)}, "e": 1e5'), "d.json")[0].tasks[0].args
    assert args == {"x": value, "e": 100000.0}  # YAML 1.1 would read 1e5 as the text "1e5"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_numbers_are_refused_in_code_too(value):
    for make in (lambda: Task(id="a", args={"x": [value]}), lambda: StaticFanOut(values=[value]),
                 lambda: DynamicMapping(expand={"x": [value]}), lambda: Task(id="a", position={"x": value, "y": 0})):
        with pytest.raises(ValueError):
            make()


def _bomb(width: int, levels: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@given(width=st.integers(2, 40), levels=st.integers(2, 12))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_aliases_count_as_their_expansion_against_the_node_cap(width, levels):
    expanded = 1 + sum(2 + sum(width**j for j in range(1, i + 2)) for i in range(levels))  # keys, lists, leaves
    if expanded > MAX_NODES:
        with pytest.raises(DesignError, match=f"more than {MAX_NODES:,} values"):
            read_yaml(_bomb(width, levels), "b.yaml", aliases=True)
    else:
        document, _ = read_yaml(_bomb(width, levels), "b.yaml", aliases=True)
        assert len(document[f"a{levels - 1}"]) == width


def test_a_billion_laughs_bomb_is_refused_quickly_through_the_importer():
    start = time.process_time()
    with pytest.raises(DesignError, match=f"more than {MAX_NODES:,} values"):
        import_dag_factory(_bomb(10, 9), "bomb.yaml")
    assert time.process_time() - start < 1  # CPU time of the refusal, not wall time: a few hundred events


@pytest.mark.parametrize(("text", "says"), [
    ("a: &a [1, *a]\n", "refers to a collection that contains it"),
    ("a: &a {b: {c: *a}}\n", "refers to a collection that contains it"),
    ("a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n", "nested more than 64 levels"),
])
def test_recursive_and_deepening_aliases_are_refused(text, says):
    with pytest.raises(DesignError, match=says):
        read_yaml(text, "r.yaml", aliases=True)


@given(defaults=st.dictionaries(st.sampled_from(["owner", "retries", "pool", "queue"]),
                                st.one_of(st.integers(0, 9), st.sampled_from(["x", "y"])), min_size=1),
       override=st.integers(0, 9))
@settings(max_examples=30, deadline=None)
def test_dag_factory_anchors_and_merge_keys_are_accepted(defaults, override):
    anchored = "\n".join(f"    {k}: {json.dumps(v)}" for k, v in defaults.items())
    text = (f"default:\n  default_args: &defaults\n{anchored}\n"
            f"etl:\n  default_args:\n    <<: *defaults\n    retries: {override}\n  tasks:\n"
            "    t: {operator: airflow.providers.standard.operators.empty.EmptyOperator}\n")
    document, _ = read_yaml(text, "df.yaml", aliases=True, string_keys=False)
    assert document["etl"]["default_args"] == {**defaults, "retries": override}
    designs, _ = import_dag_factory(text, "df.yaml")
    assert designs[0].dag.default_args.retries == override
    with pytest.raises(DesignError, match="aliases"):  # design files keep refusing them
        read_yaml(text, "design.yaml")


# --- expansion bounds in the model -------------------------------------------------------------

def test_designs_built_in_code_are_bounded_before_anything_expands():
    with pytest.raises(ValueError, match="less than or equal to 10000"):
        StaticFanOut(count=10_000_000)
    big = [Task(id=f"t{i}", fan_out=StaticFanOut(count=MAX_COPIES)) for i in range(11)]
    with pytest.raises(ValueError, match="expands to 110,000 task instances"):
        Design(dag=DagSettings(dag_id="d"), tasks=big)
    # Edits (model_copy) validate like a new design; one built without validation (model_construct) is
    # checked again by the task graph before it expands anything.
    with pytest.raises(ValueError, match="expands to 110,000 task instances"):
        Design(dag=DagSettings(dag_id="d")).model_copy(update={"tasks": tuple(big)})
    sneaked = Design.model_construct(dag=DagSettings(dag_id="d"), tasks=tuple(big))
    for run in (build_task_graph, analyze):
        with pytest.raises(ValueError, match="expands to 110,000 task instances"):
            run(sneaked)


def test_a_design_at_the_bounds_still_loads_and_analyses():
    tasks = [Task(id=f"t{i}", fan_out=StaticFanOut(count=MAX_COPIES)) for i in range(MAX_EXPANDED_TASKS // MAX_COPIES)]
    design = Design(dag=DagSettings(dag_id="d"), tasks=tasks)
    assert len(build_task_graph(design).node_task) == MAX_EXPANDED_TASKS


# --- the app's upload ---------------------------------------------------------------------------

def upload_page():
    """The app's upload path without the canvas: queued bytes go through io_panels.open_upload."""
    import streamlit as st

    from designer.ui import io_panels, state

    state.init()
    if "upload" in st.session_state:
        io_panels.open_upload(*st.session_state.pop("upload"))
    if message := state.current_message():
        st.error(message[1])


APP_CASES = [_BY_ID[i] for i in ("nodes-flow", "alias", "fan-out-count-10000000", "task-instances",
                                 "int-999999-5000", "key-2024-01-01", "json-Infinity", "size")]


@pytest.mark.parametrize("case", APP_CASES, ids=lambda c: c.id)
def test_an_upload_of_a_hostile_file_explains_in_place_and_keeps_the_design(case):
    at = AppTest.from_function(upload_page, default_timeout=60)
    at.run()
    before = at.session_state["design"]
    at.session_state["upload"] = (case.data, case.name)
    at.run()
    assert not at.exception, at.exception
    (error,) = at.error
    assert error.value.startswith(f"Could not open {case.name}; your current design is unchanged. "
                                  + case.expected_prefix(case.name)), error.value
    assert at.session_state["design"] is before and not at.session_state["undo"]


# --- numbers typed into forms -------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["int", "float", "duration"])
@pytest.mark.parametrize("raw", ["1e400", "-1e999", "inf", "-Infinity", "nan", "9" * 30, "-" + "9" * 5000])
def test_form_numbers_that_cannot_be_held_are_refused_with_the_field_name(kind, raw):
    with pytest.raises(FormError, match=r"^retries: .*(finite|64 bits)"):
        parse_arg(ArgSpec(type=kind), "retries", raw)


@given(value=st.integers(INT64[0], INT64[1]))
@settings(max_examples=30, deadline=None)
def test_form_integers_within_64_bits_are_kept_exactly(value):
    assert parse_arg(ArgSpec(type="int"), "n", str(value)) == (True, value)  # not rounded through a float
