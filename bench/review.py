"""Review figures (issue 9): importing Airflow DAG files, the first canvas of a big design, and diffs.

    .venv/bin/python bench/review.py [--sizes 1000 2000 5000] [--repeat 3] [--skip-browser]

For random layered designs of EmptyOperator tasks in TaskGroups of 50 (bench/designs.py), per size:
1. import: the design exported to a Python module, then `import_airflow_python` on that file (median
   of --repeat runs): the isolated child's start, Airflow's import, DagBag's parse, the walk, the JSON
   and the designs built from it; and whether the same tasks, groups and edges came back.
2. first canvas, in Chromium against the real app (streamlit_app.py): the imported design (no
   positions, as an import gives) uploaded in the sidebar until the canvas has drawn that run with
   nothing pending (median of --repeat uploads, each into a fresh page). A big design is laid out in
   Python (designer/ui/canvas/layout.py; its time is printed) and opens with its groups collapsed.
   For comparison, measured in the same run: Graphviz `dot` laying out the same graph (TaskGroups as
   clusters, the Graphviz export's DOT); and in the same browser, "Expand all" until every box is
   drawn, and ELK's layout of the whole expanded graph (what the canvas did at first before; the
   toolbar's Re-layout).
3. diff: `diff_designs` of two versions (bench/diff.py: 1% of tasks removed, 1% added, 5% with a
   changed argument, every box moved), median of --repeat runs.

Targets on a 2-core machine: import of 5,000 tasks under 10 s; first canvas under 3 s at 2,000 tasks
and under 6 s at 5,000; diff under 1 s.

Last measured (2 cores, nothing else running; medians of 3), at 1k / 2k / 5k tasks: import 2.06 / 2.40 /
4.52 s; first canvas 1.35 / 2.45 / 4.97 s (of it the page script 87 / 207 / 481 ms and the canvas' sync
172 / 314 / 671 ms); diff 0.012 / 0.026 / 0.071 s; Python layout 13 / 29 / 72 ms against Graphviz dot
0.17 / 0.34 / 1.50 s and ELK in the browser 2.3 / 4.2 / 12.0 s (the whole graph expanded).
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.designs import layered_design  # noqa: E402
from bench.diff import two_versions  # noqa: E402
from designer.diff import diff_designs  # noqa: E402
from designer.importers.airflow_python import import_airflow_python  # noqa: E402
from designer.model import Design  # noqa: E402
from designer.storage import dump_design  # noqa: E402
from designer.ui.canvas.layout import with_layout  # noqa: E402
from exporters import export  # noqa: E402
from exporters.graphviz_dot import to_dot  # noqa: E402
from tests.browser import harness  # noqa: E402

TARGETS = {"import": {5000: 10.0}, "canvas": {2000: 3.0, 5000: 6.0}, "diff": {5000: 1.0}}
VIEWPORT = {"width": 1920, "height": 1080}
SLOW = 300_000  # ms: ELK on 5,000 boxes takes a long while on a busy 2-core machine
CANVAS = "window.__dagCanvas.canvas"
PAGE_MS = "() => Number(document.querySelector(\".dd-run[data-panel='page']\").dataset.ms)"  # a full run's time


def median_time(action, repeat: int) -> tuple[float, object]:
    """(median seconds of `repeat` calls of `action`, its last result)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def imported(design: Design, repeat: int) -> tuple[float, Design]:
    """Median seconds to import `design`'s Python export, and the design the import gave."""
    with tempfile.TemporaryDirectory() as tmp:
        (rel, text), = export(design, "python").items()
        path = Path(tmp) / Path(rel).name
        path.write_text(text, encoding="utf-8")
        seconds, result = median_time(lambda: import_airflow_python(path), repeat)
    (back,) = result.designs
    same = ({(t.id, t.group) for t in back.tasks} == {(t.id, t.group) for t in design.tasks}
            and {g.id for g in back.groups} == {g.id for g in design.groups}
            and len(back.edges) >= len(design.edges))
    assert same, "the import did not give back the design's tasks, groups and edges"
    return seconds, back


def dot_layout_seconds(design: Design, repeat: int) -> float | None:
    """Median seconds of Graphviz `dot` laying out `design` (None when `dot` is not installed)."""
    if shutil.which("dot") is None:
        return None
    text = to_dot(design)
    seconds, _ = median_time(lambda: subprocess.run(["dot", "-Tjson0"], input=text, capture_output=True, text=True,
                                                    check=True), repeat)
    return seconds


