"""The DAG canvas in a real browser: draw with the mouse, check that Python received each edit.

Drives designer/ui/canvas/demo_app.py (nested_taskgroups sample), which prints the Python-side
model in an st.code block. Node coordinates come from the canvas' test hook
window.__dagCanvas.canvas (plain JSON only). Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import HOOK, app_run, box, drag, draw_edge, settle, shot, show_canvas, wait_rerun_done

pytestmark = pytest.mark.browser

def model(page) -> str:
    return page.locator("[data-testid='stCode']").first.inner_text()


def line(page, prefix: str) -> str:
    match = re.search(rf"^{prefix}:(.*)$", model(page), re.MULTILINE)
    return match.group(1).strip() if match else ""


@pytest.fixture
def demo(page, demo_url):
    """The demo page, drawn, laid out and with the layout's positions stored in Python."""
    page.goto(demo_url)
    wait_rerun_done(page, 30_000)
    page.wait_for_function(f"() => {HOOK} && window.__dagCanvas.canvas.counts().tasks > 0", timeout=30_000)
    settle(page, 30_000)  # includes the rerun that stores the first layout's positions
    assert "POSITIONED 7" in model(page)
    show_canvas(page)  # once, so box coordinates taken before a gesture stay valid
    yield page
    assert page.errors == [], page.errors


def test_the_sample_is_drawn_with_nested_group_boxes(demo):
    counts = demo.evaluate("() => window.__dagCanvas.canvas.counts()")
    assert counts == {"tasks": 7, "groups": 2, "edges": 5, "proxies": 0, "visibleTasks": 7, "ghosts": 0,
                      "ghostEdges": 0}
    assert demo.evaluate("() => window.__dagCanvas.canvas.parentOf('quality')") == "data_processing"
    assert demo.evaluate("() => window.__dagCanvas.canvas.parentOf('check_nulls')") == "quality"
    # The first layout's positions went to Python, so the design now has them.
    assert model(demo).startswith("TASKS 7 GROUPS 2 EDGES 5 POSITIONED 7")
    outer, inner = box(demo, "data_processing"), box(demo, "quality")
    assert outer["x1"] < inner["x1"] < inner["x2"] < outer["x2"] and outer["y1"] < inner["y1"]
    shot(demo, "01_initial")


def test_drawing_a_back_edge_reaches_python_and_shows_the_cycle(demo):
    with app_run(demo):
        draw_edge(demo, "report", "start")
    settle(demo)
    assert "report>start" in model(demo)
    assert "DD005" in line(demo, "FINDINGS"), "the cycle finding appears"
    # Python's cycle highlight came back to the canvas.
    assert "hl-cycle" in demo.evaluate("() => window.__dagCanvas.canvas.classesOf('start')")
    assert demo.evaluate("() => window.__dagCanvas.canvas.hasEdge('report', 'start')")
    shot(demo, "02_back_edge_cycle")
    # Dropping on the same target again is a duplicate: refused on the canvas, nothing sent.
    ops, seq = model(demo).split("OPS ")[1].split()[0], demo.evaluate("() => window.__dagCanvas.canvas.state().seq")
    draw_edge(demo, "report", "start")  # the canvas queues an op synchronously on mouseup, or not at all
    settle(demo)
    assert demo.evaluate("() => window.__dagCanvas.canvas.state().seq") == seq
    assert model(demo).split("OPS ")[1].split()[0] == ops


def test_dragging_a_task_into_a_nested_group_and_out_again(demo):
    r, q = box(demo, "report"), box(demo, "quality")
    with app_run(demo):
        drag(demo, (r["cx"], r["cy"]), (q["cx"], q["y2"] - 12))
    settle(demo)
    assert "report@quality" in model(demo)
    assert demo.evaluate("() => window.__dagCanvas.canvas.parentOf('report')") == "quality"
    shot(demo, "03_task_into_nested_group")
    # Out again: drop it below every group box -> top level.
    r, dp = box(demo, "report"), box(demo, "data_processing")
    canvas_bottom = demo.evaluate("() => window.__dagCanvas.canvas.cy.container().getBoundingClientRect().bottom")
    with app_run(demo):
        drag(demo, (r["cx"], r["cy"]), (dp["x2"] + 60, min(dp["y2"] + 60, canvas_bottom - 30)))
    settle(demo)
    assert "report@" not in model(demo)
    assert demo.evaluate("() => window.__dagCanvas.canvas.parentOf('report')") is None


