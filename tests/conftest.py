from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_configs"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from designer.generation import config_beside, is_config_file  # noqa: E402  (after the path is set)


def sample_paths(valid_only: bool = False) -> list[Path]:
    """The sample designs (template designs and their generation configs are not designs until rendered)."""
    paths = sorted(p for p in SAMPLES.glob("*.yaml") if not is_config_file(p) and config_beside(p) is None)
    return [p for p in paths if not (valid_only and p.name.startswith("INVALID_"))]


@pytest.fixture(autouse=True)
def _workspace_in_tmp(tmp_path_factory, monkeypatch):
    """The app's workspace (designer.workspace) goes to a fresh temporary folder in every test, never to
    workspace/ in the repository; servers started by browser tests inherit it."""
    monkeypatch.setenv("DAG_DESIGNER_WORKSPACE", str(tmp_path_factory.mktemp("workspace")))
    monkeypatch.delenv("DAG_DESIGNER_WORKSPACE_REMOTE", raising=False)
    monkeypatch.delenv("DAG_DESIGNER_LOGIN", raising=False)


def pytest_configure(config: pytest.Config) -> None:
    # Servers started by module-scoped fixtures (before the fixture above applies) use a throwaway workspace too.
    folder = tempfile.mkdtemp(prefix="dd-workspace-")
    os.environ["DAG_DESIGNER_WORKSPACE"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    config.addinivalue_line("markers", "slow: runs real Airflow end to end or other slow work (kept in CI)")
    config.addinivalue_line("markers", "airflow2: needs the Airflow 2.11 virtualenv (created on demand)")
    config.addinivalue_line("markers", "browser: drives Chromium with Playwright")
