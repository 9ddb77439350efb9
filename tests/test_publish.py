"""`python -m designer publish` against real git repositories: a new branch with one commit holding the bundle's
files, the user's checkout untouched, and refusals: a file changed there since the last publish, a file that
was never ours, an existing branch, a design that cannot be exported, a folder that is not a repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from designer.publish import publish_files
from designer.storage import dump_design, load_design
from tests.conftest import ROOT, SAMPLES

DESIGN = SAMPLES / "linear_etl.yaml"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


def cli(*args) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "designer", "publish", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT)


@pytest.fixture
def airflow_repo(tmp_path) -> Path:
    """A small Airflow repository with a commit, a checked-out branch and an uncommitted change."""
    repo = tmp_path / "airflow-repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "trunk")
    (repo / "dags").mkdir()
    (repo / "dags" / "existing.py").write_text("# an existing DAG\n")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=Eng", "-c", "user.email=eng@example.org", "commit", "-qm", "start")
    (repo / "dags" / "existing.py").write_text("# work in progress\n")  # the engineer's uncommitted change
    return repo


def checkout_state(repo: Path) -> tuple[str, str, str]:
    return git(repo, "rev-parse", "HEAD"), git(repo, "symbolic-ref", "HEAD"), git(repo, "status", "--porcelain")


def test_publish_makes_one_commit_on_a_new_branch_and_leaves_the_checkout_alone(airflow_repo):
    before = checkout_state(airflow_repo)
    proc = cli(DESIGN, "--repo", airflow_repo, "--branch", "add-linear-etl")
    assert proc.returncode == 0, proc.stderr
    assert "published linear_etl to branch add-linear-etl" in proc.stdout
    assert checkout_state(airflow_repo) == before
    assert git(airflow_repo, "rev-parse", "add-linear-etl^") == before[0]  # one commit on top of HEAD
    files = publish_files(load_design(DESIGN))
    changed = git(airflow_repo, "diff", "--name-only", before[0], "add-linear-etl").splitlines()
    assert sorted(changed) == sorted(files) and "dags/dag_linear_etl.py" in files
    for path, data in files.items():
        assert git(airflow_repo, "show", f"add-linear-etl:{path}").encode() == data.rstrip(b"\n")
    fsck = subprocess.run(["git", "-C", str(airflow_repo), "fsck"], capture_output=True)
    assert fsck.returncode == 0


def test_the_default_branch_is_named_after_the_design_and_an_existing_branch_is_refused(airflow_repo):
    first = cli(DESIGN, "--repo", airflow_repo)
    assert first.returncode == 0, first.stderr
    branch = first.stdout.split("to branch ")[1].split()[0]
    assert branch.startswith("designer/dag_linear_etl-")
    again = cli(DESIGN, "--repo", airflow_repo)
    assert again.returncode == 1 and f"branch {branch} exists already" in again.stderr


def merge(repo: Path, branch: str) -> None:
    git(repo, "stash", "-q")
    git(repo, "-c", "user.name=Eng", "-c", "user.email=eng@example.org", "merge", "-q", "--no-edit", branch)
    git(repo, "stash", "pop", "-q")


def test_a_file_changed_there_since_the_last_publish_is_not_overwritten(airflow_repo, tmp_path):
    assert cli(DESIGN, "--repo", airflow_repo, "--branch", "v1").returncode == 0
    merge(airflow_repo, "v1")  # reviewed and merged as published
    design = load_design(DESIGN)
    changed = tmp_path / "changed.design.yaml"
    changed.write_text(dump_design(design.model_copy(update={"dag": design.dag.model_copy(
        update={"description": "second version"})})))
    assert cli(changed, "--repo", airflow_repo, "--branch", "v2").returncode == 0  # unchanged there: fine
    merge(airflow_repo, "v2")
    module = airflow_repo / "dags" / "dag_linear_etl.py"
    module.write_text(module.read_text() + "# an engineer's fix\n")
    git(airflow_repo, "-c", "user.name=Eng", "-c", "user.email=eng@example.org", "commit", "-qam", "fix")
    refused = cli(DESIGN, "--repo", airflow_repo, "--branch", "v3")
    assert refused.returncode == 1
    assert "dags/dag_linear_etl.py was changed in" in refused.stderr
    assert "v3" not in git(airflow_repo, "branch", "--list", "v3")


def test_a_file_that_was_never_published_from_the_design_is_not_overwritten(airflow_repo):
    (airflow_repo / "dags" / "dag_linear_etl.py").write_text("# someone else's DAG\n")
    git(airflow_repo, "add", "dags/dag_linear_etl.py")
    git(airflow_repo, "-c", "user.name=Eng", "-c", "user.email=eng@example.org", "commit", "-qm", "theirs")
    refused = cli(DESIGN, "--repo", airflow_repo)
    assert refused.returncode == 1 and "dags/dag_linear_etl.py exists in" in refused.stderr


BAD_BRANCHES = ["bad..name", "-x", "a b", "x.lock", "ends/", "a\x01b", "@", "a~1", "b^", "c:d", "HEAD", "@{-1}"]


@pytest.mark.parametrize("branch", BAD_BRANCHES)
def test_bad_branch_names_are_refused(airflow_repo, branch):
    proc = cli(DESIGN, "--repo", airflow_repo, f"--branch={branch}")
    assert proc.returncode == 1 and "is not a valid branch name" in proc.stderr
    assert git(airflow_repo, "for-each-ref", "--format=%(refname)") == "refs/heads/trunk"


def test_a_design_with_errors_and_a_folder_that_is_no_repository(airflow_repo, tmp_path):
    invalid = cli(SAMPLES / "INVALID_cycle_through_group.yaml", "--repo", airflow_repo)
    assert invalid.returncode == 1 and invalid.stderr.startswith("error: ")
    plain = tmp_path / "plain"
    plain.mkdir()
    for target in (plain, tmp_path / "missing"):
        proc = cli(DESIGN, "--repo", target)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and str(target) in proc.stderr
    empty = tmp_path / "empty"
    git(tmp_path, "init", "-q", str(empty))
    proc = cli(DESIGN, "--repo", empty)
    assert proc.returncode == 2 and "no commit to branch from" in proc.stderr
