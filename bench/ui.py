"""Benchmark of the real app (streamlit_app.py) in Chromium: opening big designs, editing them, bytes sent.

    .venv/bin/python bench/ui.py [--sizes 50,500,2000] [--repeat 5]

For random layered designs (bench/designs.py) of each size it prints:
1. first canvas: the design YAML uploaded through the sidebar's file uploader until the canvas has
   drawn the run that opened it and Python has stored the positions (canvas idle, rerun finished):
   below 300 tasks ELK lays the design out in the browser, from 300 Python does and the design opens
   with its groups collapsed (they are then expanded, untimed, for the edits).
2. edit round trip: from the edit until the Findings panel shows the cycle finding DD005 and the
   canvas is idle (--repeat edits, each undone with the app's "↶ Undo" button; median and range):
   - "mouse": an edge drawn with the mouse from a task back to one of its ancestors. The view is
     first fitted to the two boxes (through the test hook, as a user would zoom and pan), and the
     pair spans as many layers as fit on screen at zoom >= MIN_ZOOM: ELK puts layers of a big
     design ~2,500 px apart, so at 2,000 tasks that is one layer back.
   - "connect()": last layer -> a first-layer ancestor, the issue's example, which no zoom shows
     at once at 2,000 tasks; the op goes through the canvas' own code path (`connect`, what the
     mouse gesture calls), so only the pointer events are skipped.
   "rerun done" is when Streamlit has also finished the run; "script ms" the run marks' time of the
   panels the edit reran (designer.ui.panels), which are named.
3. the websocket bytes the browser receives for one edit's rerun, and the canvas' messages among them
   (a versioned delta, designer/ui/canvas/delta.py), beside the whole canvas payload of that design.
4. the initial page load of the default sample, --repeat times, each in a new browser context (after
   one untimed load: the server's first session imports the app).
It also checks that no full re-layout (ELK) ran during the edits. Targets (issue 12), each printed with
its median and range: edit -> findings under 200 ms at 50 and 500 tasks and under 600 ms at 2,000;
websocket bytes per edit under 20 KB at every size; initial page load under 2 s; no re-layout on edits.

The browser window is 1920 x 1080. Designs of fewer than 500 tasks use layers of n/5 tasks (not
100), so they have layers to close a cycle across. Uses the browser tests' harness: Debian's
/usr/bin/chromium, and a server on a free port that is stopped by its PID.

Last measured (2 cores, nothing else running; 5 repeats, median (range)): edit -> findings by mouse
119 (109-166) / 165 (136-239) / 305 (282-487) ms at 50 / 500 / 2,000 tasks, by connect() 99 / 153 / 412
ms; 7.4 / 7.4 / 7.7 KB received per edit (the canvas' share 1.0 KB) against whole payloads of 9 / 86 /
386 KB; initial page load 1.24 s (1.18-1.25); no re-layout during edits; first canvas 0.84 / 0.72 /
2.12 s. Before this work (issue 12's table): 548 / 704 / 2,044 ms, 19 / 101 / 399 KB, 4.1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.designs import layered_design  # noqa: E402
from designer import edits  # noqa: E402
from designer.model import Design  # noqa: E402
from designer.storage import dump_design  # noqa: E402
from designer.ui.canvas.payload import canvas_payload  # noqa: E402
from tests.browser import harness  # noqa: E402

TARGETS_MS = {50: 200, 500: 200, 2000: 600}  # edit round trip (issue 12)
TARGET_WS_KB = 20  # websocket bytes per edit, at every size (issue 12)
TARGET_LOAD_S = 2.0  # initial page load of the default sample (issue 12)
UPLOAD_LIMIT = 2 * 1024 * 1024  # .streamlit/config.toml: maxUploadSize = 2 (MB)
VIEWPORT = {"width": 1920, "height": 1080}  # a common desktop screen
SLOW = 120_000  # ms: generous waits, a 2,000-task layout on a busy 2-core machine takes a while
CANVAS = "window.__dagCanvas.canvas"
MIN_ZOOM = 0.3  # a 90 x 40 px task box is then 27 x 12 px on screen: small, but it can be aimed at
BOX = (120, 50)  # model pixels: a task box with some room around it
VIEW_MARGIN = 60  # screen pixels kept free around the two boxes when the view is fitted to them
FINDINGS_HAVE = ("(code) => { const tabs = document.querySelectorAll(\"[data-testid='stTabs']\");"
                 " return tabs.length > 0 && tabs[tabs.length - 1].textContent.includes(code); }")


def bench_design(n: int) -> tuple[Design, int]:
    """The design of `n` tasks and its layer width."""
    width = min(100, max(2, n // 5))
    return layered_design(n, width=width), width


def ancestry(design: Design, width: int) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Layer number and ancestors of every task."""
    ups: dict[str, list[str]] = defaultdict(list)
    for e in design.edges:
        ups[e.downstream].append(e.upstream)
    layer = {t.id: i // width for i, t in enumerate(design.tasks)}
    ancestors: dict[str, set[str]] = {}
    for t in design.tasks:  # in layer order, and edges only go to the next layer
        ancestors[t.id] = set(ups[t.id]).union(*(ancestors[u] for u in ups[t.id]))
    return layer, ancestors


def mouse_pairs(design: Design, width: int, positions: dict, view: dict, count: int) -> list[tuple[str, str]]:
    """`count` (task, one of its ancestors) pairs that fit on screen together (see the module docstring).

    Pairs span as many layers as possible while both boxes fit in the canvas (`view`: its size in
    pixels) at a zoom of at least MIN_ZOOM; distinct tasks first, then repeats."""
    layer, ancestors = ancestry(design, width)
    candidates, best = [], 0.0
    for task, above in ancestors.items():
        p = positions[task]
        for a in above:
            q = positions[a]
            zoom = min((view["w"] - 2 * VIEW_MARGIN) / (abs(p["x"] - q["x"]) + BOX[0]),
                       (view["h"] - 2 * VIEW_MARGIN) / (abs(p["y"] - q["y"]) + BOX[1]))
            best = max(best, zoom)
            if zoom >= MIN_ZOOM:
                candidates.append((layer[task] - layer[a], zoom, task, a))
    if not candidates:
        raise SystemExit(f"{len(design.tasks)} tasks: no task and ancestor fit in the canvas at zoom {MIN_ZOOM}"
                         f" (at most {best:.2f}; canvas {view})")
    candidates.sort(key=lambda c: (-c[0], -c[1]))
    picked, used = [], set()
    for _gap, _zoom, task, ancestor in candidates:
        if task not in used:
            used.add(task)
            picked.append((task, ancestor))
        if len(picked) == count:
            break
    return [picked[k % len(picked)] for k in range(count)]


def long_pairs(design: Design, width: int, count: int) -> list[tuple[str, str]]:
    """(last-layer task, its first-layer ancestor with the smallest number) for `count` tasks."""
    layer, ancestors = ancestry(design, width)
    last = [t.id for t in design.tasks if layer[t.id] == max(layer.values())][:count]
    order = {t.id: i for i, t in enumerate(design.tasks)}
    return [(task, min((a for a in ancestors[task] if layer[a] == 0), key=order.get)) for task in last]


class Frames:
    """Bytes of the websocket frames the page receives (Streamlit's ForwardMsgs), and of the canvas messages
    in them (the component's JSON `data`, found by how a message starts)."""

    CANVAS_STARTS = ('{"version": 2, "stream": "', '{"version": 2, "instance": "')  # a delta, a whole payload

    def __init__(self, page) -> None:
        self.bytes = self.canvas_bytes = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.bytes += len(data)
        text = data.decode("utf-8", errors="replace")
        for start in self.CANVAS_STARTS:
            at = text.find(start)
            if at >= 0:
                _, end = json.JSONDecoder().raw_decode(text, at)
                self.canvas_bytes += len(text[at:end].encode())

    def take(self) -> int:
        value, self.bytes = self.bytes, 0
        return value

    def take_canvas(self) -> int:
        value, self.canvas_bytes = self.canvas_bytes, 0
        return value


def canvas(page, expression: str):
    return page.evaluate(f"() => {CANVAS}.{expression}")


def first_load(page, url: str) -> float:
    """Seconds from navigation until the default sample is drawn, stored and the rerun done."""
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(f"() => {harness.HOOK} && {CANVAS}.counts().tasks > 0 && {CANVAS}.idle()", timeout=SLOW)
    harness.wait_rerun_done(page, SLOW)
    return time.perf_counter() - start


def open_design(page, design: Design, n: int) -> float:
    """Upload the design's YAML in the sidebar; seconds until it is drawn, placed and stored (the canvas
    has drawn the run that opened it, with nothing left to send). A big design opens laid out by Python
    with its groups collapsed: they are then expanded (not timed), as edits need every task on screen."""
    data = dump_design(design).encode()
    assert len(data) < UPLOAD_LIMIT, f"{n} tasks: {len(data)} bytes of YAML exceed the 2 MB upload limit"
    uploader = page.locator("[data-testid='stSidebar'] input[type=file]")
    start = time.perf_counter()
    with harness.app_run(page, SLOW, upload=True):
        uploader.set_input_files(files=[{"name": f"bench_{n}.yaml", "mimeType": "application/x-yaml", "buffer": data}])
    harness.settle(page, SLOW)
    seconds = time.perf_counter() - start
    assert canvas(page, "counts().tasks") == n
    if canvas(page, "counts().proxies"):
        with harness.app_run(page, SLOW):
            page.get_by_role("button", name="Expand all").click()
        harness.settle(page, SLOW)
    return seconds


def frame_view(page, ids: tuple[str, str]) -> float:
    """Fit the canvas' view to two boxes (at most 1:1); returns the zoom."""
    zoom = page.evaluate(f"(ids) => {{ const cy = {CANVAS}.cy; const both = cy.$id(ids[0]).union(cy.$id(ids[1]));"
                         f" cy.fit(both, {VIEW_MARGIN}); if (cy.zoom() > 1) {{ cy.zoom(1); cy.center(both); }}"
                         " return cy.zoom(); }", list(ids))
    harness.show_canvas(page)
    return zoom


def press_edge(page, source: str, target: str) -> None:
    """Everything of drawing source -> target with the mouse but the release: hover the source, drag
    its handle onto the target (harness.draw_edge, with the mouse still down)."""
    s, t = harness.box(page, source), harness.box(page, target)
    page.mouse.move(s["cx"], s["cy"])
    page.mouse.move(s["cx"] + 2, s["cy"] + 1)
    handle = page.locator(".dagc-handle")
    handle.wait_for(state="visible", timeout=5000)
    h = handle.bounding_box()
    start, end, steps = (h["x"] + h["width"] / 2, h["y"] + h["height"] / 2), (t["cx"], t["cy"]), 12
    page.mouse.move(*start)
    page.mouse.down()
    for k in range(1, steps + 1):
        page.mouse.move(start[0] + (end[0] - start[0]) * k / steps, start[1] + (end[1] - start[1]) * k / steps)


def cycle_edit(page, frames: Frames, source: str, target: str, *, mouse: bool) -> dict:
    """Add the edge source -> target (a cycle) and time it until DD005 is shown and the canvas is idle."""
    zoom = None
    if mouse:
        zoom = frame_view(page, (source, target))
        press_edge(page, source, target)
    frames.take()
    frames.take_canvas()
    marks = panel_marks(page)
    start = time.perf_counter()
    if mouse:
        page.mouse.up()
    else:
        page.evaluate(f"([u, d]) => {CANVAS}.canvas.connect(u, d)", [source, target])
    try:
        page.wait_for_function(f"([u, d]) => {CANVAS}.hasEdge(u, d) && {CANVAS}.idle() && ({FINDINGS_HAVE})('DD005')",
                               arg=[source, target], timeout=SLOW, polling=10)
    except Exception:
        explain(page, f"edge {source} -> {target}", source, target)
        raise
    shown = time.perf_counter() - start
    harness.wait_rerun_done(page, SLOW)
    done = time.perf_counter() - start
    page.wait_for_timeout(300)  # let the last frames' events reach Python before counting
    after = panel_marks(page)
    rerun = sorted(key for key in after if after[key][0] > marks.get(key, (-1, 0))[0])
    script_ms = sum(after[key][1] for key in rerun)
    return {"ms": shown * 1000, "done_ms": done * 1000, "bytes": frames.take(), "canvas_bytes": frames.take_canvas(),
            "zoom": zoom, "script_ms": script_ms, "panels": rerun,
            "sync_ms": canvas(page, "state().lastSyncMs"), "ack_ms": canvas(page, "state().lastAckMs")}


def panel_marks(page) -> dict[str, tuple[int, int]]:
    """Each panel's (run number, milliseconds) from its last run mark (designer.ui.panels)."""
    return {k: tuple(v) for k, v in page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.dd-run[data-panel]')]"
        ".filter((m) => m.dataset.panel !== 'page')"
        ".map((m) => [m.dataset.panel, [Number(m.dataset.run), Number(m.dataset.ms)]]))").items()}


