"""Concurrency (issue 10): two real app servers sharing one bare repository, 20 sessions editing and saving their
own designs for a minute, and pairs of sessions on the two servers saving the same design at the same moment.

The sessions speak Streamlit's websocket protocol (tests/support/st_session.py), as the browser does, to two
`streamlit run` processes, each with its own workspace clone of one bare repository. Checked:
- no leak: no frame a session received holds another session's mark (a random tag in its task ids), and
  the sessions of one server never share a design name (each URL names a different design);
- no lost save: every save the page reported ("Saved NAME as version V") is commit V of the shared
  repository, holding exactly the tasks that session had then; the last one is the design's latest version;
- every conflict detected and shown: in each race on the shared design exactly one save lands and the other
  page shows the conflict ("saved elsewhere ... Nothing was overwritten"); that session's design is then
  kept with Save as, and the shared design's history is exactly the winners' versions.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import subprocess
import time

import pytest

from designer.model import DagSettings, Design, Task
from designer.workspace import Workspace
from tests.browser.harness import ROOT, free_port, start_streamlit, stop_streamlit
from tests.support.st_session import DesignerSession, saved_version

pytestmark = pytest.mark.slow

SESSIONS = 20
EDITING_S = 60.0  # the "for a minute"
SAVE_EVERY = 3  # edits between saves
MIN_EDITS = 2 * SAVE_EVERY  # however slow the machine, each session saves at least twice between its first and last
THINK_S = (0.3, 1.2)  # a pause between a session's actions, as a person makes
SHARED = "shared"


def task_ids(design: Design) -> set[str]:
    return {t.id for t in design.tasks}


def confirmed(page) -> tuple[str, str] | None:
    """The save the page confirms (name, short commit); a page that confirms none fails with what it says."""
    told = saved_version(page)
    assert told is not None, f"a save was not confirmed; the page says: {' | '.join(page.texts[:15])}"
    return told


async def own_design(url: str, k: int, tag: str, until: float, drafted: asyncio.Barrier) -> dict:
    """One session: a new design, named at its first save, grown by a task at a time and saved every
    SAVE_EVERY edits until `until`. Returns what it was told: the saves, the tasks of each. Every session
    has drafted its new design before any saves it under its own name (`drafted`): a saved design's draft
    is discarded and its name free again, so only drafts held at the same time must have distinct names."""
    rng = random.Random(k)
    async with DesignerSession(url) as s:
        await s.new_design()
        await s.open_tab("Add task")
        tasks = [f"{tag}_t000"]
        await s.add_task(tasks[0])
        drafted_as = s.design_name  # the name autosave gave the new design
        await drafted.wait()
        name = f"load-{k:02d}"
        saves = [(confirmed(await s.save_as(name, "first")), set(tasks))]
        while time.monotonic() < until or len(tasks) <= MIN_EDITS:
            await asyncio.sleep(rng.uniform(*THINK_S))  # a person's pause: the load's pace, not a wait
            tasks.append(f"{tag}_t{len(tasks):03d}")
            await s.add_task(tasks[-1])
            if len(tasks) % SAVE_EVERY == 0:
                saves.append((confirmed(await s.save(f"edit {len(tasks)}")), set(tasks)))
        saves.append((confirmed(await s.save("last")), set(tasks)))
        return {"name": name, "drafted_as": drafted_as, "saves": saves, "tag": tag, "received": s.received}


async def race(urls: list[str], round_: int, tags: list[str], current: set[str]) -> dict:
    """Two sessions, one per server, open the shared design (whose tasks are `current`), each add a task and
    save at the same moment. Exactly one save may land; the other page must show the conflict, and that
    session keeps its design with Save as."""
    sessions = [DesignerSession(url, f"design={SHARED}") for url in urls]
    for s in sessions:
        await s.__aenter__()
        assert s.design_name == SHARED, f"round {round_}: {SHARED} did not open: {' | '.join(s.page.texts[:15])}"
    try:
        added = [f"{tag}_r{round_}" for tag in tags]
        for s, task in zip(sessions, added, strict=True):
            await s.open_tab("Add task")
            await s.add_task(task)
        before = [current | {task} for task in added]
        pages = await asyncio.gather(*(s.save(f"race {round_} {tag}") for s, tag in zip(sessions, tags, strict=True)))
        outcome = [saved_version(p) for p in pages]
        landed = [i for i, o in enumerate(outcome) if o is not None]
        assert len(landed) == 1, f"round {round_}: {len(landed)} of 2 racing saves landed: {outcome}"
        winner, loser = landed[0], 1 - landed[0]
        shown = pages[loser]
        assert shown.has_text(f"{SHARED} was saved elsewhere") and shown.has_text("Nothing was overwritten"), \
            shown.texts[:12]
        assert shown.has_text(added[loser]), "the conflict's difference does not show the loser's task"
        kept = saved_version(await sessions[loser].save_as(f"{SHARED}-{round_}", "mine, after a conflict"))
        assert kept is not None, sessions[loser].page.texts[:12]
        return {"winner": (outcome[winner], before[winner]), "kept": (kept, before[loser]),
                "received": [s.received for s in sessions], "tags": tags}
    finally:
        for s in sessions:
            await s.close()


async def scenario(urls: list[str]) -> tuple[list[dict], list[dict]]:
    until = time.monotonic() + EDITING_S
    tags = [f"m{secrets.token_hex(4)}" for _ in range(SESSIONS)]
    drafted = asyncio.Barrier(SESSIONS)
    editors = [own_design(urls[k % 2], k, tags[k], until, drafted) for k in range(SESSIONS)]

    async def races() -> list[dict]:
        done, current, rng = [], {"start"}, random.Random(SESSIONS)
        while time.monotonic() < until:
            done.append(await race(urls, len(done), [f"x{secrets.token_hex(4)}", f"y{secrets.token_hex(4)}"],
                                   current))
            current = done[-1]["winner"][1]
            await asyncio.sleep(rng.uniform(*THINK_S))  # a person's pause before the next race: pace, not a wait
        return done

    *edited, raced = await asyncio.gather(*editors, races())
    return edited, raced


def test_twenty_sessions_and_racing_saves_on_two_servers(tmp_path):
    remote = tmp_path / "shared.git"
    seed = Workspace.open(tmp_path / "seed", str(remote))
    seed.save(SHARED, Design(dag=DagSettings(dag_id=SHARED), tasks=(Task(id="start"),)), None, "seed")
    procs, urls = [], []
    try:
        for side in ("a", "b"):
            proc, url = start_streamlit(ROOT / "streamlit_app.py", free_port(), log_name=f"load-{side}",
                                        env={"DAG_DESIGNER_WORKSPACE": str(tmp_path / side),
                                             "DAG_DESIGNER_WORKSPACE_REMOTE": str(remote)})
            procs.append(proc)
            urls.append(url)
        edited, raced = asyncio.run(scenario(urls))
    finally:
        for proc in procs:
            stop_streamlit(proc)

    repo = Workspace.open(tmp_path / "check", str(remote))
    fsck = subprocess.run(["git", "-C", str(remote), "fsck", "--strict"], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stderr

    # No leak: nothing of another session reached a session. The racing sessions share the shared design,
    # so they may see each other's tasks (a conflict shows theirs), never an editor's.
    editors = {e["tag"] for e in edited}
    racers = {t for r in raced for t in r["tags"]}
    streams = [(e["tag"], e["received"]) for e in edited]
    streams += [(tag, received) for r in raced for tag, received in zip(r["tags"], r["received"], strict=True)]
    for mine, received in streams:
        others = [t.encode() for t in (editors | racers) - ({mine} if mine in editors else racers)]
        leaked = {t.decode() for frame in received for t in others if t in frame}
        assert not leaked, f"session {mine} received marks of sessions {sorted(leaked)}"
    for server in (0, 1):
        names = [e["drafted_as"] for k, e in enumerate(edited) if k % 2 == server]
        assert len(set(names)) == len(names), f"server {server}: sessions shared a design name: {sorted(names)}"

    # No lost save: every reported save is that commit, with that session's tasks of the moment.
    for e in edited:
        history = repo.history(e["name"])
        by_short = {v.short: v.commit for v in history}
        for told, tasks in e["saves"]:
            assert told is not None and told[0] == e["name"], f"{e['name']}: a save was not confirmed: {told}"
            assert told[1] in by_short, f"{e['name']}: reported version {told[1]} is not in the repository"
            assert task_ids(repo.load(e["name"], by_short[told[1]])) == tasks
        assert history[0].short == e["saves"][-1][0][1]

    # Races: the shared design's history is the seed and then exactly the winners, in order; each loser's
    # design is kept under its own name.
    assert raced, "no race ran"
    versions = repo.history(SHARED)
    assert [v.short for v in reversed(versions)][1:] == [r["winner"][0][1] for r in raced]
    for r in raced:
        (name, short), tasks = r["winner"]
        assert task_ids(repo.load(SHARED, next(v.commit for v in versions if v.short == short))) == tasks
        (kept_name, _), kept_tasks = r["kept"]
        assert task_ids(repo.load(kept_name)) == kept_tasks
