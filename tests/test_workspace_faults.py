"""Fault test: the process saving designs is killed with SIGKILL at random points, 50 times, during a stream of
edits, draft writes (autosave) and saves, running the same Workspace methods the app runs
(tests/support/workspace_worker.py). After each kill, before anything repairs the folder:

- `git fsck` passes;
- every design file in the folder, and every draft, loads; each design file equals one of its committed
  versions (a crash between a commit and the mirror write leaves the mirror one version behind, never a
  version that was not committed);
- every save the worker saw complete is a version on main (no lost save);
- every draft the worker saw written is still there (or saved): nothing older than the kill is lost, which
  is stronger than the 2 s the issue allows.

Then the workspace is opened again (the repair a restarted server does) and the next round runs on it. Half
of the kills take the worker's whole process group, so git itself dies mid-command too (stale lock files).
The worker is forked from this process, so each round costs no interpreter start.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from designer.storage import load_design
from designer.workspace import SUFFIX, Workspace
from tests.support.workspace_worker import edit_count, run

pytestmark = pytest.mark.slow

ROUNDS = 50


def _fork_worker(root: Path, log: Path, seed: int) -> int:
    """Start the worker; return its pid once it has opened the workspace and logged its first draft (it
    says so through a pipe: the parent waits for that, not for a time)."""
    ready, tell = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own process group, so the parent can kill it with its git children
        try:
            os.close(ready)
            os.setpgid(0, 0)
            run(root, log, seed, first_draft=lambda: os.write(tell, b"."))
        finally:
            os._exit(1)
    os.close(tell)
    with os.fdopen(ready, "rb") as pipe:
        assert pipe.read(1) == b".", "the worker exited before writing its first draft"
    return pid


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)


def _committed_versions(root: Path, name: str):
    commits = _git(root, "log", "--format=%H", "main", "--", name + SUFFIX).stdout.split()
    return {commit: Workspace(root).load(name, commit) for commit in commits}


def _check_after_crash(root: Path, log: Path, killed_at: float) -> None:
    fsck = _git(root, "fsck", "--no-dangling")
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    ws = Workspace(root)  # read-only look: nothing repaired yet
    drafts, saves = {}, {}
    for line in log.read_text().splitlines():
        kind, name, *rest = line.split("\t")
        if kind == "draft":
            drafts[name] = int(rest[0])
        elif kind == "saved":
            saves.setdefault(name, []).append(rest[0])
    for mirror in root.glob("*" + SUFFIX):
        name = mirror.name.removesuffix(SUFFIX)
        versions = _committed_versions(root, name)
        assert load_design(mirror) in versions.values(), f"{mirror.name} is not one of its committed versions"
    for name, commits in saves.items():
        history = {v.commit for v in ws.history(name)}
        assert set(commits) <= history, f"saves of {name} lost: {set(commits) - history}"
    for name, count in drafts.items():
        draft = ws.read_draft(name)  # loads, or raises
        kept = draft.design if draft is not None else ws.load(name)
        assert edit_count(kept) >= count, f"{name}: edit {count} was written as a draft and is lost"


def test_sigkill_at_random_points_loses_no_save_and_no_draft(tmp_path):
    root, log = tmp_path / "workspace", tmp_path / "log.tsv"
    Workspace.open(root)
    rng = random.Random(int(os.environ.get("FAULT_SEED", "20240610")))
    group_kills, mid_save = 0, 0
    for round_ in range(ROUNDS):
        pid = _fork_worker(root, log, rng.randrange(1 << 30))
        time.sleep(rng.uniform(0.0, 0.5))  # the random point of the kill (the test's subject, not a wait)
        whole_group = round_ % 2 == 0
        os.killpg(pid, signal.SIGKILL) if whole_group else os.kill(pid, signal.SIGKILL)
        killed_at = time.time()
        os.waitpid(pid, 0)
        group_kills += whole_group
        mid_save += log.read_text().splitlines()[-1].startswith("saving")
        _check_after_crash(root, log, killed_at)
        Workspace.open(root)  # what a restarted server does first: repair, then carry on
        assert _git(root, "status", "--porcelain").stdout == "", f"round {round_}: mirror not repaired"
    # The stream really saved, kills landed inside saves, and both kinds of kill ran.
    saved = sum(line.startswith("saved") for line in log.read_text().splitlines())
    assert saved >= ROUNDS and mid_save >= 5 and group_kills == ROUNDS // 2, (saved, mid_save)
