"""Browser-test plumbing: a Streamlit server subprocess and Debian's Chromium driven by Playwright.

No `playwright install`: Chromium is the apt package at /usr/bin/chromium (scripts/setup.sh installs it).
Servers are stopped by their own PID, never by name, since other people's servers share the machine.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(app: Path, timeout: float = 60.0) -> Iterator[str]:
    """Run `streamlit run app` on a free localhost port; yield its URL once /_stcore/health is ok.

    Health only means the server is up (the script has not run yet): wait for app content as well.
    The server's output goes to test-artifacts/browser/streamlit-<app>.log (overwritten each run).
    """
    proc, url = start_streamlit(app, free_port(), timeout)
    try:
        yield url
    finally:
        stop_streamlit(proc)


def start_streamlit(app: Path, port: int, timeout: float = 60.0, env: dict[str, str] | None = None,
                    log_name: str | None = None, args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app` on `port` (with `env` added to the environment and `args` to the command
    line) and wait until it is healthy; (process, URL). Stop it with `stop_streamlit`, or kill it by its PID."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"streamlit-{log_name or app.stem}.log"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", *args]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as resp:
                if resp.read() == b"ok":
                    return proc, url
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_streamlit(proc)
            raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f} s; see {log_path}")
        time.sleep(0.1)


def stop_streamlit(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def launch_chromium(playwright):
    # No skip when it is missing: scripts/setup.sh installs it, and browser tests that silently do not
    # run would hide a broken UI.
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/setup.sh (it installs the chromium apt package)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


# Streamlit's own running state (the attributes its e2e tests read) and the app's run marks: every panel
# (designer.ui.panels) ends each of its runs with a mark holding a run number that only grows and the
# count of consumed uploads; a full run ends with one more. The highest number on the page is the last
# run that completed a panel.
_MARKS = """() => {
  const marks = [...document.querySelectorAll('.dd-run')];
  return [Math.max(-1, ...marks.map((m) => Number(m.dataset.run))),
          Math.max(-1, ...marks.map((m) => Number(m.dataset.uploads ?? 0)))];
}"""
_APP_IDLE = """([after, uploads]) => {
  const app = document.querySelector("[data-testid='stApp']");
  const [run, consumed] = (""" + _MARKS + """)();
  return !!app && app.dataset.testScriptState === 'notRunning' && app.dataset.testConnectionState === 'CONNECTED'
    && run > after && consumed > uploads;
}"""


def _marks(page) -> tuple[int, int]:
    """(last completed run's number, consumed uploads) as the app last wrote them ((-1, -1) before)."""
    return tuple(page.evaluate(_MARKS))


def wait_rerun_done(page, timeout: float = 15_000, *, after: int = -1, uploads_after: int = -1) -> None:
    """Wait until Streamlit is not running the script and the app has completed a panel run numbered above
    `after` (and consumed more than `uploads_after` uploads). The app makes no st.rerun after a mark in the
    same run (designer.ui.panels), so a run stopped early, which leaves Streamlit briefly 'notRunning', has
    written no higher number; stale elements are removed only when a run completes."""
    page.wait_for_function(_APP_IDLE, arg=[after, uploads_after], timeout=timeout)


@contextlib.contextmanager
def app_run(page, timeout: float = 15_000, *, upload: bool = False) -> Iterator[None]:
    """Wrap one user action that makes the app rerun: on exit, wait until the run it caused (or a later
    one) has completed; with `upload`, until the app has also consumed the uploaded file. Reading the
    page right after a click could see the previous run's elements."""
    runs, uploads = _marks(page)
    yield
    wait_rerun_done(page, timeout, after=runs, uploads_after=uploads if upload else -1)


HOOK = "window.__dagCanvas && window.__dagCanvas.canvas"


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# Settled: Streamlit is not running, the app has completed a run, and the canvas (if the page has one)
# has drawn the payload of the canvas panel's last run and has no op waiting for Python and no layout running.
_SETTLED = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testScriptState !== 'notRunning' || app.dataset.testConnectionState !== 'CONNECTED'
      || !document.querySelector('.dd-run')) return false;
  const canvas = window.__dagCanvas && window.__dagCanvas.canvas;
  if (!canvas) return true;
  // The canvas panel's mark, or the page's in an app without panels (the canvas demo).
  const mark = document.querySelector(".dd-run[data-panel='canvas']") || document.querySelector(".dd-run");
  const drawn = canvas.syncedRun();
  return canvas.idle() && (drawn === null || drawn >= Number(mark.dataset.run));
}"""


def settle(page, timeout: float = 15_000) -> None:
    """Wait until the app has finished its runs and the canvas shows the last one, with nothing pending."""
    page.wait_for_function(_SETTLED, timeout=timeout)


def show_canvas(page) -> None:
    """Scroll the page so the canvas starts at the top of the window (node boxes are window coordinates)."""
    page.locator(".dagc-toolbar").first.evaluate("el => el.scrollIntoView({block: 'start'})")
    # Scroll events arrive on the next frame and the canvas re-measures itself on the one after.
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => "
                  "requestAnimationFrame(done))))")


def box(page, node_id: str) -> dict:
    b = page.evaluate("(id) => window.__dagCanvas.canvas.box(id)", node_id)
    assert b is not None, f"{node_id} is not drawn"
    return b


def drag(page, start: tuple[float, float], end: tuple[float, float], steps: int = 12) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    for k in range(1, steps + 1):
        page.mouse.move(start[0] + (end[0] - start[0]) * k / steps, start[1] + (end[1] - start[1]) * k / steps)
    page.mouse.up()


def draw_edge(page, source: str, target: str, *, source_at=None, target_at=None) -> None:
    """Hover the source, then drag its handle (the green dot) onto the target.

    By default both points are box centres; for a group, pass a point on its own frame (the centre
    is usually one of its members, and the innermost box under the pointer wins).
    """
    show_canvas(page)
    s, t = box(page, source), box(page, target)
    sx, sy = source_at or (s["cx"], s["cy"])
    page.mouse.move(sx, sy)
    page.mouse.move(sx + 2, sy + 1)
    handle = page.locator(".dagc-handle")
    handle.wait_for(state="visible", timeout=3000)
    h = handle.bounding_box()
    drag(page, (h["x"] + h["width"] / 2, h["y"] + h["height"] / 2), target_at or (t["cx"], t["cy"]))
