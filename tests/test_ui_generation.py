"""The Generate review tab, driven by AppTest: the sample template and config render nine DAGs, one is shown
on a read-only canvas, two are diffed, bad configs show their problems in place, and the download holds every
export."""

from __future__ import annotations

import io
import zipfile

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from designer.ui.generation_panel import CANVAS_KEY, GENERATION_TAB, zip_files
from tests.conftest import ROOT
from tests.support import canvas_held
from tests.test_ui_app import open_tab, run


@pytest.fixture
def panel():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    run(at)
    return open_tab(at, "review_tab", GENERATION_TAB)


def generation_canvas(at) -> dict:
    (element,) = [e for e in at.get("bidi_component") if CANVAS_KEY in e.proto.id]
    return canvas_held.held(at, element)


def test_sample_renders_every_tenant_and_environment(panel):
    (table,) = [frame.value for frame in panel.dataframe]
    assert len(table) == 9
    assert set(table["dag_id"]) == {f"{t}_{e}_pipeline" for t in ("client_a", "client_b", "client_c")
                                    for e in ("dev", "staging", "prod")}
    assert dict(zip(table["dag_id"], table["tasks"], strict=True))["client_b_prod_pipeline"] == 8
    assert not panel.error


def test_picked_rendering_is_drawn_read_only_and_diffed(panel):
    panel.selectbox(key="gen_pick").select("client_b x prod")
    run(panel)
    assert len(generation_canvas(panel)["tasks"]) == 5  # with the optional audit task
    panel.selectbox(key="gen_pick").select("client_a x dev")
    run(panel)
    assert len(generation_canvas(panel)["tasks"]) == 4
    panel.selectbox(key="gen_diff_old").select("client_a x dev")
    panel.selectbox(key="gen_diff_new").select("client_b x prod")
    run(panel)
    texts = [t.value for t in panel.text]
    assert any(t.startswith("From client_a x dev to client_b x prod: different") for t in texts)
    code = "\n".join(c.value for c in panel.code)
    assert "task audit added" in code and "task transform" in code


def test_config_problems_are_shown_in_place(panel):
    panel.text_area(key="gen_config").input("tenants: [a, a]\n")
    run(panel)
    assert any("tenant 'a' is listed twice" in e.value for e in panel.error)
    panel.text_area(key="gen_config").input(yaml.safe_dump({"tenants": ["a"], "environments": ["dev"]}))
    run(panel)
    assert any("'dict object' has no attribute" in e.value and "tenant 'a', environment 'dev'" in e.value
               for e in panel.error)
    panel.text_area(key="gen_config").input("tenant_source: {table: t, database: x.db}\n")
    run(panel)
    assert any("command line only" in e.value for e in panel.error)


def test_download_holds_every_export(panel):
    panel.selectbox(key="gen_target").select("factory")
    run(panel)
    button = panel.get("download_button")[0]
    assert "Download 2 files" in button.proto.label


def test_zip_is_deterministic_and_holds_the_files():
    files = {"dags/b.py": "b\n", "dags/a.json": "{}\n"}
    data = zip_files(files)
    assert data == zip_files(dict(reversed(files.items())))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["dags/a.json", "dags/b.py"]
        assert archive.read("dags/b.py") == b"b\n"
