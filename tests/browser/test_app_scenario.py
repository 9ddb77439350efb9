"""The whole app in a real browser, the way an analyst uses it: draw a pipeline from an empty design
with the mouse and the panels, see a cycle reported and undone, stamp a pattern, download the code,
and check that real Airflow loads the downloaded module with the drawn structure; and open files
through the uploader, where a bad one is explained and changes nothing.

Screenshots of the key states go to test-artifacts/browser/app_*.png.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import yaml
from playwright.sync_api import expect

from designer.storage import parse_design
from tests.browser.harness import (
    HOOK,
    ROOT,
    app_run,
    box,
    drag,
    draw_edge,
    settle,
    shot,
    show_canvas,
    streamlit_server,
    wait_rerun_done,
)
from tests.support.python_export import load, structure_problems

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TASKS = [("t1", "Bash"), ("t2", "Empty"), ("t3", "Empty"), ("t4", "Empty"), ("t5", "Empty")]


@pytest.fixture(scope="module")
def app_url():
    with streamlit_server(ROOT / "streamlit_app.py") as url:
        yield url


def canvas(page, expression: str):
    return page.evaluate(f"() => window.__dagCanvas.canvas.{expression}")


def metric(page, label: str):
    """The value of the metric card `label`, for `expect(...)`: the run is complete when it is read, and
    Playwright's assertion allows for the browser still painting what that run sent."""
    card = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text(label, exact=True))
    return expect(card.locator("[data-testid='stMetricValue']"))


def tab(page, name: str) -> None:
    """Open a tab; tabs are lazy (the open one's panel runs), so opening one is a rerun to wait for."""
    button = page.get_by_role("tab", name=name, exact=True)
    if button.get_attribute("aria-selected") != "true":
        with app_run(page):
            button.click()


def visible(locator):
    return locator.filter(visible=True)


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the visible Streamlit selectbox or multiselect labelled `label`."""
    visible(page.get_by_label(label, exact=True)).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def click_button(page, name: str) -> None:
    """Click a button and wait for the run it causes to complete."""
    with app_run(page):
        visible(page.get_by_role("button", name=name, exact=True)).first.click()
    settle(page)


def findings(page):
    """The Findings tab's content, for `expect(...)`."""
    tab(page, "Findings")
    return expect(page.locator("[data-testid='stTabs']").last)


def add_from_palette(page, task_id: str, operator: str, expected_tasks: int) -> None:
    tab(page, "Add task")
    choose(page, "Operator", operator)
    visible(page.get_by_label("Task id", exact=True)).fill(task_id)
    click_button(page, "Add task")
    assert canvas(page, "counts().tasks") == expected_tasks


def drop_into(page, item: str, group: str, *, item_is_group: bool = False) -> None:
    """Drag `item` (a task by its centre, a group by its own padding) onto `group`: its centre while
    it is empty, else its own padding below its members; the item must end up in the group. (A second
    attempt used to hide misses: the canvas' status line wrapped the toolbar during the drag and moved
    the canvas under the pointer. The status now has a line of its own and the canvas re-measures its
    place at every pointer event, so one attempt must land.)"""
    show_canvas(page)
    b, g = box(page, item), box(page, group)
    grip = (b["x1"] + 6, b["y2"] - 6) if item_is_group else (b["cx"], b["cy"])
    empty = not canvas(page, f"cy.getElementById({group!r}).isParent()")
    with app_run(page):
        drag(page, grip, (g["cx"], g["cy"] if empty else g["y2"] - 6))
    settle(page)
    assert canvas(page, f"parentOf({item!r})") == group


def download(page, name_pattern: str, tmp_path, *, target: str | None = None) -> bytes:
    with page.expect_download() as info:
        visible(page.get_by_role("button", name=re.compile(name_pattern))).first.click()
    path = tmp_path / (target or info.value.suggested_filename)
    info.value.save_as(path)
    return path.read_bytes()


