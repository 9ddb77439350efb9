"""An edit reruns exactly the panels whose display it changed (designer.ui.panels), in a real browser.

Every panel ends each of its runs with a mark carrying a run number that only grows; a panel whose mark
has a higher number after an edit ran for that edit. Each case lists the panels that must rerun; any
other panel on the page (the sidebar's workspace, header, toolbar, metrics, navigator, canvas, property
panel, findings, the palette) rerunning fails the test, and so does a listed panel that did not rerun. An
edit made in a form reruns its panel, the canvas and the toolbar (its message), not the analysis panels.
"""

from __future__ import annotations

import pytest

from tests.browser.harness import HOOK, ROOT, app_run, box, drag, settle, show_canvas, streamlit_server, wait_rerun_done

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CANVAS = "window.__dagCanvas.canvas"


def panel_marks(page) -> dict[str, int]:
    return page.evaluate("() => Object.fromEntries([...document.querySelectorAll('.dd-run[data-panel]')]"
                         ".filter((m) => m.dataset.panel !== 'page')"
                         ".map((m) => [m.dataset.panel, Number(m.dataset.run)]))")


def drag_task(page, task: str, dx: float = 30) -> None:
    show_canvas(page)
    b = box(page, task)
    drag(page, (b["cx"], b["cy"]), (b["cx"] + dx, b["cy"] + 12))


def click_task(page, task: str) -> None:
    show_canvas(page)
    b = box(page, task)
    page.mouse.click(b["cx"], b["cy"])


def connect(page, upstream: str, downstream: str) -> None:
    page.evaluate(f"([u, d]) => {CANVAS}.canvas.connect(u, d)", [upstream, downstream])


def button(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def toggle(page, label: str) -> None:
    page.get_by_text(label, exact=True).click()


def set_retries(page) -> None:
    page.get_by_label("retries", exact=True).fill("4")
    button(page, "Apply")


def add_task(page) -> None:
    page.get_by_label("Task id", exact=True).fill("added")
    button(page, "Add task")


EVERY = "every panel on the page"


# (what the user does, the panels that must rerun: exactly these)
CASES = [
    ("drag a placed box", lambda page: drag_task(page, "report"), {"canvas"}),
    ("select a task on the canvas", lambda page: click_task(page, "transform"), {"canvas", "properties"}),
    ("drag the selected box", lambda page: drag_task(page, "transform", -30), {"canvas"}),
    ("draw an edge that closes a cycle", lambda page: connect(page, "validate", "extract"),
     {"canvas", "metrics", "findings"}),
    ("fold every group", lambda page: button(page, "Collapse all"), {"canvas"}),
    ("unfold them", lambda page: button(page, "Expand all"), {"canvas"}),
    ("highlight the critical path", lambda page: toggle(page, "Highlight the critical path"), {"canvas"}),
    ("undo the cycle edge (Redo becomes possible)", lambda page: button(page, "↶ Undo"),
     {"canvas", "metrics", "findings", "toolbar"}),
    ("redo it", lambda page: button(page, "↷ Redo"), {"canvas", "metrics", "findings", "toolbar"}),
    ("set the selected task's retries in its property form", set_retries, {"canvas", "properties", "toolbar"}),
    ("open the Add task tab", lambda page: page.get_by_role("tab", name="Add task", exact=True).click(), EVERY),
    ("add a task from the palette (it clears its id box)", add_task, {"canvas", "metrics", "findings", "toolbar",
                                                                     "navigator", "palette"}),
]


@pytest.fixture(scope="module")
def app_url():
    with streamlit_server(ROOT / "streamlit_app.py") as url:
        yield url


def test_an_edit_reruns_only_the_panels_it_changed(app_url, page):
    page.goto(app_url)
    wait_rerun_done(page, 60_000)
    page.wait_for_function(f"() => {HOOK} && {CANVAS}.counts().tasks > 0", timeout=60_000)
    settle(page, 60_000)
    # The sample has its positions: the page opened without a layout in the browser (and the run storing it).
    assert page.evaluate(f"() => {CANVAS}.state().layouts") == 0
    with app_run(page):  # the first edit joins the design to the workspace and makes Undo possible
        drag_task(page, "start")
    settle(page)
    assert {"workspace", "header", "toolbar", "metrics", "navigator", "canvas", "properties",
            "findings"} <= set(panel_marks(page))
    for what, act, expected in CASES:
        before = panel_marks(page)
        with app_run(page):
            act(page)
        settle(page)
        after = panel_marks(page)
        rerun = {key for key in after if after[key] > before.get(key, -1)}
        expected = set(after) if expected == EVERY else expected
        assert rerun == expected, f"{what}: reran {sorted(rerun)}, expected {sorted(expected)}"
