"""The workspace: designs kept as design files in a folder that is a git repository, with drafts beside them.

    <root>/<name>.design.yaml     the last saved version of each design (a mirror of branch main)
    <root>/.drafts/<name>.json    the working draft of a design: {"base": commit, "design": {...}} (ignored by git)
    <root>/.git/                  every saved version: one commit per explicit save

The repository is the truth. A save builds its commit from objects (designer.gitcli.commit_files) and moves
branch main from the version the save started from (compare-and-swap); only then is the mirror file
rewritten (temporary file, fsync, rename). So a crash at any point leaves main at the old or the new
commit, never between, and every design loads as one of its committed versions; a crash between the
commit and the mirror leaves the mirror one version behind until the workspace is next opened, which
rewrites it from main. Drafts are written the same atomic way and never make commits.

Saves are optimistic: a save names the version (the commit that last changed the design) it started
from, and when another session or server saved the design since, `Conflict` is raised with their
design, never a silent overwrite. One lock file per workspace (fcntl.flock on .git/designer.lock) keeps
two sessions or two processes on one machine from interleaving saves; a second one (.git/designer-drafts.lock)
orders draft writes, the choice of a new design's name, and the repair's removal of temporary files, so a
session opening the workspace never removes a draft another session is writing. With a `remote` (a bare repository
that several servers share), every save fetches first and lands only by a fast-forward push, so a save
that raced another server's is retried on top of it, or caught as a conflict when both changed the
same design.

Design names are user input: `check_name` admits safe file names only, so no name reaches outside the
workspace. Nothing here imports Streamlit.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from designer.atomic import is_temp_name, remove_durably, write_atomic
from designer.gitcli import (
    GitError,
    Identity,
    clear_stale_locks,
    commit_files,
    git,
    move_ref,
    out,
    read_blob,
    read_blobs,
    rev,
)
from designer.model import Design
from designer.storage import (
    DesignError,
    LineIndex,
    Problem,
    design_from_document,
    dump_design,
    parse_design,
    read_document,
    read_source,
)

ENV_ROOT = "DAG_DESIGNER_WORKSPACE"
ENV_REMOTE = "DAG_DESIGNER_WORKSPACE_REMOTE"
DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "workspace"
SUFFIX = ".design.yaml"
DRAFTS = ".drafts"
BRANCH = "main"
REF = f"refs/heads/{BRANCH}"
MAX_NAME = 80
SAVE_ATTEMPTS = 10
DRAFTS_LOCK = "designer-drafts.lock"
_GITIGNORE = b"# Working drafts and unfinished writes are not versions.\n/.drafts/\n.dd-*.tmp\n"
_CONFIG = {"core.fsync": "committed,index", "core.fsyncMethod": "fsync", "gc.auto": "0",
           "receive.denyCurrentBranch": "refuse"}


class WorkspaceError(ValueError):
    """A workspace operation refused; `str()` is one line for people."""


class Conflict(WorkspaceError):
    """Another session saved `name` after the version this save started from. `current` is their version,
    `theirs` their design (None when the design is no longer there)."""

    def __init__(self, name: str, base: str | None, current: Version | None, theirs: Design | None) -> None:
        self.name, self.base, self.current, self.theirs = name, base, current, theirs
        who = f"version {current.short} by {current.author}" if current else "a removal"
        since = f"version {base[:7]}" if base else "you started it"
        super().__init__(f"{name} was saved elsewhere ({who}) since {since}: save under another name or reload")


@dataclass(frozen=True)
class Version:
    """One saved version of a design: the commit, when (Unix time), by whom, and its message."""

    commit: str
    time: int
    author: str
    message: str

    @property
    def short(self) -> str:
        return self.commit[:7]


@dataclass(frozen=True)
class Draft:
    """A design's working draft and the saved version it started from (None: never saved)."""

    design: Design
    base: str | None
    written: float


@dataclass(frozen=True)
class Entry:
    """A design in the workspace listing: saved (has versions) and/or has a draft."""

    name: str
    saved: bool
    draft: bool


_NAME_CHARS = re.compile(r"[^\w .-]")


