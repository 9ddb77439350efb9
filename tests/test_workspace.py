"""The workspace core against real git repositories: names, saves, history, drafts, conflicts, repair after a
crash, sessions racing on one machine, and two servers sharing a bare repository."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from designer.edits import add_task
from designer.model import DagSettings, Design, Task
from designer.storage import DesignError, load_design
from designer.workspace import SUFFIX, Conflict, Workspace, WorkspaceError, check_name, name_for


def design(dag_id: str = "orders", *tasks: str) -> Design:
    result = Design(dag=DagSettings(dag_id=dag_id))
    for task in tasks:
        result = add_task(result, Task(id=task, operator="empty"))
    return result


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace.open(tmp_path / "workspace")


# --- names ---------------------------------------------------------------------------------------

GOOD_NAMES = ["orders", "Orders 2024", "web-logs_v2.1", "données", "a", "x" * 80, "9lives"]
BAD_NAMES = ["", "../escape", "a/b", "..", ".git", ".hidden", "a\0b", "tab\there", "new\nline", "trailing.",
             "trailing ", "a..b", "x" * 81, "-dash", "back\\slash", "star*", "quote'", "semi;colon", "\u202eevil",
             "bell\x07", "zero\u200bwidth"]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_safe_names_are_accepted(name):
    assert check_name(name) == name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_hostile_names_are_refused_with_one_line(name, ws):
    with pytest.raises(WorkspaceError) as caught:
        check_name(name)
    assert "\n" not in str(caught.value) and "\0" not in str(caught.value)
    for action in (lambda: ws.save(name, design(), None), lambda: ws.write_draft(name, design(), None),
                   lambda: ws.load(name), lambda: ws.read_draft(name)):
        with pytest.raises(WorkspaceError):
            action()
    assert sorted(p.name for p in ws.root.parent.iterdir()) == ["workspace"]  # nothing written outside


@given(st.text(max_size=120))
def test_name_for_always_gives_a_valid_name(text):
    assert check_name(name_for(text)) == name_for(text)


# --- saving and reading --------------------------------------------------------------------------

def test_a_new_workspace_is_a_git_repository_created_on_first_use(tmp_path):
    root = tmp_path / "deep" / "workspace"
    ws = Workspace.open(root)
    assert git(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    assert ws.entries() == [] and ws.head() is not None
    assert ".drafts" in (root / ".gitignore").read_text()


def test_each_save_is_a_commit_with_its_message_and_author(ws):
    from designer.gitcli import Identity

    first = ws.save("orders", design("orders", "a"), None, "first cut", Identity("Ana Lyst", "ana@example.org"))
    second = ws.save("orders", design("orders", "a", "b"), first.commit)
    assert [v.commit for v in ws.history("orders")] == [second.commit, first.commit]
    assert (first.message, first.author, second.message) == ("first cut", "Ana Lyst", "Save orders")
    assert git(ws.root, "log", "-1", "--format=%ae", first.commit).strip() == "ana@example.org"
    assert ws.load("orders", first.commit) == design("orders", "a")
    assert ws.load("orders") == design("orders", "a", "b")
    assert load_design(ws.root / f"orders{SUFFIX}") == design("orders", "a", "b")  # the mirror file
    assert git(ws.root, "status", "--porcelain") == ""
    assert ws.names() == ["orders"] and ws.version_of("orders") == second.commit


def test_reads_between_saves_start_no_git_process_and_follow_saves_from_elsewhere(ws, monkeypatch):
    """The page lists designs and history on every run: between saves that must cost file reads only."""
    import designer.gitcli

    first = ws.save("orders", design("orders", "a"), None)
    other = Workspace.open(ws.root)  # another session on the same workspace
    assert ws.head() == git(ws.root, "rev-parse", "main").strip() == first.commit
    started = []
    real_run = designer.gitcli.subprocess.run
    monkeypatch.setattr(designer.gitcli.subprocess, "run", lambda *a, **k: started.append(a) or real_run(*a, **k))
    assert ws.names() == ["orders"] and [v.commit for v in ws.history("orders")] == [first.commit]
    reads = len(started)
    assert ws.names() == ["orders"] and [v.commit for v in ws.history("orders")] == [first.commit]
    assert len(started) == reads, "a second read at the same head started git"
    second = other.save("orders", design("orders", "a", "b"), first.commit)
    assert [v.commit for v in ws.history("orders")] == [second.commit, first.commit]  # the new head is read


def test_saving_an_unchanged_design_makes_no_commit(ws):
    first = ws.save("orders", design("orders", "a"), None)
    again = ws.save("orders", design("orders", "a"), first.commit)
    assert again == first and len(ws.history("orders")) == 1


def test_a_save_from_an_old_version_is_a_conflict_showing_theirs(ws):
    first = ws.save("orders", design("orders", "a"), None)
    theirs = ws.save("orders", design("orders", "a", "theirs"), first.commit)
    with pytest.raises(Conflict) as caught:
        ws.save("orders", design("orders", "a", "mine"), first.commit)
    assert caught.value.theirs == design("orders", "a", "theirs") and caught.value.current == theirs
    assert ws.load("orders") == design("orders", "a", "theirs")  # never silently overwritten
    with pytest.raises(Conflict):  # a new design under a name someone else saved
        ws.save("orders", design("orders", "mine"), None)
    # the same change saved twice is no conflict: nothing of anyone's would be lost
    assert ws.save("orders", design("orders", "a", "theirs"), first.commit) == theirs


def test_unknown_designs_and_versions_are_one_line_errors(ws):
    ws.save("orders", design(), None)
    with pytest.raises(WorkspaceError, match="no design billing"):
        ws.load("billing")
    with pytest.raises(WorkspaceError, match="no design orders in version"):
        ws.load("orders", "0" * 40)


# --- drafts --------------------------------------------------------------------------------------

def test_drafts_make_no_commit_and_resume_prefers_them(ws):
    saved = ws.save("orders", design("orders", "a"), None)
    ws.write_draft("orders", design("orders", "a", "draft"), saved.commit)
    assert len(ws.history("orders")) == 1 and git(ws.root, "status", "--porcelain") == ""
    opened = ws.resume("orders")
    assert (opened.design, opened.base) == (design("orders", "a", "draft"), saved.commit)
    ws.write_draft("fresh", design("fresh", "x"), None)  # a design that was never saved
    assert [(e.name, e.saved, e.draft) for e in ws.entries()] == [("fresh", False, True), ("orders", True, True)]
    assert ws.resume("fresh").base is None
    ws.save("orders", design("orders", "a", "draft"), saved.commit)
    assert ws.read_draft("orders") is None  # a save takes the draft's place


def test_a_draft_outliving_its_save_resumes_from_the_saved_version(ws):
    first = ws.save("orders", design("orders", "a"), None)
    ws.write_draft("orders", design("orders", "a", "b"), first.commit)
    second = ws.save("orders", design("orders", "a", "b"), first.commit)
    ws.write_draft("orders", design("orders", "a", "b"), first.commit)  # as if the save crashed before removing it
    assert ws.resume("orders").base == second.commit


@pytest.mark.parametrize("content", [b"{", b'{"format": "other"}', b'{"format": "dag-designer-draft", "base": "../x",'
                                     b' "design": {}}', b'{"format": "dag-designer-draft", "design": {"dag": 1}}'])
def test_a_damaged_draft_is_a_design_error_and_the_saved_version_stays(ws, content):
    ws.save("orders", design("orders", "a"), None)
    (ws.drafts / "orders.json").write_bytes(content)
    with pytest.raises(DesignError) as caught:
        ws.resume("orders")
    assert ".drafts/orders.json" in str(caught.value) and "\n" not in str(caught.value)
    assert ws.load("orders") == design("orders", "a")


# --- repair after a crash --------------------------------------------------------------------------

def test_open_repairs_what_a_killed_process_left(ws):
    first = ws.save("orders", design("orders", "a"), None)
    ws.save("orders", design("orders", "a", "b"), first.commit)
    mirror = ws.root / f"orders{SUFFIX}"
    mirror.write_text(git(ws.root, "show", f"{first.commit}:orders{SUFFIX}"))  # mirror one version behind
    (ws.root / ".git" / "index.lock").write_bytes(b"")  # git killed mid-command
    (ws.root / ".git" / "refs" / "heads" / "main.lock").write_bytes(b"")
    (ws.root / ".dd-abc.tmp").write_bytes(b"half")
    (ws.drafts / ".dd-def.tmp").write_bytes(b"half")
    again = Workspace.open(ws.root)
    assert load_design(mirror) == design("orders", "a", "b")
    assert not list(ws.root.glob(".dd-*")) and not list(ws.drafts.glob(".dd-*"))
    assert git(ws.root, "status", "--porcelain") == ""
    assert again.save("orders", design("orders", "c"), again.version_of("orders")).message == "Save orders"


# --- several sessions, several servers -------------------------------------------------------------

def test_sessions_racing_on_one_design_lose_no_save(ws):
    base = ws.save("orders", design("orders"), None).commit
    results: dict[int, object] = {}

    def session(i: int) -> None:
        try:
            results[i] = ws.save("orders", design("orders", f"t{i}"), base)
        except Conflict as exc:
            results[i] = exc

    threads = [threading.Thread(target=session, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [i for i, r in results.items() if not isinstance(r, Conflict)]
    assert len(won) == 1 and ws.load("orders") == design("orders", f"t{won[0]}")
    assert len(ws.history("orders")) == 2


def run_threads(target, count: int) -> dict[int, object]:
    """Run target(i) for i in range(count) in threads at once; {i: its result or the exception it raised}."""
    results: dict[int, object] = {}
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_sessions_starting_new_designs_at_once_get_names_of_their_own(ws):
    ws.write_draft("new_dag", design("new_dag", "taken"), None)
    names = run_threads(lambda i: ws.new_draft("new_dag", design("new_dag", f"s{i}")), 12)
    assert sorted(names.values()) == sorted(f"new_dag-{i}" for i in range(2, 14))
    for i, name in names.items():
        assert ws.read_draft(name).design == design("new_dag", f"s{i}")


def test_opening_the_workspace_never_breaks_a_draft_another_session_writes(ws):
    def session(i: int) -> int:
        for n in range(40):
            if i % 2:
                Workspace.open(ws.root)  # a new session: repairs what a crash left
            else:
                ws.write_draft(f"d{i}", design("orders", f"n{n}"), None)
        return i

    results = run_threads(session, 6)
    assert sorted(results.values()) == list(range(6)), [r for r in results.values() if isinstance(r, Exception)]
    assert all(ws.read_draft(f"d{i}").design == design("orders", "n39") for i in range(0, 6, 2))


def test_two_servers_share_a_bare_repository(tmp_path):
    remote = tmp_path / "shared.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    one = Workspace.open(tmp_path / "one", str(remote))
    two = Workspace.open(tmp_path / "two", str(remote))
    a = one.save("orders", design("orders", "a"), None)
    b = two.save("billing", design("billing", "b"), None)  # lands on top of one's save
    two.sync()
    one.sync()
    assert one.names() == two.names() == ["billing", "orders"]
    assert one.head() == two.head() == git(remote, "rev-parse", "main").strip()
    assert load_design(tmp_path / "one" / f"billing{SUFFIX}") == design("billing", "b")
    newer = one.save("orders", design("orders", "a", "one"), a.commit)
    with pytest.raises(Conflict) as caught:  # two still thinks a is the last version
        two.save("orders", design("orders", "a", "two"), a.commit)
    assert caught.value.current == newer and caught.value.theirs == design("orders", "a", "one")
    assert {v.commit for v in two.history("billing")} == {b.commit}
    subprocess.run(["git", "-C", str(remote), "fsck", "--no-dangling"], check=True, capture_output=True)
