"""Forms change only what the user changed: Apply in any panel, with nothing touched, leaves the design
identical (no undo step, the same file text), for every sample and for a design full of values the
widgets cannot show exactly (a start time and timezone, unset numbers, an unset colour, a dangling group,
a group parent loop, odd argument values)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from designer import edits
from designer.model import (
    AssetAlias,
    AssetOrTimeSchedule,
    AssetSchedule,
    DagSettings,
    Design,
    Group,
    IntervalSchedule,
    Position,
    Task,
    TaskArgs,
    TimetableSchedule,
)
from designer.storage import dump_design, load_design
from tests.conftest import ROOT, sample_paths

ODD = Design(
    dag=DagSettings(
        dag_id="odd_values", description="  padded  ", schedule=IntervalSchedule(interval=dt.timedelta(hours=6)),
        start_date=dt.datetime(2024, 3, 1, 6, 30, 15, tzinfo=ZoneInfo("Europe/Berlin")),
        tags=["a,b", " spaced "], default_args=TaskArgs(owner=" data team ")),
    groups=(
        Group(id="loop_a", parent="loop_b"),
        Group(id="loop_b", parent="loop_a", tooltip=" tip ", prefix_group_id=False),
        Group(id="off_loop", parent="loop_a"),  # outside the loop, but its parent chain runs into it
        Group(id="plain", ui_color="#ABCDEF", default_args=TaskArgs(retries=2)),
    ),
    tasks=(
        Task(id="ghost_member", operator="bash", group="ghost",
             args={"bash_command": "echo 1\n", "skip_on_exit_code": 99.0, "append_env": "yes",
                   "env": {"B": [1, 2.5, None]}, "cwd": " /tmp "},
             estimated_duration=dt.timedelta(seconds=61, microseconds=333),
             overrides=TaskArgs(pool=" spaced pool ", retries=0)),
        Task(id="sensor", operator="external_task_sensor", group="plain",
             args={"external_dag_id": "other", "mode": "{{ var.value.mode }}", "timeout": 60.5}),
        Task(id="custom", operator="my_company.operators.Load", group="loop_a",
             args={"nested": {"list": [1, {"x": "y"}], "when": "2024-01-01"}}),
        Task(id="branch", operator="branch_python", args={"python_callable": "pkg.mod.choose"},
             branches=["custom", "not_downstream"], position=Position(x=1.5, y=-2)),
    ),
)

# Own Airflow ids on a task and a group, and a schedule the DAG form cannot edit (shown, kept as it is).
OWN_IDS_AND_SCHEDULE = Design(
    dag=DagSettings(dag_id="own_ids", schedule=AssetOrTimeSchedule(
        timetable=TimetableSchedule(timetable="airflow.sdk.CronTriggerTimetable",
                                    kwargs={"expression": "0 6 * * *", "timezone": "Asia/Tokyo"}),
        assets=AssetSchedule(mode="any", assets=["s3://a", AssetAlias(alias="late")]))),
    groups=(Group(id="g_2", group_id="g"),),
    tasks=(Task(id="t_2", task_id="t", group="g_2"), Task(id="t")),
)

DESIGNS = {path.name: load_design(path) for path in sample_paths()} | {
    "odd": ODD, "own_ids": OWN_IDS_AND_SCHEDULE}


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def opened():
    """An app per design, opened once (each test only presses Apply and checks nothing moved)."""
    apps: dict[str, AppTest] = {}

    def open_design(name: str) -> AppTest:
        if name not in apps:
            at = _run(AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60))
            at.session_state["design"] = DESIGNS[name]
            apps[name] = _run(at)
        return apps[name]

    return open_design


def _press_unchanged(at: AppTest, tab: str, button_label: str, form_prefix: str | None,
                     selected: str | None = None) -> None:
    before = at.session_state["design"]
    undo_before = len(at.session_state["undo"])
    if selected is not None:
        at.session_state["selected"] = [selected]
    at.session_state["edit_tab"] = tab
    _run(at)
    buttons = [b for b in at.button if b.label == button_label
               and (form_prefix is None or b.proto.form_id.startswith(form_prefix))]
    assert len(buttons) == 1, [(b.label, b.proto.form_id) for b in at.button]
    buttons[0].click()
    _run(at)
    after = at.session_state["design"]
    assert not at.error, [e.value for e in at.error]
    assert len(at.session_state["undo"]) == undo_before, "an unchanged form made an undo step"
    assert dump_design(after) == dump_design(before)
    assert after == before


def _cases():
    for name, design in DESIGNS.items():
        for task in design.tasks:
            yield pytest.param(name, "task", task.id, id=f"{name}-task-{task.id}")
        for group in design.groups:
            yield pytest.param(name, "group", group.id, id=f"{name}-group-{group.id}")
        yield pytest.param(name, "dag", None, id=f"{name}-dag")
        yield pytest.param(name, "table", None, id=f"{name}-table")


@pytest.mark.parametrize(("name", "panel", "item"), list(_cases()))
def test_apply_without_changes_leaves_the_design_identical(opened, name, panel, item):
    at = opened(name)
    if panel == "task":
        _press_unchanged(at, "Properties", "Apply", f"task:{item}:", selected=item)
    elif panel == "group":
        _press_unchanged(at, "Properties", "Apply", f"group:{item}:", selected=item)
    elif panel == "dag":
        _press_unchanged(at, "DAG", "Apply", "dag:")
    else:
        _press_unchanged(at, "Table", "Apply table", None)


def test_a_changed_field_changes_only_that_field(opened):
    """The DAG form keeps the start time and timezone when only the day changes, and touches nothing else."""
    at = opened("odd")
    before = at.session_state["design"]
    at.session_state["edit_tab"] = "DAG"
    _run(at)
    at.date_input(key=next(d.key for d in at.date_input if d.label == "Start date")).set_value(dt.date(2025, 2, 3))
    next(b for b in at.button if b.label == "Apply" and b.proto.form_id.startswith("dag:")).click()
    _run(at)
    after = at.session_state["design"]
    assert after.dag.start_date == dt.datetime(2025, 2, 3, 6, 30, 15, tzinfo=ZoneInfo("Europe/Berlin"))
    assert after.model_copy(update={"dag": after.dag.model_copy(update={"start_date": before.dag.start_date})}) \
        == before
    at.session_state["selected"] = ["ghost_member"]
    at.session_state["edit_tab"] = "Properties"
    _run(at)
    at.text_input(key=next(t.key for t in at.text_input if t.label == "retries")).input("3")
    next(b for b in at.button if b.label == "Apply" and b.proto.form_id.startswith("task:")).click()
    _run(at)
    task = at.session_state["design"].tasks[0]
    assert task.overrides == TaskArgs(pool=" spaced pool ", retries=3)
    assert task.args == ODD.tasks[0].args and task.group == "ghost"
    assert task.estimated_duration == ODD.tasks[0].estimated_duration


def test_the_dag_form_shows_a_schedule_it_cannot_edit_and_own_ids_can_be_set(opened):
    at = opened("own_ids")
    at.session_state["edit_tab"] = "DAG"
    _run(at)
    [schedule] = [t for t in at.text_input if t.label.startswith("Schedule")]
    assert schedule.disabled and schedule.value == (
        "timetable airflow.sdk.CronTriggerTimetable(expression='0 6 * * *', timezone='Asia/Tokyo') "
        "or assets: s3://a | alias late")
    at.session_state["selected"] = ["t_2"]
    at.session_state["edit_tab"] = "Properties"
    _run(at)
    at.text_input(key=next(t.key for t in at.text_input if t.label.startswith("Airflow task_id"))).input("pull")
    next(b for b in at.button if b.label == "Apply" and b.proto.form_id.startswith("task:")).click()
    _run(at)
    assert at.session_state["design"].tasks[0].task_id == "pull"


def test_edits_on_groups_in_a_parent_loop_terminate():
    """Moving into, out of and deleting groups whose parent chain loops (DD006) never walks forever."""
    moved = edits.move_to_group(ODD, "plain", "off_loop")
    assert next(g for g in moved.groups if g.id == "plain").parent == "off_loop"
    with pytest.raises(edits.EditError, match="inside itself"):
        edits.move_to_group(ODD, "loop_b", "off_loop")
    removed = edits.remove(ODD, ["loop_a", "loop_b"])
    assert next(g for g in removed.groups if g.id == "off_loop").parent is None
    assert next(t for t in removed.tasks if t.id == "custom").group is None
    assert edits.update_group(ODD, "off_loop", tooltip="x") != ODD
