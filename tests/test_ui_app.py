"""The Python side of every panel and flow, driven by Streamlit's AppTest (no browser)."""

import pytest
from streamlit.testing.v1 import AppTest

from designer.storage import DesignError, load_design
from designer.ui.edit_panels import apply_table
from designer.ui.io_panels import open_file
from tests.conftest import ROOT, SAMPLES


@pytest.fixture
def app():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def design(at):
    return at.session_state["design"]


def by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def button(at, label):
    return next(b for b in at.button if b.label == label)


def run(at):
    at.run()
    assert not at.exception, at.exception
    return at


def new_empty(at):
    button(at, "New empty design").click()
    return run(at)


def add_task(at, task_id, operator="Bash"):
    at.selectbox(key="palette_op").select(operator)
    by_label(at.text_input, "Task id").input(task_id)
    button(at, "Add task").click()
    return run(at)


def test_starts_with_a_sample_and_its_metrics(app):
    assert app.title[0].value == "nested_taskgroups"
    assert {m.label: m.value for m in app.metric}["Tasks"] == "7"
    assert "cluster_data_processing" in app.get("graphviz_chart")[0].proto.spec


def test_new_design_palette_and_undo_redo(app):
    new_empty(app)
    assert design(app).tasks == ()
    add_task(app, "extract")
    add_task(app, "load", operator="Empty")
    assert [(t.id, t.operator) for t in design(app).tasks] == [("extract", "bash"), ("load", "empty")]
    assert app.session_state["selected"] == ["load"]
    button(app, "↶ Undo").click()
    run(app)
    assert [t.id for t in design(app).tasks] == ["extract"]
    button(app, "↷ Redo").click()
    run(app)
    assert [t.id for t in design(app).tasks] == ["extract", "load"]


def test_palette_refuses_duplicate_and_bad_ids_and_keeps_the_design(app):
    new_empty(app)
    add_task(app, "extract")
    add_task(app, "extract")
    assert any("already used" in e.value for e in app.error)
    add_task(app, "bad id")
    assert any("ASCII" in e.value for e in app.error)
    assert [t.id for t in design(app).tasks] == ["extract"]


def test_property_panel_sets_a_bash_command_and_checks_types(app):
    new_empty(app)
    add_task(app, "extract")
    labels = [t.label for t in app.text_area]
    assert "bash_command *" in labels  # required arguments are marked
    app.text_area(key=next(t.key for t in app.text_area if t.label == "bash_command *")).input("echo {{ ds }}")
    button(app, "Apply").click()
    run(app)
    assert design(app).tasks[0].args == {"bash_command": "echo {{ ds }}"}
    skip_key = next(t.key for t in app.text_input if t.label == "skip_on_exit_code")
    app.text_input(key=skip_key).input("not a number")
    button(app, "Apply").click()
    run(app)
    assert any("skip_on_exit_code expects int" in e.value for e in app.error)
    assert "skip_on_exit_code" not in design(app).tasks[0].args


def test_rename_and_delete_update_references(app):
    rename_key = next(t.key for t in app.text_input if t.label == "Rename to")
    app.text_input(key=rename_key).input("begin")
    button(app, "Rename").click()
    run(app)
    assert any(e.upstream == "begin" for e in design(app).edges)
    button(app, "Delete").click()
    run(app)
    assert "begin" not in {t.id for t in design(app).tasks}
    assert not any("begin" in (e.upstream, e.downstream) for e in design(app).edges)


def test_bitshift_text_adds_tasks_and_edges_and_shows_the_design(app):
    new_empty(app)
    by_label(app.text_area, "Add tasks and edges").input("extract >> [a, b] >> merge")
    button(app, "Add").click()
    run(app)
    assert len(design(app).edges) == 4
    assert any("extract >> [a, b]" in c.value for c in app.code)
    by_label(app.text_area, "Add tasks and edges").input("broken >>")
    button(app, "Add").click()
    run(app)
    assert any("line 1" in e.value for e in app.error) and len(design(app).edges) == 4


def test_stamp_inserts_a_group(app):
    app.selectbox(key="stamp_kind").select("Fan-out / fan-in")
    app.text_input(key="stamp_name").input("regions")
    button(app, "Stamp").click()
    run(app)
    assert "regions" in {g.id for g in design(app).groups}
    assert {m.label: m.value for m in app.metric}["Groups"] == "3"


def test_dag_settings_panel(app):
    key = next(t.key for t in app.text_input if t.label == "dag_id")
    app.text_input(key=key).input("renamed_dag")
    sched = next(t.key for t in app.text_input if t.label.startswith("Schedule"))
    app.text_input(key=sched).input("@weekly")
    next(b for b in app.button if b.label == "Apply" and b.proto.form_id.startswith("dag:")).click()
    run(app)
    assert design(app).dag.dag_id == "renamed_dag" and design(app).dag.schedule == "@weekly"


def test_findings_click_highlights_their_tasks(app):
    app.selectbox(key="gallery").select("INVALID_cycle_through_group.yaml")
    button(app, "Open sample").click()
    run(app)
    cycle = next(b for b in app.button if "DD005" in b.label)
    cycle.click()
    run(app)
    assert app.session_state["selected"] == ["fetch", "report", "store"]
    spec = app.get("graphviz_chart")[0].proto.spec
    assert spec.count("#d62728") >= 3


def test_export_views_and_refusal_of_invalid_designs(app):
    app.segmented_control(key="export_view").set_value("Design YAML")
    run(app)
    assert any("schema_version: 1" in c.value for c in app.code)
    app.selectbox(key="gallery").select("INVALID_cycle_through_group.yaml")
    button(app, "Open sample").click()
    run(app)
    app.segmented_control(key="export_view").set_value("Airflow 3 Python")
    run(app)
    assert any("error(s) to fix before export" in w.value for w in app.warning)


def test_simulated_run_follows_the_slider(app):
    app.slider(key="sim_limit").set_value(1)
    run(app)
    assert any("at most 1 tasks" in c.value for c in app.caption)


def test_bulk_table_rows_apply_to_tasks():
    design0 = load_design(SAMPLES / "linear_etl.yaml")
    rows = [{"id": "extract", "trigger_rule": "all_done", "retries": 5, "pool": "db", "group": "",
             "estimated_minutes": 3}] + [{"id": t.id, "trigger_rule": "all_success", "retries": None, "pool": "",
                                          "group": "", "estimated_minutes": 1} for t in design0.tasks[1:]]
    new = apply_table(design0, rows)
    extract = new.tasks[0]
    assert (extract.trigger_rule, extract.overrides.retries, extract.overrides.pool) == ("all_done", 5, "db")
    assert extract.estimated_duration.total_seconds() == 180


def test_opening_files_keeps_errors_readable():
    design, notes = open_file((SAMPLES / "linear_etl.yaml").read_bytes(), "linear_etl.yaml")
    assert design.dag.dag_id == "linear_etl" and notes == []
    with pytest.raises(DesignError, match="bad.yaml:2: YAML aliases"):
        open_file(b"a: &x [1]\nb: *x\n", "bad.yaml")
