"""Fixtures for the browser tests: one demo server and one Chromium per module, a fresh page per test."""

from __future__ import annotations

import pytest

from tests.browser.harness import ARTIFACTS, ROOT, launch_chromium, streamlit_server

DEMO_APP = ROOT / "designer" / "ui" / "canvas" / "demo_app.py"


@pytest.fixture(scope="module")
def demo_url():
    with streamlit_server(DEMO_APP) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed  # read by `page` to save a screenshot of the failure
    return report


@pytest.fixture
def page(chromium, request):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.errors = []  # uncaught exceptions in the page; tests assert there are none
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    try:
        yield page
        if getattr(request.node, "call_failed", False):
            page.screenshot(path=str(ARTIFACTS / f"FAILED_{request.node.name}.png"))
    finally:
        context.close()
