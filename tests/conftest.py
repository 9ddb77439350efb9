from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_configs"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def sample_paths(valid_only: bool = False) -> list[Path]:
    paths = sorted(SAMPLES.glob("*.yaml"))
    return [p for p in paths if not (valid_only and p.name.startswith("INVALID_"))]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: runs real Airflow end to end or other slow work (kept in CI)")
    config.addinivalue_line("markers", "airflow2: needs the Airflow 2.11 virtualenv (created on demand)")
    config.addinivalue_line("markers", "browser: drives Chromium with Playwright")
