"""The app page, driven by Streamlit's AppTest (no browser)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def test_starts_with_a_sample_loaded(app):
    assert app.title[0].value == "nested_taskgroups"
    assert {m.label: m.value for m in app.metric}["Tasks"] == "7"
    assert "cluster_data_processing" in app.get("graphviz_chart")[0].proto.spec


def test_gallery_opens_the_invalid_sample_and_shows_the_cycle(app):
    app.selectbox(key="sample_choice").select("INVALID_cycle_through_group.yaml").run()
    assert not app.exception
    assert app.title[0].value == "invalid_cycle_through_group"
    assert any("DD005" in md.value and "ingest.fetch -> ingest.store -> report" in md.value for md in app.markdown)
    assert {m.label: m.value for m in app.metric}["Depth"] == "cycle"


def test_critical_path_toggle_fills_the_path(app):
    app.toggle[0].set_value(True).run()
    assert '#ffe8a3' in app.get("graphviz_chart")[0].proto.spec