def open_in_app(browser, url: str, design: Design) -> dict:
    """Upload `design` into a fresh page; seconds until it is drawn (and the comparison figures)."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(url)
        page.wait_for_function(f"() => {harness.HOOK}", timeout=SLOW)
        harness.settle(page, SLOW)
        layouts = page.evaluate(f"() => {CANVAS}.state().layouts")
        uploader = page.locator("[data-testid='stSidebar'] input[type=file]")
        data = dump_design(design).encode()
        start = time.perf_counter()
        with harness.app_run(page, SLOW, upload=True):
            uploader.set_input_files(files=[{"name": "review.yaml", "mimeType": "application/x-yaml", "buffer": data}])
        harness.settle(page, SLOW)
        first = time.perf_counter() - start
        counts = page.evaluate(f"() => {CANVAS}.counts()")
        assert counts["tasks"] == len(design.tasks), counts
        row = {"first": first, "elk_runs": page.evaluate(f"() => {CANVAS}.state().layouts") - layouts,
               "sync_ms": page.evaluate(f"() => {CANVAS}.state().lastSyncMs"),
               "script_ms": page.evaluate(PAGE_MS),
               "shown": len(page.evaluate(f"() => {CANVAS}.visibleIds()")), "bytes": len(data)}
        start = time.perf_counter()
        with harness.app_run(page, SLOW):
            page.get_by_role("button", name="Expand all").click()
        harness.settle(page, SLOW)
        row["expand_all"] = time.perf_counter() - start
        row["elk_ms"] = page.evaluate(f"async () => {{ await {CANVAS}.canvas.relayout();"
                                      f" return {CANVAS}.state().lastLayoutMs; }}")
        harness.settle(page, SLOW)
        return row
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-browser", action="store_true", help="import and diff figures only")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        design = layered_design(n)
        import_s, back = imported(design, args.repeat)
        layout_s, _ = median_time(lambda back=back: with_layout(back), args.repeat)
        dot_s = dot_layout_seconds(back, args.repeat)
        old, new = two_versions(n)
        gc.collect()
        diff_s, result = median_time(lambda old=old, new=new: diff_designs(old, new), args.repeat)
        rows.append({"n": n, "import": import_s, "layout": layout_s, "dot": dot_s, "diff": diff_s,
                     "changes": len(result.changes), "design": back})
        print(f"... {n} tasks: import and diff measured", file=sys.stderr, flush=True)
    if not args.skip_browser:
        from playwright.sync_api import sync_playwright

        with harness.streamlit_server(ROOT / "streamlit_app.py") as url, sync_playwright() as pw:
            browser = harness.launch_chromium(pw)
            try:
                for row in rows:
                    runs = [open_in_app(browser, url, row["design"]) for _ in range(args.repeat)]
                    row.update({key: statistics.median(r[key] for r in runs) for key in runs[0]})
                    row["range"] = (min(r["first"] for r in runs), max(r["first"] for r in runs))
                    print(f"... {row['n']} tasks: first canvas measured", file=sys.stderr, flush=True)
            finally:
                browser.close()
    report(rows, args.repeat, browser=not args.skip_browser)


def verdict(kind: str, n: int, seconds: float) -> str:
    target = TARGETS[kind].get(n)
    return "" if target is None else f" (< {target:g} s: {'met' if seconds < target else 'NOT met'})"


def report(rows: list[dict], repeat: int, *, browser: bool) -> None:
    print(f"\nmedians of {repeat}; 2-core machine")
    for r in rows:
        n = r["n"]
        print(f"{n:>5} tasks: import {r['import']:.2f} s{verdict('import', n, r['import'])}; "
              f"diff {r['diff']:.3f} s for {r['changes']} changes{verdict('diff', n, r['diff'])}; "
              f"Python layout {r['layout'] * 1000:.0f} ms"
              + ("" if r["dot"] is None else f" (Graphviz dot: {r['dot']:.2f} s, {r['dot'] / r['layout']:.0f}x)"))
        if browser:
            print(f"{'':>12}first canvas {r['first']:.2f} s (range {r['range'][0]:.2f}-{r['range'][1]:.2f})"
                  f"{verdict('canvas', n, r['first'])}: {r['shown']:.0f} boxes shown (groups collapsed), "
                  f"{r['elk_runs']:.0f} ELK runs, {r['bytes'] / 1024:.0f} KB uploaded; of it the page script "
                  f"{r['script_ms']:.0f} ms and the canvas' sync {r['sync_ms']:.0f} ms")
            print(f"{'':>12}for comparison: Expand all {r['expand_all']:.2f} s; ELK layout of the expanded "
                  f"graph {r['elk_ms'] / 1000:.2f} s, {r['elk_ms'] / 1000 / r['layout']:.0f}x the Python layout")


if __name__ == "__main__":
    main()
