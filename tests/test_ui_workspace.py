"""The workspace panel driven by Streamlit's AppTest: autosave and the URL, save, conflicts between sessions,
history and restore, and session isolation (no user data in module globals or global caches)."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from designer.model import Design
from designer.workspace import SUFFIX, Workspace
from tests.conftest import ROOT
from tests.test_ui_app import add_task, new_empty, run


def session(design: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    if design is not None:
        at.query_params["design"] = design
    return run(at)


def workspace() -> Workspace:
    return Workspace.open(Path(os.environ["DAG_DESIGNER_WORKSPACE"]))


def design(at) -> Design:
    return at.session_state["design"]


def messages(at) -> str:
    return " | ".join(e.value for e in (*at.error, *at.success, *at.warning))


def save(at, message: str = "") -> AppTest:
    next(t for t in at.text_input if t.label == "Save message").input(message)
    at.button(key="ws_save").click()
    return run(at)


def test_a_drawing_is_kept_as_a_draft_and_the_url_brings_it_back():
    at = session()
    assert "design" not in at.query_params and workspace().entries() == []  # nothing drawn, nothing kept
    new_empty(at)
    add_task(at, "extract")
    name = at.query_params["design"]
    assert name == "new_dag" and workspace().read_draft(name).design == design(at)
    assert workspace().history(name) == []  # drafts make no commit
    again = session(name)  # a reload, a new tab or a restarted server
    assert design(again) == design(at)
    assert "draft restored" in messages(again)


def test_save_commits_and_history_restores_and_compares():
    at = session()
    new_empty(at)
    add_task(at, "extract")
    save(at, "first cut")
    name = at.query_params["design"]
    first = workspace().history(name)
    assert [v.message for v in first] == ["first cut"] and workspace().read_draft(name) is None
    assert "Saved new_dag as version" in messages(at)
    add_task(at, "load")
    save(at)
    assert [v.message for v in workspace().history(name)] == ["Save new_dag", "first cut"]
    at.selectbox(key="ws_version").select(first[0].commit)
    at.button(key="ws_restore").click()
    run(at)
    assert [t.id for t in design(at).tasks] == ["extract"]
    at.selectbox(key="ws_to").select(workspace().history(name)[0].commit)
    at.selectbox(key="ws_from").select("the current design")
    run(at)
    assert any("task load added" in c.value for c in at.code), [c.value for c in at.code]
    save(at, "back to one task")
    assert workspace().load(name) == design(at) and len(workspace().history(name)) == 3


def test_a_second_session_saving_first_is_caught_and_either_side_can_be_kept():
    one = session()
    new_empty(one)
    add_task(one, "extract")
    save(one)
    name = one.query_params["design"]
    two = session(name)
    add_task(one, "from_one")
    save(one)
    add_task(two, "from_two")
    save(two)
    assert "saved elsewhere" in messages(two)
    assert [t.id for t in workspace().load(name).tasks] == ["extract", "from_one"]  # not overwritten
    assert any("task from_two added" in c.value for c in two.code)  # the difference is shown
    two.text_input(key="ws_save_as").input("mine")
    two.button(key="ws_save_as_btn").click()
    run(two)
    assert [t.id for t in workspace().load("mine").tasks] == ["extract", "from_two"]
    assert two.query_params["design"] == "mine"
    three = session(name)
    add_task(three, "from_three")
    add_task(one, "again_one")
    save(one)
    save(three)
    three.button(key="ws_reload").click()
    run(three)
    assert design(three) == workspace().load(name)
    assert design(session(name)) == workspace().load(name)  # a reload keeps theirs, not the draft of mine


@pytest.mark.parametrize("wanted", ["../../etc/passwd", "no_such_design", "a\tb"])
def test_a_bad_or_unknown_name_in_the_url_is_explained_and_changes_nothing(wanted):
    at = session(wanted)
    assert "Could not open" in messages(at) and "design" not in at.query_params
    assert at.title[0].value == "nested_taskgroups"


def test_opening_from_the_list(tmp_path):
    ws = workspace()
    ws.save("orders", Design.model_validate({"dag": {"dag_id": "orders"}}), None)
    at = session()
    at.selectbox(key="ws_pick").select("orders")
    at.button(key="ws_open").click()
    run(at)
    assert at.title[0].value == "orders" and at.query_params["design"] == "orders"
    assert (ws.root / f"orders{SUFFIX}").exists()


def test_undo_across_opening_another_design_brings_back_its_name_and_draft():
    ws = workspace()
    ws.save("orders", Design.model_validate({"dag": {"dag_id": "orders"}}), None)
    at = session()
    new_empty(at)
    add_task(at, "extract")  # kept as the draft of new_dag
    drawn = design(at)
    at.selectbox(key="ws_pick").select("orders")
    at.button(key="ws_open").click()
    run(at)
    orders = design(at)
    add_task(at, "load")  # kept as the draft of orders
    for _ in range(2):  # undo the task (orders' draft follows), then the opening: back to new_dag, by its name
        at.button(key="undo_btn").click()
        run(at)
    assert design(at) == drawn and at.query_params["design"] == "new_dag"
    assert ws.read_draft("new_dag").design == drawn and ws.read_draft("orders").design == orders
    add_task(at, "transform")  # goes to new_dag's draft, never to orders'
    assert {t.id for t in ws.read_draft("new_dag").design.tasks} == {"extract", "transform"}
    assert ws.read_draft("orders").design == orders
    save(at, "mine")
    assert ws.load("new_dag") == design(at)
    assert ws.load("orders") == Design.model_validate({"dag": {"dag_id": "orders"}})


def _user_objects(module) -> list[str]:
    """Names of module globals that hold a design or session data (directly or in a container)."""
    found = []
    for name, value in vars(module).items():
        values = [value]
        if isinstance(value, dict):
            values += [*value.keys(), *value.values()]
        elif isinstance(value, list | set | tuple | frozenset):
            values += list(value)
        if any(isinstance(v, Design) for v in values):
            found.append(name)
    return found


def test_sessions_are_isolated_and_no_user_data_is_global():
    one, two = session(), session()
    new_empty(one)
    add_task(one, "only_in_one")
    add_task(two, "only_in_two")
    assert "only_in_two" not in {t.id for t in design(one).tasks}
    assert "only_in_one" not in {t.id for t in design(two).tasks}
    assert one.query_params["design"] != two.query_params["design"]
    ours = [m for n, m in list(sys.modules.items()) if n.split(".")[0] in {"designer", "exporters"}]
    assert ours and not {m.__name__: _user_objects(m) for m in ours if _user_objects(m)}
    # functools caches of our modules take no design (they cache operator specs and the like)
    cached = [v for m in ours for v in vars(m).values() if isinstance(v, functools._lru_cache_wrapper)]
    assert cached and not [f for f in cached if "Design" in str(getattr(f, "__annotations__", {}))]
    # and no Streamlit global cache is used at all (st.cache_data and st.cache_resource are shared by sessions)
    sources = [p.read_text() for p in (ROOT / "designer").rglob("*.py")]
    assert not [s for s in sources if "st.cache_data" in s or "st.cache_resource" in s]


def test_publish_from_the_panel(tmp_path, monkeypatch):
    import subprocess

    repo = tmp_path / "airflow"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=E", "-c", "user.email=e@x", "commit", "-q",
                    "--allow-empty", "-m", "start"], check=True)
    monkeypatch.setenv("DAG_DESIGNER_PUBLISH_REPO", str(repo))
    at = session()
    at.text_input(key="ws_branch").input("add-nested")
    at.button(key="ws_publish").click()
    run(at)
    assert "Published to branch add-nested" in messages(at)
    shown = subprocess.run(["git", "-C", str(repo), "show", "--stat", "add-nested"], capture_output=True, text=True)
    assert "dags/dag_nested_taskgroups.py" in shown.stdout
    at.button(key="ws_publish").click()
    run(at)
    assert "Not published: branch add-nested exists already" in messages(at)


class Server:
    """One app server of several sharing a bare repository: its own workspace clone (the only per-server state
    the app keeps), selected by the environment while its sessions run, as a separate process would be."""

    def __init__(self, root: Path, remote: Path, monkeypatch) -> None:
        self.root, self.remote, self.monkeypatch = root, remote, monkeypatch

    def use(self) -> Server:
        """Run the next steps on this server."""
        self.monkeypatch.setenv("DAG_DESIGNER_WORKSPACE", str(self.root))
        self.monkeypatch.setenv("DAG_DESIGNER_WORKSPACE_REMOTE", str(self.remote))
        return self


def test_two_servers_share_a_bare_repository_and_a_conflict_is_caught(tmp_path, monkeypatch):
    remote = tmp_path / "shared.git"
    one, two = (Server(tmp_path / name, remote, monkeypatch) for name in ("one", "two"))
    one.use()
    a = session()
    new_empty(a)
    add_task(a, "extract")
    save(a, "from server one")
    two.use()
    b = session("new_dag")  # the other server sees the save (the draft stayed on server one)
    assert [t.id for t in design(b).tasks] == ["extract"] and "last saved version" in messages(b)
    add_task(b, "from_two")
    save(b)
    one.use()
    add_task(a, "from_one")
    save(a)
    assert "saved elsewhere" in messages(a)  # server one's save started from the version server two replaced
    shared = Workspace.open(tmp_path / "check", str(remote))
    assert [v.message for v in shared.history("new_dag")] == ["Save new_dag", "from server one"]
    assert [t.id for t in shared.load("new_dag").tasks] == ["extract", "from_two"]
    assert [t.id for t in Workspace.open(one.root, str(remote)).load("new_dag").tasks] == ["extract", "from_two"]