def test_a_drop_lands_where_it_is_made_after_the_page_above_the_canvas_changed(demo):
    """A panel above the canvas that reruns alone can grow or shrink (a message appears) and move the canvas
    on the page without any scroll or resize event: the drop must still land in the group under the pointer."""
    demo.evaluate("() => { const shim = document.createElement('div'); shim.style.height = '90px';"
                  " const root = window.__dagCanvas.canvas.canvas.root; root.parentNode.insertBefore(shim, root); }")
    r, q = box(demo, "report"), box(demo, "quality")  # measured where the boxes now are
    with app_run(demo):
        drag(demo, (r["cx"], r["cy"]), (q["cx"], q["y2"] - 12))
    settle(demo)
    assert demo.evaluate("() => window.__dagCanvas.canvas.parentOf('report')") == "quality"


def test_dragging_a_group_out_of_its_parent_and_back_in(demo):
    q, dp = box(demo, "quality"), box(demo, "data_processing")
    grip = (q["x1"] + 8, q["y2"] - 8)  # the group's own padding, not one of its tasks
    canvas_bottom = demo.evaluate("() => window.__dagCanvas.canvas.cy.container().getBoundingClientRect().bottom")
    with app_run(demo):
        drag(demo, grip, (grip[0], min(dp["y2"] + 70, canvas_bottom - 20)))
    settle(demo)
    assert "quality@data_processing" not in model(demo)
    assert demo.evaluate("() => window.__dagCanvas.canvas.parentOf('quality')") is None
    shot(demo, "04_group_out_of_parent")
    q, dp = box(demo, "quality"), box(demo, "data_processing")
    grip = (q["x1"] + 8, q["y2"] - 8)
    with app_run(demo):
        drag(demo, grip, (dp["x1"] + 30, dp["y1"] + 40))
    settle(demo)
    assert "quality@data_processing" in model(demo)
    shot(demo, "05_group_nested_again")


def test_edges_from_and_to_groups_and_deleting_an_edge(demo):
    # A group's own handle sits on its frame; a group is a target where no member is under the pointer.
    q = box(demo, "quality")
    with app_run(demo):
        draw_edge(demo, "quality", "report", source_at=(q["cx"], q["y1"] + 8))
    settle(demo)
    assert "quality>report" in model(demo)
    with app_run(demo):
        draw_edge(demo, "start", "quality", target_at=(q["cx"], q["y1"] + 8))
    settle(demo)
    assert "start>quality" in model(demo)
    shot(demo, "10_group_edges")
    # Select a task, then click an edge: the edge stays selected through the rerun that reports the
    # task's deselection (Python echoes the node selection back); Delete removes the edge.
    t = box(demo, "transform")
    with app_run(demo):
        demo.mouse.click(t["cx"], t["cy"])
    settle(demo)
    assert "SELECTED: transform" in model(demo)
    p = demo.evaluate("() => window.__dagCanvas.canvas.edgePoint('extract', 'transform')")
    with app_run(demo):
        demo.mouse.click(p["x"], p["y"])
    settle(demo)
    assert "SELECTED: \n" in model(demo)
    assert demo.evaluate("() => window.__dagCanvas.canvas.selectedEdges()") == ["e:extract>transform"]
    with app_run(demo):
        demo.keyboard.press("Delete")
    settle(demo)
    assert "extract>transform" not in model(demo)
    assert {"quality>report", "start>quality"} <= set(line(demo, "EDGES").split())