def open_app(page, url: str) -> None:
    """Load the page and wait for its first run and the canvas' first layout (stored by a second run)."""
    page.goto(url)
    wait_rerun_done(page, 60_000)
    page.wait_for_function(f"() => {HOOK} && window.__dagCanvas.canvas.counts().tasks > 0", timeout=60_000)
    settle(page, 60_000)


def test_draw_review_undo_stamp_and_download(app_url, page, tmp_path):
    open_app(page, app_url)

    # An empty design, then five tasks from the palette.
    click_button(page, "New empty design")
    assert canvas(page, "counts().tasks") == 0
    metric(page, "Tasks").to_have_text("0")
    for n, (task_id, operator) in enumerate(TASKS, start=1):
        add_from_palette(page, task_id, operator, n)
    metric(page, "Tasks").to_have_text("5")
    shot(page, "app_01_five_tasks")

    # Four edges drawn with the mouse: t1 >> t2 >> t3 >> t4 >> t5.
    for n, (up, down) in enumerate([("t1", "t2"), ("t2", "t3"), ("t3", "t4"), ("t4", "t5")], start=1):
        with app_run(page):
            draw_edge(page, up, down)
        settle(page)
        assert canvas(page, f"hasEdge({up!r}, {down!r})")
        metric(page, "Edges").to_have_text(str(n))
    metric(page, "Depth").to_have_text("5")
    shot(page, "app_02_four_edges")

    # Two tasks into a TaskGroup, that group into another one (groups made in the panel, filled by
    # dragging). A click on the background first: the panel offers the selected tasks as members.
    show_canvas(page)
    corner = page.locator(".dagc-cy").first.bounding_box()
    with app_run(page):
        page.mouse.click(corner["x"] + 8, corner["y"] + 8)
    settle(page)
    assert canvas(page, "selected().length") == 0
    for group_id in ("inner", "outer"):
        tab(page, "New group")
        visible(page.get_by_label("Group id", exact=True)).fill(group_id)
        click_button(page, "Create group")
        assert canvas(page, f"box({group_id!r})") is not None
    drop_into(page, "t2", "inner")
    drop_into(page, "t3", "inner")
    drop_into(page, "inner", "outer", item_is_group=True)
    metric(page, "Groups").to_have_text("2")
    shot(page, "app_03_nested_groups")

    # A bash command set in the property panel of the task selected on the canvas.
    show_canvas(page)
    t1 = box(page, "t1")
    with app_run(page):
        page.mouse.click(t1["cx"], t1["cy"])
    settle(page)
    tab(page, "Properties")
    command = visible(page.get_by_label("bash_command *", exact=True))
    command.fill("echo 'hello from {{ ds }}'")
    click_button(page, "Apply")
    expect(page.get_by_text("Updated t1")).to_be_visible()

    # A back edge makes a cycle: the finding appears; undo takes it away.
    with app_run(page):
        draw_edge(page, "t5", "t1")
    settle(page)
    metric(page, "Depth").to_have_text("cycle")
    findings(page).to_contain_text("DD005")
    assert "hl-cycle" in canvas(page, "classesOf('t1')")
    shot(page, "app_04_cycle_found")
    click_button(page, "↶ Undo")
    metric(page, "Depth").to_have_text("5")
    findings(page).not_to_contain_text("DD005")
    assert not canvas(page, "hasEdge('t5', 't1')")
    shot(page, "app_05_cycle_undone")

    # A fan-out / fan-in pattern stamped after t5.
    tab(page, "Patterns")
    choose(page, "Pattern", "Fan-out / fan-in")
    choose(page, "After", "t5")
    click_button(page, "Stamp")
    assert canvas(page, "counts().groups") == 3
    shot(page, "app_06_fan_out_stamped")
    metric(page, "Errors").to_have_text("0")

    # Downloads: the Airflow 3 module, the design file and the repo bundle.
    tab(page, "Export")
    module = download(page, r"^Download dag_.*\.py$", tmp_path)
    with app_run(page):
        visible(page.get_by_text("Design YAML", exact=True)).first.click()
    settle(page)
    design_bytes = download(page, r"^Download .*\.yaml$", tmp_path)
    bundle = download(page, r"^Repo bundle", tmp_path)
    shot(page, "app_07_export")
    assert page.errors == [], page.errors

    design, _ = parse_design(design_bytes, "downloaded.yaml")
    stem = f"dag_{design.dag.dag_id}"
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        names = archive.namelist()
        assert f"{stem}/dags/{stem}.py" in names, names
        assert archive.read(f"{stem}/dags/{stem}.py") == module

    # The drawn structure, as the analyst drew it ...
    assert {t.id: t.group for t in design.tasks if t.id in dict(TASKS)} == {
        "t1": None, "t2": "inner", "t3": "inner", "t4": None, "t5": None}
    assert {g.id: g.parent for g in design.groups if g.id in ("inner", "outer")} == {"inner": "outer", "outer": None}
    assert next(t for t in design.tasks if t.id == "t1").args == {"bash_command": "echo 'hello from {{ ds }}'"}
    assert yaml.safe_load(design_bytes)["dag"]["dag_id"] == design.dag.dag_id

    # ... is what real Airflow builds from the downloaded module.
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / f"{stem}.py").write_bytes(module)
    loaded = load(dags, tmp_path / "airflow_home")
    assert loaded["import_errors"] == {}
    assert structure_problems(design, loaded) == []
    built = loaded["dags"][design.dag.dag_id]["tasks"]
    assert built["outer.inner.t2"]["upstream"] == ["t1"]
    assert built["t4"]["upstream"] == ["outer.inner.t3"]
    assert built["outer.inner.t3"]["group"] == "outer.inner"


