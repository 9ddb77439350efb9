"""A stand-in for an analyst's session, driving the workspace exactly as the app does (designer.ui.workspace_panel
calls the same Workspace methods): open a design (`resume`), edit it, write the draft after every edit
(`write_draft`, the app's autosave), and now and then save it (`save`). Used by the fault test, which kills
the process running `run` at random points and checks what it left.

Each finished step is logged as one line to `log`, after it has returned (so a logged draft or save is one
the workspace reported done): `draft NAME N TIME`, `saved NAME COMMIT N TIME`;
`saving NAME` is logged before a save starts. N counts the edits of a
design; it is kept in the design's description, so it survives restarts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from designer.edits import add_task, remove
from designer.model import DagSettings, Design, Task
from designer.workspace import Workspace, WorkspaceError

NAMES = ("orders", "billing", "web logs")


def edit_count(design: Design) -> int:
    """N of the design's last edit (0 for a new design)."""
    description = design.dag.description or ""
    return int(description.removeprefix("edit ")) if description.startswith("edit ") else 0


def edited(design: Design, rng: random.Random) -> Design:
    """The next edit: a task added or removed, and the edit count bumped."""
    n = edit_count(design) + 1
    tasks = [t.id for t in design.tasks]
    if len(tasks) > 6 or (tasks and rng.random() < 0.3):
        design = remove(design, [rng.choice(tasks)])
    else:
        design = add_task(design, Task(id=f"t{n}", operator="empty"))
    return design.model_copy(update={"dag": design.dag.model_copy(update={"description": f"edit {n}"})})


def run(root: Path, log: Path, seed: int, remote: str | None = None,
        first_draft: Callable[[], None] | None = None) -> None:
    """Edit, autosave and save forever. `first_draft` is called once, after the first draft is logged."""
    rng = random.Random(seed)
    ws = Workspace.open(root, remote)
    with open(log, "a", buffering=1) as out:
        while True:
            name = rng.choice(NAMES)
            try:
                opened = ws.resume(name)
                design, base = opened.design, opened.base
            except WorkspaceError:  # never saved and no draft: a new design
                design, base = Design(dag=DagSettings(dag_id=name.replace(" ", "_"))), None
            for _ in range(rng.randint(1, 12)):
                design = edited(design, rng)
                ws.write_draft(name, design, base)
                out.write(f"draft\t{name}\t{edit_count(design)}\t{time.time()}\n")
                if first_draft is not None:
                    first_draft()
                    first_draft = None
                if rng.random() < 0.35:
                    out.write(f"saving\t{name}\n")
                    base = ws.save(name, design, base, f"edit {edit_count(design)}").commit
                    out.write(f"saved\t{name}\t{base}\t{edit_count(design)}\t{time.time()}\n")