def test_selection_goes_both_ways(demo):
    t = box(demo, "transform")
    with app_run(demo):
        demo.mouse.click(t["cx"], t["cy"])
    settle(demo)
    assert "SELECTED: transform" in model(demo)
    # Python -> canvas: choosing a node in a Python widget selects it on the canvas.
    demo.get_by_label("Select from Python").click()
    with app_run(demo):
        demo.get_by_role("option", name="check_nulls", exact=True).click()
    settle(demo)
    assert demo.evaluate("() => window.__dagCanvas.canvas.selected()") == ["check_nulls"]
    shot(demo, "06_selected_from_python")


def test_a_rerun_does_not_move_anything(demo):
    before = demo.evaluate("() => window.__dagCanvas.canvas.positions()")
    view = demo.evaluate("() => window.__dagCanvas.canvas.state()")
    with app_run(demo):
        demo.get_by_text("Highlight critical path").click()  # a Python-side rerun with a new payload
    settle(demo)
    assert "hl-critical" in demo.evaluate("() => window.__dagCanvas.canvas.classesOf('report')")
    after = demo.evaluate("() => window.__dagCanvas.canvas.positions()")
    tasks = {"start", "extract", "transform", "check_nulls", "check_row_count", "validate", "report"}
    assert {k: after[k] for k in tasks} == {k: before[k] for k in tasks}
    # Group boxes follow their members; only the thicker highlight border may change them a little.
    for group in ("data_processing", "quality"):
        assert abs(after[group]["x"] - before[group]["x"]) <= 2 and abs(after[group]["y"] - before[group]["y"]) <= 2
    state = demo.evaluate("() => window.__dagCanvas.canvas.state()")
    assert (state["zoom"], state["pan"], state["layouts"]) == (view["zoom"], view["pan"], view["layouts"])
    shot(demo, "07_critical_path")


def test_collapse_delete_and_a_task_added_from_python(demo):
    q = box(demo, "quality")
    with app_run(demo):
        demo.mouse.dblclick(q["x1"] + 8, q["y2"] - 8)
    settle(demo)
    assert "COLLAPSED: quality" in model(demo)
    counts = demo.evaluate("() => window.__dagCanvas.canvas.counts()")
    assert (counts["proxies"], counts["visibleTasks"]) == (1, 5)
    shot(demo, "08_collapsed")
    with app_run(demo):
        demo.mouse.dblclick(*(lambda b: (b["cx"], b["cy"]))(box(demo, "quality")))  # the stand-in box
    settle(demo)
    assert "COLLAPSED: quality" not in model(demo)
    # Delete key on a selected task.
    s = box(demo, "start")
    demo.mouse.click(s["cx"], s["cy"])
    settle(demo)
    with app_run(demo):
        demo.keyboard.press("Delete")
    settle(demo)
    assert "TASKS 6 " in model(demo)
    assert "start>" not in line(demo, "EDGES")
    # A task added by Python lands next to the others without moving them.
    before = demo.evaluate("() => window.__dagCanvas.canvas.positions()")
    demo.get_by_label("New task id").fill("archive")
    with app_run(demo):
        demo.get_by_role("button", name="Add task from Python").click()
    settle(demo)  # includes the rerun that stores where the canvas placed it
    assert demo.evaluate("() => window.__dagCanvas.canvas.counts().tasks") == 7
    assert "POSITIONED 7" in model(demo)
    after = demo.evaluate("() => window.__dagCanvas.canvas.positions()")
    assert {k: v for k, v in after.items() if k in before} == before
    shot(demo, "09_after_delete_and_python_add")


def canvas_state(page) -> dict:
    return page.evaluate("() => window.__dagCanvas.canvas.state()")


