"""Output paths of `export` and `import`: bad places give one line and exit 2, files are replaced by
rename (a symlink is replaced as a link, never written through), and nothing is left half-written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from designer.storage import load_design
from exporters.bundle import build_bundle
from tests.conftest import ROOT, SAMPLES

SAMPLE = SAMPLES / "linear_etl.yaml"
DF_SOURCE = ROOT / "tests" / "golden" / "linear_etl" / "dag-factory" / "dags" / "dag_linear_etl.yaml"


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "designer", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def commands(out) -> dict[str, list]:
    """Every writing command, aimed at `out`."""
    return {
        "export-folder": ["export", SAMPLE, "--to", "dag-factory", "-o", out],
        "export-bundle": ["export", SAMPLE, "--to", "bundle", "-o", f"{out}.zip"],
        "import": ["import", DF_SOURCE, "-o", f"{out}.design.yaml"],
    }


def leftovers(root) -> list[str]:
    return [str(p) for p in root.rglob(".dd-*.tmp")]


def _bad_places(tmp_path) -> dict[str, tuple[str, str]]:
    """name -> (output base path, reason the OS gives)."""
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    return {
        "below-a-file": (f"{a_file}/sub", "Not a directory"),
        "below-a-file-deeper": (f"{a_file}/x/y/z", "Not a directory"),
        "proc": ("/proc/designer_out/x", "No such file or directory"),
        "sys": ("/sys/designer_out", ""),
        "name-too-long": (f"{tmp_path}/{'n' * 300}", "File name too long"),
        "dir-name-too-long": (f"{tmp_path}/{'d' * 300}/out", "File name too long"),
    }


PLACES = ["below-a-file", "below-a-file-deeper", "proc", "sys", "name-too-long", "dir-name-too-long"]


@pytest.mark.parametrize(("command", "place"), [("export-folder", place) for place in PLACES] + [
    (command, place) for command in ("export-bundle", "import") for place in ("below-a-file", "name-too-long")])
def test_an_output_that_cannot_be_written_gives_one_line_and_exit_two(tmp_path, place, command):
    base, reason = _bad_places(tmp_path)[place]
    proc = run(*commands(base)[command])
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and ": cannot write: " in lines[0], proc.stderr
    assert reason in lines[0]
    assert "Traceback" not in proc.stderr and not leftovers(tmp_path)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(("command", "dangling"), [
    ("export-folder", False), ("export-folder", True), ("export-bundle", False), ("import", True)], ids=str)
def test_a_symlink_at_the_target_is_replaced_as_a_link_never_written_through(tmp_path, command, dangling):
    out = tmp_path / "out"
    args = commands(out)[command]
    proc = run(*args)  # where the command writes, found by running it once
    assert proc.returncode == 0, proc.stderr
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    contents = {p: p.read_bytes() for p in written}
    victim = tmp_path / "elsewhere" / "victim"
    victim.parent.mkdir()
    if not dangling:
        victim.write_bytes(b"keep me")
    for path in written:
        path.unlink()
        path.symlink_to(victim)

    refused = run(*args)
    assert refused.returncode == 1 and "exists and differs; use --force" in refused.stderr
    assert all(p.is_symlink() for p in written)  # without --force nothing changes

    forced = run(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    for path in written:
        assert not path.is_symlink() and path.read_bytes() == contents[path]
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~_umask()
    assert (victim.read_bytes() == b"keep me") if not dangling else not victim.exists()
    assert not leftovers(tmp_path)


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_fifo_or_folder_at_the_target_is_never_opened(tmp_path, kind):
    target = tmp_path / "bundle.zip"
    if kind == "fifo":
        os.mkfifo(target)  # opening it to compare would block
    else:
        target.mkdir()
    proc = run("export", SAMPLE, "--to", "bundle", "-o", target)
    assert proc.returncode == 1 and "exists and differs" in proc.stderr
    forced = run("export", SAMPLE, "--to", "bundle", "-o", target, "--force")
    if kind == "fifo":  # a FIFO is replaced like any other non-file
        assert forced.returncode == 0 and target.read_bytes() == build_bundle(load_design(SAMPLE))
    else:  # a folder never is
        assert forced.returncode == 1 and target.is_dir()


def test_an_unchanged_file_is_not_rewritten(tmp_path):
    out = tmp_path / "d.design.yaml"
    assert run("import", DF_SOURCE, "-o", out).returncode == 0
    before = out.stat()
    proc = run("import", DF_SOURCE, "-o", out)
    assert proc.returncode == 0 and f"unchanged {out}" in proc.stdout
    assert out.stat().st_ino == before.st_ino and out.stat().st_mtime_ns == before.st_mtime_ns
