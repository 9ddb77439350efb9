"""The canvas frontend's own unit tests (designer/ui/canvas/frontend/test/*.test.js, node's test runner)
run with the Python suite, so CI runs them on every change."""

import shutil
import subprocess

from tests.conftest import ROOT

FRONTEND = ROOT / "designer" / "ui" / "canvas" / "frontend"


def test_frontend_unit_tests_pass():
    node = shutil.which("node")
    assert node, "node is missing: the canvas is built with node and npm (scripts/setup.sh)"
    tests = sorted(str(p.relative_to(FRONTEND)) for p in (FRONTEND / "test").glob("*.test.js"))
    assert tests, "no frontend unit tests found"
    proc = subprocess.run([node, "--test", *tests], cwd=FRONTEND, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout and "# pass 0" not in proc.stdout, proc.stdout[-2000:]
