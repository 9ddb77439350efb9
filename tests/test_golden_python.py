"""Golden files: every valid sample x {python, python-airflow2, tests} has checked-in expected output
under tests/golden/<sample>/<target>/<path>. Refresh them after an intended change with
`UPDATE_GOLDEN=1 bash scripts/test.sh tests/test_golden_python.py` and review the diff."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from designer.storage import load_design
from exporters import export
from tests.conftest import ROOT, sample_paths

GOLDEN = ROOT / "tests" / "golden"
TARGETS = ("python", "python-airflow2", "tests")
REFRESH = "UPDATE_GOLDEN=1 bash scripts/test.sh tests/test_golden_python.py"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
SAMPLES = sample_paths(valid_only=True)


def _rendered(sample: Path, target: str) -> dict[Path, str]:
    return {GOLDEN / sample.stem / target / rel: text for rel, text in export(load_design(sample), target).items()}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_export_matches_golden_file(sample, target):
    for path, text in _rendered(sample, target).items():
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            continue
        if not path.exists():
            pytest.fail(f"missing golden file {path.relative_to(ROOT)}; create it with:\n  {REFRESH}")
        golden = path.read_text(encoding="utf-8")
        if golden != text:
            diff = difflib.unified_diff(golden.splitlines(keepends=True), text.splitlines(keepends=True),
                                        f"golden/{path.relative_to(GOLDEN)}", "exported now")
            pytest.fail(f"{path.relative_to(ROOT)} differs from the export:\n{''.join(list(diff)[:200])}\n"
                        f"If the change is intended, refresh the golden files with:\n  {REFRESH}")


def test_no_stale_golden_files():
    expected = {path for sample in SAMPLES for target in TARGETS for path in _rendered(sample, target)}
    present = {p for target in TARGETS for p in GOLDEN.glob(f"*/{target}/**/*") if p.is_file()}
    stale = sorted(present - expected)
    if UPDATE:
        for path in stale:
            path.unlink()
        return
    assert not stale, f"golden files no sample produces: {[str(p.relative_to(ROOT)) for p in stale]}; run {REFRESH}"