def check_name(name: str) -> str:
    """`name` if it is a safe design name, else WorkspaceError saying why: 1 to MAX_NAME characters,
    letters, digits, `_`, `-`, `.` and spaces; starting with a letter or digit, not ending in `.` or a
    space, no `..`. So a name is one file name that stays inside the workspace (no `/`, NUL, control
    characters, `.git`, `..`)."""
    if not isinstance(name, str) or not name:
        raise WorkspaceError("a design name is needed")
    shown = ascii(name)[1:-1][:MAX_NAME + 10]
    if len(name) > MAX_NAME:
        raise WorkspaceError(f"design name {shown}... is longer than {MAX_NAME} characters")
    bad = sorted({ch for ch in name if _NAME_CHARS.match(ch) or unicodedata.category(ch)[0] in "CZ" and ch != " "})
    if bad:
        listed = " ".join(ascii(ch) for ch in bad)
        raise WorkspaceError(f"design name '{shown}' has characters a design name cannot hold: {listed}")
    if not name[0].isalnum():
        raise WorkspaceError(f"design name '{shown}' must start with a letter or a digit")
    if name.endswith((".", " ")) or ".." in name:
        raise WorkspaceError(f"design name '{shown}' must not end with '.' or a space, nor hold '..'")
    return name


def name_for(text: str) -> str:
    """A valid design name made from any text (a DAG id, say): unsafe characters become `_`."""
    cleaned = re.sub(r"_+", "_", _NAME_CHARS.sub("_", text)).strip(" ._-")[:MAX_NAME].rstrip(" .")
    cleaned = "".join(ch if ch.isprintable() else "_" for ch in cleaned).replace("..", "_")
    return cleaned if cleaned and cleaned[0].isalnum() else f"design_{cleaned}"[:MAX_NAME].rstrip(" ._")


def configured_root() -> Path:
    """The workspace folder: $DAG_DESIGNER_WORKSPACE, else `workspace/` beside the app."""
    return Path(os.environ.get(ENV_ROOT) or DEFAULT_ROOT)


def configured_remote() -> str | None:
    """The shared bare repository several servers push to and pull from ($DAG_DESIGNER_WORKSPACE_REMOTE)."""
    return os.environ.get(ENV_REMOTE) or None