def explain(page, what: str, source: str, target: str) -> None:
    """Say why a wait failed, with a screenshot (test-artifacts/browser/bench_ui_failure.png)."""
    page.screenshot(path=str(harness.ARTIFACTS / "bench_ui_failure.png"))
    facts = page.evaluate(f"([u, d]) => ({{edge: {CANVAS}.hasEdge(u, d), idle: {CANVAS}.idle(), "
                          f"state: {CANVAS}.state(), dd005: ({FINDINGS_HAVE})('DD005')}})", [source, target])
    print(f"waiting for {what} failed: {facts}", file=sys.stderr)


def undo(page, source: str, target: str) -> None:
    page.get_by_role("button", name="↶ Undo", exact=True).click()
    page.wait_for_function(f"([u, d]) => !{CANVAS}.hasEdge(u, d) && {CANVAS}.idle() && !({FINDINGS_HAVE})('DD005')",
                           arg=[source, target], timeout=SLOW)
    harness.wait_rerun_done(page, SLOW)


def payload_size(design: Design, page, edge: tuple[str, str]) -> int:
    """JSON length of the canvas payload for the design as stored after layout, with one cycle edge."""
    positions = {k: (round(p["x"]), round(p["y"])) for k, p in canvas(page, "positions()").items()}
    return len(json.dumps(canvas_payload(edits.connect(edits.set_positions(design, positions), *edge))))


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def measure(browser, url: str, n: int, repeat: int) -> dict:
    design, width = bench_design(n)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    frames = Frames(page)
    try:
        first_load(page, url)
        open_s = open_design(page, design, n)
        state = canvas(page, "state()")
        view = page.evaluate(f"() => ({{w: {CANVAS}.cy.width(), h: {CANVAS}.cy.height()}})")
        layer, _ = ancestry(design, width)
        by_mouse = mouse_pairs(design, width, canvas(page, "positions()"), view, repeat)
        mouse, direct = [], []
        for source, target in by_mouse:
            mouse.append(cycle_edit(page, frames, source, target, mouse=True))
            undo(page, source, target)
        for source, target in long_pairs(design, width, repeat):
            direct.append(cycle_edit(page, frames, source, target, mouse=False))
            undo(page, source, target)
        relayouts = canvas(page, "state().layouts") - state["layouts"]
        assert not errors, errors
        return {
            "tasks": n, "edges": len(design.edges), "yaml_kb": len(dump_design(design)) / 1024,
            "open_s": open_s, "elk_ms": state["lastLayoutMs"],
            "mouse_ms": med(mouse, "ms"), "mouse_min": min(r["ms"] for r in mouse),
            "mouse_max": max(r["ms"] for r in mouse), "done_ms": med(mouse, "done_ms"),
            "ack_ms": med(mouse, "ack_ms"), "sync_ms": med(mouse, "sync_ms"), "script_ms": med(mouse, "script_ms"),
            "ws_kb": med(mouse, "bytes") / 1024, "canvas_kb": med(mouse, "canvas_bytes") / 1024,
            "zoom": min(r["zoom"] for r in mouse), "layers": min(layer[u] - layer[d] for u, d in by_mouse),
            "long_ms": med(direct, "ms"), "long_layers": max(layer.values()),
            "payload_kb": payload_size(design, page, by_mouse[0]) / 1024, "relayouts": relayouts,
            "mouse": [r["ms"] for r in mouse], "long": [r["ms"] for r in direct],
            "ws": [r["bytes"] / 1024 for r in mouse], "panels": mouse[-1]["panels"],
        }
    finally:
        context.close()


