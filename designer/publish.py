"""Publishing a design into an Airflow repository: the bundle's files on a new branch, in one commit, ready
for review as a pull request.

The files are the export bundle's (exporters.bundle.bundle_files) at their paths below the bundle's root
folder, without the bundle's README:

    dags/<stem>.py, tests/test_<stem>.py, dag_factory/dags/<stem>.yaml and .py, designs/<stem>.design.yaml

The commit is made from objects (designer.gitcli.commit_files) on top of the repository's HEAD, and the
branch is created by a compare-and-swap, so the user's checkout, index and working tree are never touched,
and an existing branch is never moved. The last publish from each design is recorded in the ref
`refs/designer/published/<stem>`; a file that the repository's HEAD holds with content other than the last
publish wrote there (someone changed it since, or it was never ours) is not overwritten: the publish is
refused and names the files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from designer.gitcli import GitError, Identity, blob_id, commit_files, git, move_ref, out, rev
from designer.model import Design
from exporters.bundle import bundle_files
from exporters.naming import module_stem

RECORD = "refs/designer/published/"


class PublishRefused(Exception):
    """The publish was refused; `problems` are one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class NotARepository(Exception):
    """The target is not a git repository with a commit to branch from (one line)."""


@dataclass(frozen=True)
class Published:
    branch: str | None  # None: HEAD already holds exactly these files (nothing to publish)
    commit: str | None
    base: str
    files: tuple[str, ...]


def publish_files(design: Design) -> dict[str, bytes]:
    """Path in the Airflow repository -> bytes of each published file. ExportError when the design cannot
    be exported."""
    files = bundle_files(design)
    return {name.partition("/")[2]: text.encode("utf-8") for name, text in sorted(files.items())
            if name.partition("/")[2] != "README.md"}


def default_branch(design: Design, files: dict[str, bytes]) -> str:
    """`designer/<stem>-<8 hex of the files>`: the same design gives the same name, a changed one a new one."""
    digest = hashlib.sha256(b"".join(p.encode() + b"\0" + d + b"\0" for p, d in sorted(files.items()))).hexdigest()
    return f"designer/{module_stem(design)}-{digest[:8]}"


def publish(design: Design, repo: Path, branch: str | None = None, author: Identity | None = None) -> Published:
    """Put the design's files into `repo` on the new branch `branch` (default `default_branch`) in one commit
    on top of HEAD. Raises NotARepository, PublishRefused (the branch exists, a file changed there since the
    last publish, a bad branch name) or ExportError (the design cannot be exported)."""
    repo = Path(repo)
    try:
        top = out(repo, "rev-parse", "--git-dir")
    except (GitError, OSError):
        raise NotARepository(f"{repo}: is not a git repository") from None
    base = rev(repo, "HEAD")
    if not top or base is None:
        raise NotARepository(f"{repo}: has no commit to branch from (HEAD names none)")
    files = publish_files(design)
    branch = branch or default_branch(design, files)
    checked = git(repo, "check-ref-format", "--branch", branch, check=False)
    if (checked.returncode != 0 or checked.stdout.decode().strip() != branch or branch.startswith("-")
            or branch in {"@", "HEAD"}):
        raise PublishRefused([f"{branch!r} is not a valid branch name"])
    ref = f"refs/heads/{branch}"
    if rev(repo, ref) is not None:
        raise PublishRefused([f"branch {branch} exists already in {repo}; choose another with --branch"])
    record = RECORD + module_stem(design)
    last = rev(repo, record)
    changed = []
    for path, data in files.items():
        there = blob_id(repo, base, path)
        if there is None or there == out(repo, "hash-object", "--stdin", data=data):
            continue
        if there != blob_id(repo, last, path):
            changed.append(f"{path} was changed in {repo} since the last publish from this design"
                           if last and blob_id(repo, last, path) else f"{path} exists in {repo} and was not "
                           "written by a publish from this design")
    if changed:
        raise PublishRefused(changed)
    message = (f"Publish {design.dag.dag_id} from DAG Designer\n\n"
               + "".join(f"- {path}\n" for path in files))
    commit = commit_files(repo, base, files, message, author or Identity())
    if out(repo, "rev-parse", f"{commit}^{{tree}}") == out(repo, "rev-parse", f"{base}^{{tree}}"):
        return Published(None, None, base, tuple(files))
    if not move_ref(repo, ref, commit, None):
        raise PublishRefused([f"branch {branch} was created meanwhile in {repo}; choose another with --branch"])
    git(repo, "update-ref", "-m", f"publish {branch}", record, commit)
    return Published(branch, commit, base, tuple(files))