def test_reruns_send_deltas_and_a_missed_message_is_resent_whole(demo):
    before = canvas_state(demo)
    assert before["fulls"] == 1 and before["resyncs"] == 0  # the first message only
    with app_run(demo):
        demo.get_by_text("Highlight critical path").click()
    settle(demo)
    after = canvas_state(demo)
    assert (after["fulls"], after["resyncs"]) == (1, 0) and after["deltas"] > before["deltas"]
    assert "hl-critical" in demo.evaluate("() => window.__dagCanvas.canvas.classesOf('report')")
    # As if a message never arrived: the canvas holds an older seq than the next delta's base, which
    # the delta's "prev" covers.
    demo.evaluate("() => { const c = window.__dagCanvas.canvas.canvas; c.held = { ...c.held, seq: c.held.seq - 1 }; }")
    with app_run(demo):
        demo.get_by_text("Highlight critical path").click()
    settle(demo)
    state = canvas_state(demo)
    assert (state["resyncs"], state["fulls"], state["lastProblem"]) == (0, 1, None), state
    assert "hl-critical" not in demo.evaluate("() => window.__dagCanvas.canvas.classesOf('report')")
    # As if freshly mounted: nothing to apply a delta to. The canvas asks for the whole payload.
    demo.evaluate("() => { window.__dagCanvas.canvas.canvas.held = null; }")
    with app_run(demo):
        demo.get_by_text("Highlight critical path").click()
    settle(demo)  # the delta is refused, the canvas asks for the whole payload and draws that run
    state = canvas_state(demo)
    assert (state["resyncs"], state["fulls"]) == (1, 2), state
    assert state["lastProblem"].startswith("based on")
    assert "hl-critical" in demo.evaluate("() => window.__dagCanvas.canvas.classesOf('report')")


def test_python_hears_once_per_batch_that_its_edits_are_done(demo):
    def counts() -> tuple[int, int]:
        head = model(demo).split("\n")[0]
        return int(head.split("OPS ")[1].split()[0]), int(head.split("BATCHES ")[1].split()[0])

    ops, batches = counts()
    with app_run(demo):
        draw_edge(demo, "report", "start")
    settle(demo)
    assert counts() == (ops + 1, batches + 1)
    # A drag into a group is two ops (reparent, move) in one batch: one call.
    r, q = box(demo, "report"), box(demo, "quality")
    with app_run(demo):
        drag(demo, (r["cx"], r["cy"]), (q["cx"], q["y2"] - 12))
    settle(demo)
    assert "report@quality" in model(demo)
    assert counts() == (ops + 3, batches + 2)
    # A rerun without new ops (Python's own widget) calls nothing.
    with app_run(demo):
        demo.get_by_text("Highlight critical path").click()
    settle(demo)
    assert counts() == (ops + 3, batches + 2)


def test_a_run_stopped_after_drawing_the_canvas_leaves_it_right(demo):
    # That run's message seldom reaches the browser: the next message repeats its delta ("prev"), so the
    # canvas catches up without asking for a whole payload.
    for n in (1, 2, 3):
        with app_run(demo):
            demo.get_by_text("Late task").click()
        settle(demo)
        assert f"TASKS {7 + n} " in model(demo)
        assert demo.evaluate("() => window.__dagCanvas.canvas.counts().tasks") == 7 + n
    state = canvas_state(demo)
    assert (state["resyncs"], state["fulls"]) == (0, 1), state


def test_a_drawn_edge_leaves_for_python_before_the_canvas_redraws(demo):
    # Order, not time: the op goes out before the redraw of the new edge (which, at 500 tasks, used to
    # hold it back ~100 ms; bench/ui.py measures the time).
    demo.evaluate("""() => {
      const log = window.__order = [];
      window.addEventListener('mouseup', () => log.push('up'), true);
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (d) { if (log.includes('up')) log.push('ws'); return send.call(this, d); };
      const r = window.__dagCanvas.canvas.cy.renderer();
      const render = r.render.bind(r);
      r.render = (o) => { if (log.includes('up')) log.push('draw'); return render(o); };
    }""")
    with app_run(demo):
        draw_edge(demo, "report", "start")
    settle(demo)
    assert "report>start" in model(demo)
    order = demo.evaluate("() => window.__order")
    assert order[0] == "up" and "draw" in order and order.index("ws") < order.index("draw"), order