def first_loads(browser, url: str, repeat: int) -> list[float]:
    """Seconds of `repeat` initial page loads of the default sample, each in a new browser context."""
    loads = []
    for _ in range(repeat):
        context = browser.new_context(viewport=VIEWPORT)
        try:
            loads.append(first_load(context.new_page(), url))
        finally:
            context.close()
    return loads


def spread(values: list[float], unit: str, digits: int = 0) -> str:
    return (f"median {statistics.median(values):.{digits}f} {unit} (range {min(values):.{digits}f}-"
            f"{max(values):.{digits}f}, {len(values)} runs)")


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(rows: list[dict], loads: list[float], repeat: int) -> None:
    header = (f"{'tasks':>5} {'edges':>5} {'yaml KB':>7} | {'first canvas s':>14} {'ELK ms':>6} | "
              f"{'mouse edit ms':>13} {'(min-max)':>11} {'rerun done':>10} {'script ms':>9} {'ack ms':>6} "
              f"{'sync ms':>7} | "
              f"{'connect() ms':>12} | {'ws KB/edit':>10} {'canvas KB':>9} {'payload KB':>10} | {'re-layouts':>10}")
    print(header)
    print("-" * len(header))
    for r in rows:
        span = f"({r['mouse_min']:.0f}-{r['mouse_max']:.0f})"
        print(f"{r['tasks']:>5} {r['edges']:>5} {r['yaml_kb']:>7.0f} | {r['open_s']:>14.2f} {r['elk_ms'] or '-':>6} | "
              f"{r['mouse_ms']:>13.0f} {span:>11} {r['done_ms']:>10.0f} {r['script_ms']:>9.0f} {r['ack_ms']:>6.0f} "
              f"{r['sync_ms']:>7.0f} | "
              f"{r['long_ms']:>12.0f} | {r['ws_kb']:>10.1f} {r['canvas_kb']:>9.1f} {r['payload_kb']:>10.0f} | "
              f"{r['relayouts']:>10}")
    print(f"edits: median of {repeat}, each from the edit until DD005 is in Findings and the canvas is idle.")
    print("  mouse: drawn back to an ancestor "
          + "; ".join(f"{r['layers']} layer(s) up at zoom >= {r['zoom']:.2f} ({r['tasks']} tasks)" for r in rows))
    print("  connect(): last layer -> first layer, by the canvas' connect() without pointer events: "
          + "; ".join(f"{r['long_layers']} layers up ({r['tasks']} tasks)" for r in rows))
    print("  script: the page's own time for the edit's run (the run marks of the panels it reran: "
          + "; ".join(f"{', '.join(r['panels'])} ({r['tasks']} tasks)" for r in rows) + "); "
          "ack: op sent -> Python's answer in the canvas; sync: the canvas applying it; "
          "ws KB: websocket bytes received for a mouse edit's rerun, canvas KB: the canvas messages among them; "
          "payload KB: the whole canvas_payload as JSON")
    for r in rows:
        target = TARGETS_MS.get(r["tasks"])
        if target is not None:
            worst = max(r["mouse_ms"], r["long_ms"])
            print(f"target: edit -> findings < {target} ms at {r['tasks']} tasks: by mouse "
                  f"{spread(r['mouse'], 'ms')}; by connect() {spread(r['long'], 'ms')}: {verdict(worst < target)}")
    for r in rows:
        print(f"target: websocket bytes per edit < {TARGET_WS_KB} KB at {r['tasks']} tasks: "
              f"{spread(r['ws'], 'KB', 1)}: {verdict(r['ws_kb'] < TARGET_WS_KB)}")
    print(f"target: initial page load < {TARGET_LOAD_S:g} s: {spread(loads, 's', 2)}: "
          f"{verdict(statistics.median(loads) < TARGET_LOAD_S)}")
    for r in rows:
        print(f"target: no full re-layout during {2 * repeat} edits and their undos at {r['tasks']} tasks: "
              f"{r['relayouts']} re-layouts, {verdict(r['relayouts'] == 0)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500,2000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with harness.streamlit_server(ROOT / "streamlit_app.py") as url, sync_playwright() as pw:
        browser = harness.launch_chromium(pw)
        try:
            first_load(browser.new_page(), url)  # the server's first session imports the app's modules
            loads = first_loads(browser, url, args.repeat)
            for n in (int(s) for s in args.sizes.split(",")):
                rows.append(measure(browser, url, n, args.repeat))
                print(f"... {n} tasks measured", file=sys.stderr, flush=True)
        finally:
            browser.close()
    report(rows, loads, args.repeat)


if __name__ == "__main__":
    main()
