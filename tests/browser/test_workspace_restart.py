"""Nothing drawn is lost, in a real browser: draw, wait 2 s, reload the page and the drawing is back; kill the
server with SIGKILL mid-session, start it again, reload the URL, and the drawing is still back (the draft the
autosave wrote), in a new session of a new server process. Then a save is a commit in the workspace.

Screenshots go to test-artifacts/browser/workspace_*.png.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from playwright.sync_api import expect

from designer.workspace import Workspace
from tests.browser.harness import (
    ROOT,
    app_run,
    free_port,
    settle,
    shot,
    start_streamlit,
    stop_streamlit,
    wait_rerun_done,
)
from tests.browser.test_app_scenario import add_from_palette, canvas, click_button, draw_edge, open_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def restored(page, url: str) -> None:
    page.goto(url)
    wait_rerun_done(page, 60_000)
    page.wait_for_function("() => window.__dagCanvas && window.__dagCanvas.canvas.counts().tasks > 0",
                           timeout=60_000)
    settle(page, 60_000)


def test_reload_and_server_kill_bring_the_drawing_back(page, tmp_path):
    env = {"DAG_DESIGNER_WORKSPACE": str(tmp_path / "workspace")}
    port = free_port()
    proc, url = start_streamlit(ROOT / "streamlit_app.py", port, env=env, log_name="workspace-1")
    try:
        open_app(page, url)
        click_button(page, "New empty design")
        add_from_palette(page, "extract", "Bash", 1)
        add_from_palette(page, "load", "Empty", 2)
        with app_run(page):
            draw_edge(page, "extract", "load")
        settle(page)
        assert canvas(page, "counts().edges") == 1
        # The "draw, wait 2 s": the run that showed the edge wrote the draft, so it is on disk now.
        draft = Workspace(tmp_path / "workspace").read_draft("new_dag")
        assert {(e.upstream, e.downstream) for e in draft.design.edges} == {("extract", "load")}
        assert "design=new_dag" in page.url
        drawn_url = page.url

        page.reload()
        restored(page, drawn_url)
        assert (canvas(page, "counts().tasks"), canvas(page, "counts().edges")) == (2, 1)
        shot(page, "workspace_reloaded")

        os.kill(proc.pid, signal.SIGKILL)  # mid-session: the page is still open on it
        proc.wait()
        proc, url = start_streamlit(ROOT / "streamlit_app.py", port, env=env, log_name="workspace-2")
        restored(page, drawn_url)
        assert (canvas(page, "counts().tasks"), canvas(page, "counts().edges")) == (2, 1)
        expect(page.get_by_text("Opened new_dag (draft restored)")).to_be_visible()
        shot(page, "workspace_after_restart")

        page.get_by_label("Save message", exact=True).fill("first cut")
        click_button(page, "Save")
        expect(page.get_by_text("Saved new_dag as version")).to_be_visible()
        ws = Workspace(tmp_path / "workspace")
        assert [v.message for v in ws.history("new_dag")] == ["first cut"]
        assert {(e.upstream, e.downstream) for e in ws.load("new_dag").edges} == {("extract", "load")}
        fsck = subprocess.run(["git", "-C", str(ws.root), "fsck"], capture_output=True, text=True)
        assert fsck.returncode == 0, fsck.stderr
        assert not page.errors
    finally:
        stop_streamlit(proc)
