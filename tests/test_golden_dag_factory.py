"""Golden files: every valid sample's dag-factory export, kept under tests/golden/<sample>/dag-factory/.

A change in the output shows up in review as a diff of these files. Refresh them after an intended change:
    UPDATE_GOLDEN=1 bash scripts/test.sh tests/test_golden_dag_factory.py
"""

from __future__ import annotations

import difflib
import os
import shutil

import pytest

from designer.storage import load_design
from exporters import export
from tests.conftest import ROOT, sample_paths

GOLDEN = ROOT / "tests" / "golden"
REFRESH = "UPDATE_GOLDEN=1 bash scripts/test.sh tests/test_golden_dag_factory.py"
REFRESH_DIRECT = "UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_dag_factory.py"


@pytest.mark.parametrize("sample", sample_paths(valid_only=True), ids=lambda p: p.stem)
def test_dag_factory_export_matches_the_golden_files(sample):
    files = export(load_design(sample), "dag-factory")
    folder = GOLDEN / sample.stem / "dag-factory"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.rmtree(folder, ignore_errors=True)
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8")
        return
    problems = []
    for rel, text in sorted(files.items()):
        golden = folder / rel
        if not golden.is_file():
            problems.append(f"missing golden file {golden.relative_to(ROOT)}")
            continue
        old = golden.read_text(encoding="utf-8")
        if old != text:
            diff = difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                        f"golden/{rel}", f"export/{rel}")
            problems.append("".join(diff))
    stale = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    problems += [f"golden file no longer produced: {rel}" for rel in stale if rel not in files]
    if problems:
        pytest.fail("\n".join(problems) + "\nIf the change is intended, refresh the golden files with:\n"
                    f"  {REFRESH}\n  (or, without the setup step: {REFRESH_DIRECT})")