def test_uploads_open_good_files_and_a_bad_one_changes_nothing(app_url, page):
    open_app(page, app_url)
    assert canvas(page, "counts().tasks") == 7
    uploader = page.locator("[data-testid='stFileUploader'] input[type=file]")

    with app_run(page, upload=True):
        uploader.set_input_files(files=[{"name": "broken.yaml", "mimeType": "application/x-yaml",
                                         "buffer": b"dag:\n  dag_id: x\n  dag_id: y\n"}])
    settle(page)
    expect(page.get_by_text("Could not open broken.yaml; your current design is unchanged")).to_be_visible()
    alert = page.locator("[data-testid='stAlert']").first
    expect(alert).to_contain_text("broken.yaml:3: dag: key 'dag_id' appears twice")
    expect(page.locator("h1").first).to_have_text("nested_taskgroups")
    assert canvas(page, "counts().tasks") == 7
    shot(page, "app_08_bad_upload")

    golden = ROOT / "tests" / "golden" / "linear_etl" / "dag-factory" / "dags" / "dag_linear_etl.yaml"
    with app_run(page, upload=True):
        uploader.set_input_files(str(golden))
    settle(page)
    expect(page.locator("h1").first).to_have_text("linear_etl")
    assert canvas(page, "counts().tasks") == 4
    assert page.errors == [], page.errors
    shot(page, "app_09_dag_factory_opened")


