"""Measure the canvas at several sizes (not a test): `.venv/bin/python -m tests.browser.measure_canvas 50 500 2000`.

For each size n it opens the demo page with a generated design (`?n=`), and prints: time from
navigation to the canvas drawn and laid out (ELK, since a generated design has no positions) with
the positions stored in Python; ELK's time; the payload size; the edit round trip -- an edge added
on the canvas until Python's model text shows it and the canvas has its acknowledgement -- and its
parts: op sent -> Python's acknowledging data in the canvas, and the canvas' own sync time.
"""

from __future__ import annotations

import json
import sys
import time

from tests.browser.conftest import DEMO_APP
from tests.browser.harness import launch_chromium, streamlit_server, wait_rerun_done


def measure(page, url: str, n: int) -> dict:
    t0 = time.perf_counter()
    page.goto(f"{url}/?n={n}")
    page.wait_for_function("() => window.__dagCanvas && window.__dagCanvas.canvas"
                           " && window.__dagCanvas.canvas.counts().tasks > 0", timeout=120_000)
    page.wait_for_function(f"() => {{ const el = document.querySelector(\"[data-testid='stCode']\");"
                           f" return el && el.innerText.includes('POSITIONED {n} ') }}", timeout=120_000)
    page.wait_for_function("() => window.__dagCanvas.canvas.idle()", timeout=60_000)
    wait_rerun_done(page, 60_000)
    loaded = time.perf_counter() - t0
    state = page.evaluate("() => window.__dagCanvas.canvas.state()")
    payload = page.evaluate("() => JSON.stringify(window.__dagCanvas.canvas.canvas.data).length")
    trips, acks = [], []
    for k in range(3):
        edges_before = page.evaluate("() => window.__dagCanvas.canvas.counts().edges")
        t1 = time.perf_counter()
        page.evaluate(f"() => window.__dagCanvas.canvas.canvas.connect('task_{n - 1}', 'task_{k}')")
        page.wait_for_function(f"() => document.querySelector(\"[data-testid='stCode']\").innerText"
                               f".includes('EDGES {edges_before + 1} ')", timeout=60_000)
        page.wait_for_function("() => window.__dagCanvas.canvas.idle()", timeout=60_000)
        trips.append(round((time.perf_counter() - t1) * 1000))
        acks.append(page.evaluate("() => window.__dagCanvas.canvas.state().lastAckMs"))
        wait_rerun_done(page, 60_000)
    return {"tasks": n, "load_s": round(loaded, 2), "elk_ms": state["lastLayoutMs"],
            "payload_kb": round(payload / 1024), "edit_round_trip_ms": trips, "send_to_ack_ms": acks,
            "js_sync_ms": page.evaluate("() => window.__dagCanvas.canvas.state().lastSyncMs")}


def main(sizes: list[int]) -> None:
    from playwright.sync_api import sync_playwright

    with streamlit_server(DEMO_APP) as url, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for n in sizes:
                page = browser.new_page(viewport={"width": 1400, "height": 1100})
                print(json.dumps(measure(page, url, n)), flush=True)
                page.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 500])