class Workspace:
    """A workspace folder. `Workspace.open` creates it on first use and repairs what a crash left."""

    def __init__(self, root: Path, remote: str | None = None) -> None:
        self.root = Path(root)
        self.remote = remote
        self.git_dir = self.root / ".git"
        self.drafts = self.root / DRAFTS
        self._read: dict[tuple, Any] = {}  # (what, head commit, ...) -> result: a commit never changes

    # --- opening and repair -------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path | str, remote: str | None = None) -> Workspace:
        """The workspace at `root`, created (a git repository with a first commit) when missing; under the
        lock, stale git locks and temporary files a killed process left are removed and the mirror files
        are rewritten from main. With `remote`, main is brought up to date with it."""
        ws = cls(Path(root), remote)
        try:
            ws.root.mkdir(parents=True, exist_ok=True)
            if not ws.git_dir.is_dir():
                git(ws.root, "init", "-q", "-b", BRANCH)
            ws.drafts.mkdir(exist_ok=True)
            with ws._locked():
                for key, value in _CONFIG.items():
                    git(ws.root, "config", key, value)
                if remote:
                    _create_bare(remote)
                    git(ws.root, "config", "remote.origin.url", remote)
                    git(ws.root, "config", "remote.origin.fetch", f"+{REF}:refs/remotes/origin/{BRANCH}")
                ws._repair()
                if remote:
                    ws._sync()
                elif ws.head() is None:
                    first = commit_files(ws.root, None, {".gitignore": _GITIGNORE}, "Create the workspace",
                                         Identity())
                    move_ref(ws.root, REF, first, None)
                    ws._mirror(None, first)
        except OSError as exc:
            raise WorkspaceError(f"{root}: cannot use as a workspace: {exc.strerror or exc}") from None
        except GitError as exc:
            raise WorkspaceError(f"{root}: cannot use as a workspace: {exc}") from None
        return ws

    @contextlib.contextmanager
    def _locked(self, lock: str = "designer.lock") -> Iterator[None]:
        """The workspace's writer lock (flock: per open file, so it also orders threads of one process).
        DRAFTS_LOCK orders the writers of the drafts folder (drafts, and the repair that removes temporary
        files there); a holder of the writer lock may take it, never the other way round."""
        fd = os.open(self.git_dir / lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock (and the kernel releases it when a process dies)

    def _repair(self) -> None:
        """Undo what a killed process may have left: git lock files, temporary files, a stale mirror."""
        clear_stale_locks(self.git_dir)
        with self._locked(DRAFTS_LOCK):  # a draft being written by another session is not a crash's leftover
            for folder in (self.root, self.drafts):
                for path in folder.iterdir():
                    if is_temp_name(path.name):
                        path.unlink(missing_ok=True)
        head = self.head()
        if head is not None:
            self._mirror(None, head)

    def _mirror(self, old: str | None, new: str) -> None:
        """Make the design files in the folder (and git's index) show commit `new`, given they showed `old`
        (None: check every file). Each file is written atomically."""
        if old is None:
            paths = out(self.root, "ls-tree", "-r", "-z", "--name-only", new).split("\0")
        else:
            paths = out(self.root, "diff", "--name-only", "-z", "--no-renames", old, new).split("\0")
        paths = [p for p in paths if p and "/" not in p]  # the app writes top-level files only
        blobs = read_blobs(self.root, new, paths)
        for path in paths:
            target, data = self.root / path, blobs.get(path)
            if data is None:
                remove_durably(target)
                continue
            try:
                same = target.read_bytes() == data
            except OSError:
                same = False
            if not same:
                write_atomic(target, data)
        git(self.root, "read-tree", new)  # git's index shows `new` too, so `git status` is clean

    # --- reading ------------------------------------------------------------------------------

    def head(self) -> str | None:
        """The commit main is at. The page asks on every run, so the loose ref file is read when there is
        one (git writes it on every update-ref and fetch) instead of starting a git process."""
        try:
            loose = (self.git_dir / REF).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            loose = ""
        return loose if len(loose) == 40 and all(c in "0123456789abcdef" for c in loose) else rev(self.root, REF)

    def _at_head(self, key: tuple, read: Callable[[str], Any], empty: Any) -> Any:
        """`read(head)`, remembered per head commit: what a commit holds never changes, so the page's reads
        on every run cost a file read, not git processes, until the next save."""
        head = self.head()
        if head is None:
            return empty
        if (*key, head) not in self._read:
            self._read = {k: v for k, v in self._read.items() if k[-1] == head}  # older heads: not asked again
            self._read[(*key, head)] = read(head)
        return self._read[(*key, head)]

    def names(self) -> list[str]:
        """Names of the saved designs, sorted."""
        def read(head: str) -> list[str]:
            names = (f.removesuffix(SUFFIX) for f in out(self.root, "ls-tree", "-z", "--name-only", head).split("\0")
                     if f.endswith(SUFFIX))
            return sorted(name for name in names if _valid(name))
        return list(self._at_head(("names",), read, []))

    def entries(self) -> list[Entry]:
        """Saved designs and designs that have only a draft, by name."""
        saved = set(self.names())
        drafts = {p.name.removesuffix(".json") for p in self.drafts.glob("*.json")} if self.drafts.is_dir() else set()
        drafts = {name for name in drafts if _valid(name)}
        return [Entry(name, name in saved, name in drafts) for name in sorted(saved | drafts)]

    def version_of(self, name: str) -> str | None:
        """The commit that last changed `name` on main (the version a save must start from), or None."""
        head = self.head()
        if head is None:
            return None
        found = out(self.root, "log", "-1", "--format=%H", head, "--", _file(name))
        return found or None if self._exists(head, name) else None

    def history(self, name: str, limit: int = 200) -> list[Version]:
        """The saved versions of `name`, newest first."""
        def read(head: str) -> list[Version]:
            text = out(self.root, "log", f"-n{limit}", "--format=%H%x1f%at%x1f%an%x1f%s%x1e", head, "--", _file(name))
            versions = []
            for record in filter(None, (r.strip("\n") for r in text.split("\x1e"))):
                commit, stamp, author, message = record.split("\x1f", 3)
                versions.append(Version(commit, int(stamp), author, message))
            return versions
        return list(self._at_head(("history", name, limit), read, []))

    def load(self, name: str, version: str | None = None) -> Design:
        """The design `name` as saved in `version` (default: its last version). DesignError when the file
        cannot be read, WorkspaceError when there is no such design or version."""
        commit = version or self.head()
        if commit is None or not self._exists(commit, name):
            raise WorkspaceError(f"the workspace has no design {check_name(name)}"
                                 + (f" in version {commit[:7]}" if version else ""))
        return parse_design(read_blob(self.root, commit, _file(name)), f"{name}@{commit[:7]}")[0]

    def _exists(self, commit: str, name: str) -> bool:
        proc = git(self.root, "cat-file", "-e", f"{commit}:{_file(name)}", check=False)
        return proc.returncode == 0

    # --- saving -------------------------------------------------------------------------------

    def save(self, name: str, design: Design, base: str | None, message: str = "",
             author: Identity | None = None) -> Version:
        """Commit `design` as the new version of `name`, provided `base` is still its last version (None: a
        new design). Raises Conflict when another save came first with a different design; returns the
        version now saved (the existing one when nothing changed). The draft of `name` is removed."""
        data = dump_design(design).encode("utf-8")
        path = _file(name)
        message = (message or "").strip() or f"Save {name}"
        for _ in range(SAVE_ATTEMPTS):
            with _git_errors(name), self._locked():
                if self.remote:
                    self._sync()
                head = self.head()
                current = self.version_of(name)
                if current is not None and self.load(name, current) == design:
                    self.discard_draft(name)
                    return self.history(name, 1)[0]  # saved already (by us before a crash, or by them)
                if current != base:
                    theirs = self.load(name, current) if current else None
                    raise Conflict(name, base, self.history(name, 1)[0] if current else None, theirs)
                commit = commit_files(self.root, head, {path: data}, message, author or Identity())
                if not self._publish(commit, head):
                    continue  # another server pushed first: sync and check again
                self._mirror(head, commit)
                self.discard_draft(name)
                return self.history(name, 1)[0]
        raise WorkspaceError(f"could not save {name}: the shared repository kept changing; try again")

    def _publish(self, commit: str, parent: str | None) -> bool:
        """Move main from `parent` to `commit` (pushing first when there is a remote); False when someone
        else moved it first."""
        if self.remote:
            proc = git(self.root, "push", "-q", "origin", f"{commit}:{REF}", check=False)
            if proc.returncode != 0:
                git(self.root, "fetch", "-q", "origin", check=False)
                if rev(self.root, f"refs/remotes/origin/{BRANCH}") != parent:
                    return False
                raise GitError(["push", "origin"], proc.returncode, proc.stderr.decode("utf-8", "replace"))
            git(self.root, "update-ref", f"refs/remotes/origin/{BRANCH}", commit)
        return move_ref(self.root, REF, commit, parent)

    def sync(self) -> None:
        """Bring main up to date with the shared repository (nothing to do without one)."""
        if self.remote:
            with _git_errors(str(self.root)), self._locked():
                self._sync()

    def _sync(self) -> None:
        fetched = git(self.root, "fetch", "-q", "origin", check=False)
        theirs = rev(self.root, f"refs/remotes/origin/{BRANCH}")
        mine = self.head()
        if theirs is None:  # a new, empty shared repository
            if fetched.returncode != 0 and "couldn't find remote ref" not in fetched.stderr.decode("utf-8", "replace"):
                raise GitError(["fetch", "origin"], fetched.returncode, fetched.stderr.decode("utf-8", "replace"))
            first = mine or commit_files(self.root, None, {".gitignore": _GITIGNORE}, "Create the workspace",
                                         Identity())
            if git(self.root, "push", "-q", "origin", f"{first}:{REF}", check=False).returncode == 0:
                move_ref(self.root, REF, first, mine)
                self._mirror(mine, first)
                return
            return self._sync()  # another server created it first
        if mine == theirs:
            return
        if mine is not None and not _is_ancestor(self.root, mine, theirs):
            raise WorkspaceError(f"{self.root}: branch {BRANCH} has commits the shared repository lacks")
        move_ref(self.root, REF, theirs, mine)
        self._mirror(mine, theirs)

    def resume(self, name: str) -> Draft:
        """What an editor opening `name` starts from: its draft when it has one (a reload or a restart brings
        the unsaved work back), else its last saved version; `base` is the version a save will start from.
        DesignError when the draft cannot be read (the saved version is still there: `load`)."""
        current = self.version_of(name)
        draft = self.read_draft(name)
        if draft is None:
            return Draft(self.load(name, current), current, 0.0)
        if draft.base != current and current is not None and self.load(name, current) == draft.design:
            return Draft(draft.design, current, draft.written)  # saved, but the draft outlived the save
        return draft

    # --- drafts -------------------------------------------------------------------------------

    def write_draft(self, name: str, design: Design, base: str | None) -> None:
        """Keep `design` as the working draft of `name` (atomically; no commit). `base` is the saved version
        it started from."""
        with self._locked(DRAFTS_LOCK):
            self._write_draft(name, design, base)

    def new_draft(self, wanted: str, design: Design) -> str:
        """Keep `design`, never saved, as the draft of a new design named from `wanted` (`name_for`, then
        `-2`, `-3`, ... until no saved design or draft has the name); returns the name. Choosing the name and
        writing the draft are one step under the drafts lock, so two sessions never get the same name."""
        base = name_for(wanted)[:70]
        with self._locked(DRAFTS_LOCK):
            taken = {entry.name for entry in self.entries()}
            name = next(n for n in (base, *(f"{base}-{i}" for i in range(2, 10_000))) if n not in taken)
            self._write_draft(name, design, None)
        return name

    def _write_draft(self, name: str, design: Design, base: str | None) -> None:
        document = {"format": "dag-designer-draft", "base": base, "written": time.time(),
                    "design": json.loads(dump_design(design, "json"))}
        write_atomic(self._draft(name), json.dumps(document, ensure_ascii=False).encode("utf-8"))

    def read_draft(self, name: str) -> Draft | None:
        """The draft of `name`, or None when it has none. DesignError when it cannot be read."""
        path = self._draft(name)
        if not path.exists():
            return None
        source = f"{DRAFTS}/{path.name}"
        document, _ = read_document(read_source(path), source)
        if not isinstance(document, dict) or document.get("format") != "dag-designer-draft":
            raise DesignError(source, [Problem("is not a draft of DAG Designer")])
        base = document.get("base")
        if base is not None and not (isinstance(base, str) and re.fullmatch(r"[0-9a-f]{40}", base)):
            raise DesignError(source, [Problem("names no saved version", ("base",))])
        design = design_from_document(document.get("design"), LineIndex(), source)
        written = document.get("written")
        return Draft(design, base, float(written) if isinstance(written, int | float) else 0.0)

    def discard_draft(self, name: str) -> None:
        remove_durably(self._draft(name))

    def _draft(self, name: str) -> Path:
        return self.drafts / f"{check_name(name)}.json"


@contextlib.contextmanager
def _git_errors(what: str) -> Iterator[None]:
    """A failed git command or file write becomes a one-line WorkspaceError naming `what`."""
    try:
        yield
    except GitError as exc:
        raise WorkspaceError(f"{what}: {exc}") from exc
    except OSError as exc:
        raise WorkspaceError(f"{what}: cannot write: {exc.strerror or exc}") from exc


def _file(name: str) -> str:
    return f"{check_name(name)}{SUFFIX}"


def _valid(name: str) -> bool:
    try:
        check_name(name)
    except WorkspaceError:
        return False
    return True


def _create_bare(remote: str) -> None:
    """Create the shared bare repository when `remote` is a local folder that does not exist yet."""
    if "://" in remote or (":" in remote.split("/")[0]):
        return  # a URL or host:path: it must exist already
    path = Path(remote)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        git(path.parent, "init", "-q", "--bare", "-b", BRANCH, path.name)
        for key, value in _CONFIG.items():
            git(path, "config", key, value)


def _is_ancestor(repo: Path, older: str, newer: str) -> bool:
    return git(repo, "merge-base", "--is-ancestor", older, newer, check=False).returncode == 0