def test_review_a_big_design_collapsed_find_focus_and_expand(app_url, page):
    """A 400-task design (no positions, as an import gives) opens laid out by Python with its groups
    collapsed; Find selects a task inside a collapsed group and brings it into view; focus mode shows
    only its neighbourhood; a double-click expands one group in place, with no layout run."""
    from bench.designs import layered_design
    from designer.analysis.neighbourhood import neighbourhood
    from designer.storage import dump_design
    from designer.ui.canvas.layout import focus_positions, opening_view

    big = layered_design(400)
    top_groups = sorted(g.id for g in big.groups if g.parent is None)
    open_app(page, app_url)
    layouts = canvas(page, "state().layouts")
    uploader = page.locator("[data-testid='stSidebar'] input[type=file]")
    with app_run(page, 60_000, upload=True):
        uploader.set_input_files(files=[{"name": "big.yaml", "mimeType": "application/x-yaml",
                                         "buffer": dump_design(big).encode()}])
    settle(page, 60_000)
    assert canvas(page, "counts().tasks") == 400
    assert canvas(page, "visibleIds()") == top_groups  # every group collapsed: only the outermost boxes
    assert canvas(page, "state().layouts") == layouts, "the browser ran no layout: Python placed every box"
    shot(page, "app_big_collapsed")

    finder = visible(page.get_by_label("Find a task or group", exact=True))
    with app_run(page):
        finder.fill("task_371")
        finder.press("Enter")
    settle(page)
    assert canvas(page, "selected()") == ["task_371"]
    assert canvas(page, "inView('task_371')") and canvas(page, "state().zoom") >= 0.5
    shot(page, "app_big_found")

    with app_run(page):
        visible(page.get_by_text("Focus on selection", exact=True)).first.click()
    settle(page)
    expected = neighbourhood(big, ["task_371"], 2)  # the Steps box starts at 2
    shown = canvas(page, "visibleIds()")
    assert set(shown) == set(expected) and len(shown) < 100
    # Drawn in focus mode's own compact layout, and nothing can be dragged (no position reaches the design).
    opened, _ = opening_view(big)
    view = focus_positions(opened, expected)
    at = canvas(page, "positions()")
    assert all((at[i]["x"], at[i]["y"]) == view[i] for i in expected if i.startswith("task_"))
    assert canvas(page, "cy.autoungrabify()") is True
    seq = canvas(page, "state().seq")
    shot(page, "app_big_focus")
    with app_run(page):
        visible(page.get_by_text("Focus on selection", exact=True)).first.click()
    settle(page)
    assert "task_0" not in canvas(page, "visibleIds()")  # focus off: everything shown, grp_0 still folded
    at = canvas(page, "positions()")
    assert all((at[t.id]["x"], at[t.id]["y"]) == (t.position.x, t.position.y) for t in opened.tasks)
    assert canvas(page, "state().seq") == seq and canvas(page, "cy.autoungrabify()") is False

    group = "grp_0"  # a collapsed top-level group; its members were placed by Python
    show_canvas(page)
    tasks = {t.id for t in big.tasks}
    before = {i: p for i, p in canvas(page, "positions()").items() if i in tasks}  # a group box follows them
    proxy = box(page, group)  # the stand-in box drawn for the collapsed group
    with app_run(page):
        page.mouse.dblclick(proxy["cx"], proxy["cy"])
    settle(page)
    members = {t.id for t in big.tasks if t.group == group}
    assert members <= set(canvas(page, "visibleIds()"))
    assert {i: p for i, p in canvas(page, "positions()").items() if i in tasks} == before, "nothing moved"
    assert canvas(page, "state().layouts") == layouts
    assert not page.errors, page.errors


def test_compare_with_an_earlier_version_draws_what_was_removed_as_ghosts(app_url, page):
    """Delete a task on the canvas, then compare with the design one edit ago: the deleted task and its
    edges come back as dashed ghosts that are not part of the design (not selectable, not counted)."""
    open_app(page, app_url)
    show_canvas(page)
    report = box(page, "report")
    with app_run(page):
        page.mouse.click(report["cx"], report["cy"])
    settle(page)
    with app_run(page):
        page.keyboard.press("Delete")
    settle(page)
    assert canvas(page, "counts().tasks") == 6 and not canvas(page, "ghostIds()")

    tab(page, "Compare")
    with app_run(page):
        visible(page.get_by_text("An earlier version", exact=True)).first.click()
    settle(page)
    with app_run(page):
        visible(page.get_by_text("Show on canvas", exact=True)).first.click()
    settle(page)
    # By hand from the sample: report was downstream of data_processing only.
    assert canvas(page, "ghostIds()") == ["ghost:data_processing>report", "ghost:report"]
    assert canvas(page, "counts().tasks") == 6, "a ghost is not a task of the design"
    ghost = canvas(page, "cy.getElementById('ghost:report').selectable()")
    assert ghost is False
    shot(page, "app_10_compare_ghosts")
    with app_run(page):
        visible(page.get_by_text("Show on canvas", exact=True)).first.click()
    settle(page)
    assert canvas(page, "ghostIds()") == []
    assert not page.errors, page.errors
