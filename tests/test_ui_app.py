"""The Python side of every panel and flow, driven by Streamlit's AppTest (no browser)."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from designer.storage import DesignError, load_design
from designer.ui.edit_panels import apply_table
from designer.ui.io_panels import open_file
from tests.conftest import ROOT, SAMPLES
from tests.support import canvas_held


@pytest.fixture
def app():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    return run(at)


def design(at):
    return at.session_state["design"]


def by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def button(at, label):
    return next(b for b in at.button if b.label == label)


def run(at):
    at.run()
    assert not at.exception, at.exception
    canvas_held.record(at)  # what the canvas would hold: its messages are mostly deltas
    return at


def new_empty(at):
    button(at, "New empty design").click()
    return run(at)


def open_tab(at, key, label):
    """Open a lazy tab (only the open tab's panel runs), as a click on it would."""
    at.session_state[key] = label
    return run(at)


def add_task(at, task_id, operator="Bash"):
    open_tab(at, "edit_tab", "Add task")
    at.selectbox(key="palette_op").select(operator)
    by_label(at.text_input, "Task id").input(task_id)
    button(at, "Add task").click()
    return run(at)


def test_starts_with_a_sample_and_its_metrics(app):
    assert app.title[0].value == "nested_taskgroups"
    assert {m.label: m.value for m in app.metric}["Tasks"] == "7"
    assert not app.get("graphviz_chart")  # lazy: the preview runs only when its tab is open
    open_tab(app, "review_tab", "Graphviz preview")
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


def test_the_canvas_follows_edits_by_small_deltas_even_across_st_rerun(app):
    # Palette edits st.rerun after the canvas was drawn: AppTest, like a browser, never gets that run's
    # message, and the next one's "prev" deltas catch up over it (run() checks every rebuilt payload).
    new_empty(app)
    for task_id in ("extract", "load", "report"):
        add_task(app, task_id)
    button(app, "↶ Undo").click()
    run(app)
    (element,) = app.get("bidi_component")
    message = json.loads(element.proto.json)
    assert "base" in message and len(element.proto.json) < 2000
    assert canvas_held.RESYNCS.get(app, 0) == 0
    assert [t["id"] for t in canvas_data(app)["tasks"]] == ["extract", "load"]


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
    open_tab(app, "edit_tab", "Properties")  # the new task is selected, so its form is shown
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
    open_tab(app, "edit_tab", "Bitshift")
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
    open_tab(app, "edit_tab", "Patterns")
    app.selectbox(key="stamp_kind").select("Fan-out / fan-in")
    app.text_input(key="stamp_name").input("regions")
    button(app, "Stamp").click()
    run(app)
    assert "regions" in {g.id for g in design(app).groups}
    assert {m.label: m.value for m in app.metric}["Groups"] == "3"


def test_dag_settings_panel(app):
    open_tab(app, "edit_tab", "DAG")
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
    open_tab(app, "review_tab", "Graphviz preview")
    spec = app.get("graphviz_chart")[0].proto.spec
    assert spec.count("#d62728") >= 3


def test_export_views_and_refusal_of_invalid_designs(app):
    open_tab(app, "review_tab", "Export")
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
    open_tab(app, "review_tab", "Simulated run")
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


def canvas_session():
    """A page that feeds queued canvas ops (or undo/redo) to the app's canvas handler, as the
    component's callback would, so the Python side of drawing is tested without a browser."""
    import streamlit as st

    from designer.ui import drawing, state

    state.init()
    for action in st.session_state.pop("actions", []):
        if action == "undo":
            state.undo()
        elif action == "redo":
            state.redo()
        else:
            drawing.on_canvas_edit(action)


@pytest.fixture
def canvas_app():
    at = AppTest.from_function(canvas_session, default_timeout=60)
    return run(at)


def act(at, *actions):
    at.session_state["actions"] = list(actions)
    return run(at)


def test_canvas_edits_are_undo_steps_and_selection_follows(canvas_app):
    at = canvas_app
    before = design(at)
    act(at, {"op": "connect", "upstream": "report", "downstream": "start", "seq": 1})
    assert any((e.upstream, e.downstream) == ("report", "start") for e in design(at).edges)
    act(at, {"op": "add_task", "id": "archive", "operator": "bash", "seq": 2})
    assert "archive" in {t.id for t in design(at).tasks}
    assert at.session_state["selected"] == ["archive"]  # the new box goes to the property panel
    act(at, {"op": "select", "ids": ["extract", 7], "seq": 3},
        {"op": "toggle_collapse", "id": "quality", "collapsed": True, "seq": 4})
    assert at.session_state["selected"] == ["extract"]
    assert at.session_state["collapsed"] == frozenset({"quality"})
    # The op says which way: a repeated op (or one the session already follows) changes nothing.
    act(at, {"op": "toggle_collapse", "id": "quality", "collapsed": True, "seq": 5},
        {"op": "toggle_collapse", "id": "extract_group", "collapsed": False, "seq": 6})
    assert at.session_state["collapsed"] == frozenset({"quality"})
    act(at, "undo", "undo")
    assert design(at) == before


def test_layout_placement_is_not_an_undo_step_but_a_drag_is(canvas_app):
    at = canvas_app
    opened = design(at)  # the sample, as a design the canvas has not laid out yet (an import, say)
    at.session_state["design"] = opened.model_copy(
        update={"tasks": tuple(t.model_copy(update={"position": None}) for t in opened.tasks)})
    act(at, {"op": "add_task", "id": "new_one", "operator": "empty", "seq": 1}, "undo")
    assert len(at.session_state["redo"]) == 1
    unplaced = next(t.id for t in design(at).tasks if t.position is None)
    act(at, {"op": "move", "positions": {unplaced: {"x": 10, "y": 20}}, "seq": 2})
    assert next(t for t in design(at).tasks if t.id == unplaced).position.x == 10
    assert len(at.session_state["redo"]) == 1 and not at.session_state["undo"]  # placing kept redo
    act(at, {"op": "move", "positions": {unplaced: {"x": 300, "y": 20}}, "seq": 3})
    assert len(at.session_state["undo"]) == 1  # a drag of a placed box can be undone
    act(at, "undo")
    assert next(t for t in design(at).tasks if t.id == unplaced).position.x == 10


def test_new_group_panel_offers_the_current_selection_as_members(app):
    open_tab(app, "edit_tab", "New group")
    for chosen in (["extract"], ["transform", "report"]):
        app.session_state["selected"] = chosen
        run(app)
        assert by_label(app.multiselect, "Move these tasks into it").value == chosen


def test_new_group_panel_nests_and_moves_members(app):
    new_empty(app)
    add_task(app, "a", operator="Empty")
    add_task(app, "b", operator="Empty")
    open_tab(app, "edit_tab", "New group")
    by_label(app.text_input, "Group id").input("outer")
    button(app, "Create group").click()
    run(app)
    by_label(app.text_input, "Group id").input("inner")
    app.selectbox(key="new_group_parent").select("outer")
    by_label(app.multiselect, "Move these tasks into it").set_value(["a", "b"])
    button(app, "Create group").click()
    run(app)
    assert {g.id: g.parent for g in design(app).groups} == {"outer": None, "inner": "outer"}
    assert {t.id: t.group for t in design(app).tasks} == {"a": "inner", "b": "inner"}
    assert app.session_state["selected"] == ["inner"]
    by_label(app.text_input, "Group id").input("inner")
    button(app, "Create group").click()
    run(app)
    assert any("inner" in e.value for e in app.error) and len(design(app).groups) == 2


def test_opening_a_dag_factory_yaml_imports_it_and_reports_what_it_could_not_carry():
    golden = ROOT / "tests" / "golden" / "linear_etl" / "dag-factory" / "dags" / "dag_linear_etl.yaml"
    design, notes = open_file(golden.read_bytes(), golden.name)
    sample = load_design(SAMPLES / "linear_etl.yaml")
    assert [t.id for t in design.tasks] == [t.id for t in sample.tasks]
    assert {(e.upstream, e.downstream) for e in design.edges} == {(e.upstream, e.downstream) for e in sample.edges}
    assert notes == []
    text = golden.read_text().replace("bash_command:", "bash_command: $HOME", 1).replace("$HOME ", "$HOME", 1)
    _, notes = open_file(text.encode(), "with_env.yaml")
    assert any("environment variable" in n for n in notes)


def canvas_data(at) -> dict:
    """The payload the canvas holds after this run (the messages it received, applied)."""
    (element,) = at.get("bidi_component")
    assert element.proto.component_name == "designer.canvas"
    return canvas_held.held(at, element)


def test_the_canvas_is_served_from_its_asset_dir_not_resent_inline(app):
    (element,) = app.get("bidi_component")
    assert (element.proto.js_source_path, element.proto.js_content) == ("canvas.js", "")
    data = canvas_data(app)
    assert len(data["tasks"]) == 7 and {g["id"] for g in data["groups"]} == {"data_processing", "quality"}


def test_critical_path_toggle_and_cycles_are_highlighted_on_the_canvas(app):
    assert canvas_data(app)["highlight"] == {"cycle": [], "critical": [], "diff-added": [], "diff-changed": []}
    app.toggle(key="show_critical").set_value(True)
    run(app)
    critical = canvas_data(app)["highlight"]["critical"]
    assert critical[0] == "start" and critical[-1] == "report" and len(critical) >= 4
    open_tab(app, "review_tab", "Analysis")
    assert any("Critical path" in m.value and "start" in m.value for m in app.markdown)
    app.selectbox(key="gallery").select("INVALID_cycle_through_group.yaml")
    button(app, "Open sample").click()
    run(app)
    assert sorted(canvas_data(app)["highlight"]["cycle"]) == ["fetch", "report", "store"]


def test_a_clicked_finding_selects_its_tasks_on_the_canvas(app):
    app.selectbox(key="gallery").select("INVALID_cycle_through_group.yaml")
    button(app, "Open sample").click()
    run(app)
    next(b for b in app.button if "DD005" in b.label).click()
    run(app)
    assert canvas_data(app)["selected"] == ["fetch", "report", "store"]


def test_bundle_and_image_downloads_are_offered_only_for_exportable_designs(app):
    open_tab(app, "review_tab", "Export")
    labels = {b.label: b for b in app.get("download_button")}
    assert {"Repo bundle (.zip)", "Image .svg", "Image .png", "Image .dot"} <= set(labels)
    app.selectbox(key="gallery").select("INVALID_cycle_through_group.yaml")
    button(app, "Open sample").click()
    run(app)
    assert "Repo bundle (.zip)" not in {b.label for b in app.get("download_button")}
    assert button(app, "Repo bundle (.zip)").disabled


def test_the_gallery_opens_a_template_design_in_the_generate_tab_with_its_first_rendering(app):
    gallery = app.selectbox(key="gallery")
    assert "multi_tenant.yaml (template)" in gallery.options  # its config is not listed
    assert not [o for o in gallery.options if "generate" in o]
    gallery.set_value("multi_tenant.yaml")
    button(app, "Open sample").click()
    run(app)
    opened = design(app)
    assert app.session_state["review_tab"] == "Generate"
    # The sample's config lists clients first and dev first (sample_configs/multi_tenant.generate.yaml).
    assert app.session_state["source"].startswith("multi_tenant.yaml (") and "${{" not in opened.dag.dag_id
    assert app.selectbox(key="gen_pick").value == app.session_state["source"].split(" (", 1)[1].rstrip(")")
    assert len(app.dataframe) >= 1 and len(app.dataframe[0].value) == 9  # three clients x three environments
