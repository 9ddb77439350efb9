"""Code-base rules: the core (model, analysis, storage, exporters, CLI) never imports Streamlit; ruff passes."""

import subprocess
import sys

from tests.conftest import ROOT

CORE = ["designer.model", "designer.storage", "designer.analysis", "designer.cli", "designer.operators",
        "designer.dag_folder", "designer.diff",
        "exporters", "exporters.graphviz_dot", "exporters.design_file"]


def test_core_modules_do_not_import_streamlit():
    code = "import sys\n" + "".join(f"import {m}\n" for m in CORE) + "print('streamlit' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert proc.stdout.strip() == "False"


def test_the_code_base_is_ruff_clean():
    """Our own code is held to the standard of the code it generates (rules in pyproject.toml)."""
    paths = ["designer", "exporters", "tests", "bench", "scripts", "streamlit_app.py"]
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "ruff"), "check", "--no-cache", *paths],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:]
