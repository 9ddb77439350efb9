"""Importing Airflow DAG Python files: hostile files stop with a clear error within the limits, each
construct lands in the design exactly, and the CLI writes one design per DAG. Real Airflow runs in
the importer's child process, so these tests are slow."""

from __future__ import annotations

import datetime as dt
import textwrap
import threading
from pathlib import Path

import pytest

from designer.analysis.structure import expected_structure
from designer.cli import main
from designer.importers.airflow_python import DagFileError, Limits, import_airflow_python
from designer.model import (
    AssetAlias,
    AssetOrTimeSchedule,
    AssetSchedule,
    IntervalSchedule,
    NamedAsset,
    Param,
    TaskArgs,
    TimetableSchedule,
    TriggerRule,
    UpstreamOutput,
)
from designer.storage import DesignError, load_design
from exporters import export

pytestmark = pytest.mark.slow

SMALL = Limits(wall_seconds=25, file_seconds=4, memory_bytes=1024**3)
HEADER = ("# airflow dag\nfrom airflow.sdk import DAG\n"
          "from airflow.providers.standard.operators.empty import EmptyOperator\n")
FINE = HEADER + "with DAG('fine', schedule=None):\n    EmptyOperator(task_id='a')\n"

# (file body, text the error must contain): each ends the load in its own way.
HOSTILE = {
    "endless_loop": ("while True:\n    pass\n", "AirflowTaskTimeout: DagBag import timeout"),
    "endless_sleep": ("import time\ntime.sleep(10**6)\n", "AirflowTaskTimeout: DagBag import timeout"),
    "allocates_without_bound": ("x = []\nwhile True:\n    x.append(' ' * 10**7)\n", "MemoryError"),
    "raises_at_import": ("raise RuntimeError('boom at import')\n", "RuntimeError: boom at import"),
    "sys_exit": ("import sys\nsys.exit(3)\n", "SystemExit: 3"),
    "os_exit": ("import os\nos._exit(7)\n", "exit status 7"),
    "prints_a_lot": ("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n", "MiB of output"),
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_give_one_clear_error_within_the_limits(tmp_path, name):
    body, expected = HOSTILE[name]
    path = _write(tmp_path, name, HEADER + body + "with DAG('never', schedule=None):\n    EmptyOperator(task_id='a')\n")
    with pytest.raises(DesignError) as info:
        import_airflow_python(path, SMALL)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert expected in message


def test_the_wall_clock_limit_stops_a_file_that_defeats_airflows_timeout(tmp_path):
    body = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n"
    path = _write(tmp_path, "no_alarm", HEADER + body)
    with pytest.raises(DesignError, match="did not finish loading it within 6 s"):
        import_airflow_python(path, Limits(wall_seconds=6, file_seconds=60))


def test_other_imports_go_on_while_a_file_loops(tmp_path):
    """The importing thread waits on its child; another session's import runs and finishes meanwhile."""
    looping = _write(tmp_path, "loop", HEADER + "import time\nwhile True:\n    time.sleep(0.01)\n")
    fine = _write(tmp_path, "fine", FINE)
    events: list[str] = []

    def slow_import():
        with pytest.raises(DesignError):
            import_airflow_python(looping, Limits(wall_seconds=30, file_seconds=25))  # room for a busy machine
        events.append("loop stopped")

    thread = threading.Thread(target=slow_import)
    thread.start()
    result = import_airflow_python(fine, SMALL)
    events.append("other import done")
    thread.join()
    assert [d.dag.dag_id for d in result.designs] == ["fine"]
    assert events == ["other import done", "loop stopped"]


def test_airflow_import_errors_are_shown_as_airflow_wrote_them(tmp_path):
    path = _write(tmp_path, "broken", HEADER + "with DAG('d', schedule=None):\n    EmptyOperator(task_id='a b')\n")
    with pytest.raises(DagFileError) as info:
        import_airflow_python(path, SMALL)
    assert "Traceback" in info.value.details and "a b" in info.value.details
    assert str(info.value).startswith(f"{path}: Airflow could not import it: ")


def test_a_folder_keeps_the_dags_that_load_and_lists_the_files_that_do_not(tmp_path):
    _write(tmp_path, "fine", FINE)
    _write(tmp_path, "broken", HEADER + "raise ValueError('nope')\n")
    _write(tmp_path, "helper", "VALUE = 1\n")  # no "dag" in it: skipped, as Airflow's safe mode does
    result = import_airflow_python(tmp_path, SMALL)
    assert [d.dag.dag_id for d in result.designs] == ["fine"]
    assert list(result.import_errors) == ["broken.py"] and "ValueError: nope" in result.import_errors["broken.py"]
    assert any("broken.py" in n.message for n in result.notes)


CONSTRUCTS = '''
# airflow dag
import datetime as dt

from airflow.sdk import DAG, Asset, Label, Param, TaskGroup, task
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator

with DAG(
    "constructs",
    schedule=[Asset("s3://bucket/a"), Asset("s3://bucket/b")],
    start_date=dt.datetime(2024, 3, 1, 6, tzinfo=dt.timezone.utc),
    catchup=True,
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=5), "email": "x@example.com"},
    params={"n": Param(3, type="integer", description="how many"), "mode": "fast"},
    tags=["t1"],
    max_active_runs=2,
    dagrun_timeout=dt.timedelta(hours=1),
    doc_md="Docs",
    description="A DAG",
    on_failure_callback=print,
):
    start = BashOperator(task_id="start", bash_command="echo hi", env={"A": "1"}, pool="p")
    with TaskGroup("outer", tooltip="Outer", default_args={"retries": 4}) as outer:
        inner_task = EmptyOperator(task_id="inner_task", trigger_rule="none_failed")
        with TaskGroup("flat", prefix_group_id=False):
            flat_task = EmptyOperator(task_id="flat_task")
    made = BashOperator(task_id="made", bash_command="echo [1]")
    mapped = BashOperator.partial(task_id="mapped", retries=1).expand(
        bash_command=["echo a", "echo b"], env=made.output)
    calls = PythonOperator(task_id="calls", python_callable=lambda: 1, op_kwargs={"k": "v"})

    @task
    def flow(x):
        return x

    flow.expand(x=[1, 2])
    start >> Label("go") >> outer >> mapped
    flat_task >> calls
    EmptyOperator(task_id="setup").as_setup() >> calls
    EmptyOperator(task_id="teardown").as_teardown(setups=made, on_failure_fail_dagrun=True)
'''


def test_each_construct_lands_in_the_design(tmp_path):
    path = _write(tmp_path, "constructs", CONSTRUCTS)
    result = import_airflow_python(path, SMALL)
    (design,) = result.designs
    dag = design.dag
    assert dag.schedule == AssetSchedule(assets=["s3://bucket/a", "s3://bucket/b"], mode="all")
    assert dag.start_date == dt.datetime(2024, 3, 1, 6)
    assert (dag.catchup, dag.tags, dag.max_active_runs, dag.max_active_tasks) == (True, ("t1",), 2, None)
    assert dag.default_args == TaskArgs(retries=2, retry_delay=dt.timedelta(minutes=5))
    assert dag.params == {"n": Param(default=3, type="integer", description="how many"), "mode": Param(default="fast")}
    assert (dag.dagrun_timeout, dag.doc_md, dag.description) == (dt.timedelta(hours=1), "Docs", "A DAG")
    assert dag.on_failure_callback == "builtins.print"
    tasks = {t.id: t for t in design.tasks}
    assert tasks["start"].operator == "bash" and tasks["start"].args == {"bash_command": "echo hi", "env": {"A": "1"}}
    assert tasks["start"].overrides == TaskArgs(pool="p")
    assert (tasks["inner_task"].group, tasks["inner_task"].trigger_rule) == ("outer", TriggerRule.NONE_FAILED)
    assert tasks["flat_task"].group == "flat"
    groups = {g.id: g for g in design.groups}
    assert (groups["outer"].tooltip, groups["outer"].default_args) == ("Outer", TaskArgs(retries=4))
    assert (groups["flat"].parent, groups["flat"].prefix_group_id) == ("outer", False)
    assert tasks["mapped"].mapping.expand == {"bash_command": ["echo a", "echo b"], "env": UpstreamOutput(task="made")}
    assert tasks["mapped"].overrides == TaskArgs(retries=1)
    assert tasks["calls"].args == {"op_kwargs": {"k": "v"}}  # the lambda is a note
    assert tasks["flow"].operator == "python"
    assert tasks["flow"].mapping.expand == {"op_kwargs": [{"x": 1}, {"x": 2}]}
    edges = {(e.upstream, e.downstream): e.label for e in design.edges}
    assert edges[("start", "inner_task")] == "go" and edges[("start", "flat_task")] == "go"
    assert ("made", "mapped") in edges and ("setup", "calls") in edges
    noted = {n.path[1:] for n in result.notes}
    for path in [("default_args", "email"), ("tasks", "calls", "python_callable"),
                 ("tasks", "flow", "python_callable")]:
        assert path in noted, path
    assert (tasks["setup"].is_setup, tasks["setup"].is_teardown) == (True, False) and ("tasks", "setup") not in noted
    # as_teardown(setups=made): made is marked a setup, the edge is kept, the teardown's trigger rule too.
    assert (tasks["made"].is_setup, tasks["teardown"].is_teardown) == (True, True)
    assert tasks["teardown"].trigger_rule == TriggerRule.ALL_DONE_SETUP_SUCCESS and ("made", "teardown") in edges
    assert ("tasks", "teardown", "on_failure_fail_dagrun") in noted
    assert all("unusual_prefix" not in n.message for n in result.notes)


def test_interval_schedule_and_ids_reused_in_groups(tmp_path):
    text = HEADER + textwrap.dedent("""
        import datetime as dt
        from airflow.sdk import TaskGroup
        with DAG("dupes", schedule=dt.timedelta(hours=2), start_date=dt.datetime(2024, 1, 1)):
            for name in ("g1", "g2"):
                with TaskGroup(name):
                    EmptyOperator(task_id="t")
                    with TaskGroup("inner"):
                        EmptyOperator(task_id="t")
        """)
    result = import_airflow_python(_write(tmp_path, "dupes", text), SMALL)
    (design,) = result.designs
    assert design.dag.schedule == IntervalSchedule(interval=dt.timedelta(hours=2))
    # Design ids are made unique; each task and group keeps the id Airflow gave it within its group.
    assert sorted((t.id, t.task_id, t.group) for t in design.tasks) == [
        ("t", None, "g1"), ("t_2", "t", "inner"), ("t_3", "t", "g2"), ("t_4", "t", "inner_2")]
    assert sorted((g.id, g.group_id, g.parent) for g in design.groups) == [
        ("g1", None, None), ("g2", None, None), ("inner", None, "g1"), ("inner_2", "inner", "g2")]
    assert sorted(expected_structure(design)["tasks"]) == ["g1.inner.t", "g1.t", "g2.inner.t", "g2.t"]
    assert result.notes == []


HELPERS = '''
import enum

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator


class Fixed(EmptyOperator):
    """Passes an argument of its own to the parent class: the file never gave it."""

    def __init__(self, *, tag: str, **kwargs):
        super().__init__(doc_md=f"fixed {tag}", **kwargs)
        self.tag = tag


class NeedsCallable(PythonOperator):
    def __init__(self, *, name: str, **kwargs):
        super().__init__(**kwargs)
        self.name = name


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class TakesLevel(EmptyOperator):
    def __init__(self, *, level: Level = Level.LOW, **kwargs):
        super().__init__(**kwargs)
        self.level = level
'''

OPERATOR_CASES = '''
# airflow dag
from airflow.sdk import DAG, task
from airflow.providers.standard.operators.empty import EmptyOperator
from helpers import Fixed, Level, NeedsCallable, TakesLevel


class InFile(EmptyOperator):
    def __init__(self, *, value=None, **kwargs):
        super().__init__(**kwargs)


with DAG("operator_cases", schedule=None):
    fixed = Fixed(task_id="fixed", tag="x")
    needs = NeedsCallable(task_id="needs", name="n", python_callable=lambda: 1)
    level = TakesLevel(task_id="level", level=Level.HIGH)
    in_file = InFile.partial(task_id="in_file").expand(value=[1, 2])

    @task.bash
    def command():
        return "echo hi"

    @task.virtualenv(requirements=["colorama"])
    def isolated():
        return 1

    fixed >> needs >> level >> in_file >> command() >> isolated()
'''


def test_operators_keep_what_the_file_passed_and_stay_loadable(tmp_path):
    (tmp_path / "helpers.py").write_text(HELPERS, encoding="utf-8")
    result = import_airflow_python(_write(tmp_path, "operator_cases", OPERATOR_CASES), SMALL)
    (design,) = result.designs
    tasks = {t.id: t for t in design.tasks}
    notes = {n.path[1:]: n.message for n in result.notes}
    # What Fixed passed to its parent itself (doc_md) is not the file's; what the file passed is kept.
    assert (tasks["fixed"].operator, tasks["fixed"].args, tasks["fixed"].doc_md) == ("helpers.Fixed", {"tag": "x"},
                                                                                    None)
    # A required argument the design cannot hold (a lambda) makes a placeholder that loads, with a note.
    assert (tasks["needs"].operator, tasks["needs"].args) == ("empty", {})
    assert "needs python_callable" in notes[("tasks", "needs", "operator")]
    assert ("tasks", "needs", "python_callable") in notes
    # An int enum is an object, not its number (which the operator may refuse); it has a default here.
    assert (tasks["level"].operator, tasks["level"].args) == ("helpers.TakesLevel", {})
    assert "Level.HIGH" in notes[("tasks", "level", "level")]
    # A class defined in the DAG file: a placeholder, which cannot map over the class's own argument.
    assert (tasks["in_file"].operator, tasks["in_file"].mapping) == ("empty", None)
    assert "is defined in a DAG file" in notes[("tasks", "in_file", "operator")]
    assert ("tasks", "in_file", "expand", "value") in notes
    assert (tasks["command"].operator, tasks["command"].args) == ("bash", {})
    assert "@task.bash" in notes[("tasks", "command", "bash_command")]
    assert tasks["isolated"].operator == "python_virtualenv"
    assert tasks["isolated"].args["requirements"] == ["colorama"]
    given = {"command": {"bash_command": "echo hi"}, "isolated": {"python_callable": "sample_callables.extract"}}
    export(design.model_copy(update={"tasks": tuple(
        t.model_copy(update={"args": {**t.args, **given.get(t.id, {})}}) for t in design.tasks)}), "python")


TIMETABLES = '''
from airflow.timetables.base import Timetable


class EveryNDays(Timetable):
    def __init__(self, days: int, *, hour: int = 0):
        self.days, self.hour = days, hour

    def serialize(self):
        return {"days": self.days, "hour": self.hour}
'''

SCHEDULES = '''
# airflow dag
from airflow.sdk import DAG, Asset, AssetAlias, AssetOrTimeSchedule, CronPartitionTimetable, CronTriggerTimetable
from airflow.providers.standard.operators.empty import EmptyOperator
from timetables import EveryNDays

a, b = Asset("s3://b/a"), Asset(name="b", uri="s3://b/b", extra={"k": 1})
changed = EveryNDays(3)
changed.days = 4
schedules = {
    "nested": a | (b & AssetAlias("late")),
    "custom": EveryNDays(3, hour=6),
    "changed": changed,
    "partition": CronPartitionTimetable("0 * * * *", timezone="Europe/Amsterdam"),
    "either": AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 1 * * *", timezone="UTC"), assets=[a]),
    "zoned": CronTriggerTimetable("0 1 * * *", timezone="Asia/Tokyo"),
}
for name, schedule in schedules.items():
    with DAG(name, schedule=schedule):
        EmptyOperator(task_id="t")
'''


def test_schedules_of_every_kind_are_carried_or_noted(tmp_path):
    (tmp_path / "timetables.py").write_text(TIMETABLES, encoding="utf-8")
    result = import_airflow_python(_write(tmp_path, "schedules", SCHEDULES), SMALL)
    schedules = {d.dag.dag_id: d.dag.schedule for d in result.designs}
    notes = {n.path[0]: n.message for n in result.notes if n.path[1:] == ("schedule",)}
    assert schedules["nested"] == AssetSchedule(mode="any", assets=[
        "s3://b/a", AssetSchedule(assets=[NamedAsset(uri="s3://b/b", name="b", extra={"k": 1}),
                                          AssetAlias(alias="late")])])
    assert schedules["custom"] == TimetableSchedule(timetable="timetables.EveryNDays", kwargs={"days": 3, "hour": 6})
    assert schedules["changed"] is None and "does not give the same timetable" in notes["changed"]
    assert schedules["partition"] == TimetableSchedule(timetable="airflow.sdk.CronPartitionTimetable",
                                                       kwargs={"cron": "0 * * * *", "timezone": "Europe/Amsterdam"})
    assert schedules["either"] == AssetOrTimeSchedule(timetable="0 1 * * *", assets=AssetSchedule(assets=["s3://b/a"]))
    assert schedules["zoned"] == TimetableSchedule(timetable="airflow.sdk.CronTriggerTimetable",
                                                   kwargs={"expression": "0 1 * * *", "timezone": "Asia/Tokyo"})
    assert set(notes) == {"changed"}


def test_cli_imports_a_file_a_folder_and_still_yaml(tmp_path, capsys):
    dags = tmp_path / "dags"
    dags.mkdir()
    _write(dags, "fine", FINE)
    _write(dags, "two", HEADER + "with DAG('two', schedule='@daily'):\n    EmptyOperator(task_id='b')\n")
    assert main(["import", str(dags / "fine.py"), "-o", str(tmp_path / "one")]) == 0
    assert load_design(tmp_path / "one" / "dag_fine.design.yaml").dag.dag_id == "fine"
    assert main(["import", str(dags), "-o", str(tmp_path / "all")]) == 0
    out = capsys.readouterr().out
    assert "dag_id" in out and "grade" in out and "imported 2 DAG(s)" in out
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == ["dag_fine.design.yaml", "dag_two.design.yaml"]
    assert load_design(tmp_path / "all" / "dag_two.design.yaml").dag.schedule == "@daily"
    assert main(["import", str(dags), "-o", str(tmp_path / "all")]) == 0  # same content: unchanged
    (tmp_path / "all" / "dag_two.design.yaml").write_text("changed", encoding="utf-8")
    assert main(["import", str(dags), "-o", str(tmp_path / "all")]) == 1  # would overwrite
    assert main(["import", str(dags / "missing.py"), "-o", str(tmp_path / "x")]) == 2
    yaml_file = tmp_path / "x.yaml"
    yaml_file.write_text("d:\n  tasks:\n    - task_id: a\n      operator: airflow.providers.standard.operators."
                         "empty.EmptyOperator\n", encoding="utf-8")
    assert main(["import", str(yaml_file), "-o", str(tmp_path / "d.design.yaml")]) == 0
    assert load_design(tmp_path / "d.design.yaml").dag.dag_id == "d"
