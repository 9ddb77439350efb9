"""Git driven through its command line: the few plumbing commands the workspace and publishing need.

Commits are built without the user's index or working tree: blobs are written with `hash-object`, a
tree is made in a temporary index (GIT_INDEX_FILE) from a parent commit's tree, and `commit-tree` plus a
compare-and-swap `update-ref` (or a push) publish it. Nothing here runs hooks or reads the checkout, so
a commit never touches files the user has open, and a ref moves only from the value the caller saw.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ZERO = "0" * 40
GIT_TIMEOUT = 60.0


class GitError(RuntimeError):
    """A git command failed; `str()` is one line: the command and git's own message."""

    def __init__(self, args: list[str], returncode: int, stderr: str) -> None:
        self.args_ = args
        self.returncode = returncode
        self.stderr = stderr
        last = next((line for line in reversed(stderr.strip().splitlines()) if line.strip()), "no message")
        super().__init__(f"git {' '.join(args[:2])} failed ({returncode}): {last.strip()}")


@dataclass(frozen=True)
class Identity:
    """Who a commit is by: name and e-mail address (git refuses neither empty nor with < > or newlines)."""

    name: str = "DAG Designer"
    email: str = "designer@localhost"

    def env(self) -> dict[str, str]:
        name, email = _clean(self.name) or "DAG Designer", _clean(self.email) or "designer@localhost"
        return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable() and ch not in "<>").strip()[:200]


def git(repo: Path, *args: str, data: bytes | None = None, env: Mapping[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run `git -C repo args...`; raise GitError on a non-zero exit (unless check=False)."""
    cmd = ["git", "-C", str(repo), *args]
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    proc = subprocess.run(cmd, input=data, capture_output=True, env=full_env, timeout=GIT_TIMEOUT, check=False)
    if check and proc.returncode != 0:
        raise GitError(list(args), proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc


def out(repo: Path, *args: str, **kwargs) -> str:
    """A git command's standard output as text, without the trailing newline."""
    return git(repo, *args, **kwargs).stdout.decode("utf-8", "replace").rstrip("\n")


def rev(repo: Path, ref: str) -> str | None:
    """The commit `ref` names, or None when it does not exist."""
    proc = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def blob_id(repo: Path, commit: str | None, path: str) -> str | None:
    """The blob id of `path` in `commit`, or None when it is not there."""
    if commit is None:
        return None
    proc = git(repo, "rev-parse", "--verify", "--quiet", f"{commit}:{path}", check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def read_blob(repo: Path, commit: str, path: str) -> bytes:
    return git(repo, "cat-file", "blob", f"{commit}:{path}").stdout


def read_blobs(repo: Path, commit: str, paths: list[str]) -> dict[str, bytes]:
    """path -> bytes of each of `paths` in `commit` that is a file there, read by one git process."""
    if not paths:
        return {}
    request = "".join(f"{commit}:{path}\n" for path in paths).encode("utf-8")
    data = git(repo, "cat-file", "--batch", data=request).stdout
    found, at = {}, 0
    for path in paths:
        end = data.index(b"\n", at)
        header = data[at:end].split(b" ")
        at = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[path] = data[at:at + size]
            at += size + 1
        elif len(header) == 3:  # a tree or other object: skip its content
            at += int(header[2]) + 1
    return found


def write_blob(repo: Path, data: bytes) -> str:
    return out(repo, "hash-object", "-w", "--stdin", data=data)


def commit_files(repo: Path, parent: str | None, files: Mapping[str, bytes | None], message: str,
                 author: Identity) -> str:
    """A new commit: `parent`'s tree with `files` (path -> bytes, or None to remove the path) put in it.
    Only objects are written: no ref moves, the index and working tree are not touched."""
    with tempfile.TemporaryDirectory(prefix="dd-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git(repo, "read-tree", *([parent] if parent else ["--empty"]), env=env)
        for path, data in sorted(files.items()):
            if data is None:
                git(repo, "update-index", "--force-remove", "--", path, env=env)
            else:
                git(repo, "update-index", "--add", "--cacheinfo", f"100644,{write_blob(repo, data)},{path}", env=env)
        tree = out(repo, "write-tree", env=env)
    parents = ["-p", parent] if parent else []
    return out(repo, "commit-tree", tree, *parents, "-F", "-", data=message.encode("utf-8"), env=author.env())


def move_ref(repo: Path, ref: str, new: str, old: str | None) -> bool:
    """Compare-and-swap: point `ref` at `new` if it still names `old` (None: if it does not exist yet).
    False when it moved meanwhile (or exists already)."""
    proc = git(repo, "update-ref", ref, new, old or ZERO, check=False)
    if proc.returncode == 0:
        return True
    if rev(repo, ref) != old:
        return False
    raise GitError(["update-ref", ref], proc.returncode, proc.stderr.decode("utf-8", "replace"))


def clear_stale_locks(git_dir: Path, grace: float = 1.0) -> list[Path]:
    """Remove git lock files a killed git process left behind; call only while holding the lock that every
    git writer of this repository takes (designer.workspace's), so no live git of ours owns them. A lock
    younger than `grace` seconds may belong to a git still finishing after its parent died: it is given
    that long to disappear. Returns the locks removed."""
    import time

    removed = []
    candidates = [git_dir / "index.lock", git_dir / "HEAD.lock", git_dir / "packed-refs.lock",
                  git_dir / "config.lock", *git_dir.glob("refs/**/*.lock")]
    for lock in candidates:
        with contextlib.suppress(FileNotFoundError):
            age = time.time() - lock.stat().st_mtime
            if age < grace:
                time.sleep(grace - age)
            lock.unlink()
            removed.append(lock)
    return removed
