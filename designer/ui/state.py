"""The only owner of st.session_state: the current design, its undo/redo history, selection and messages.

Designs are immutable, so history is a list of old values. Every change goes through `commit`, which
records the previous design (`place`, the canvas positioning new boxes, is the one exception); a
failed edit leaves the design as it was and says why.

Opening another design (gallery, upload, workspace) starts a new document: a number that the undo and
redo entries carry beside their designs. Each document has its own workspace record (which workspace
design it is, the version it started from), so an undo back across an opening brings back the previous
design together with its name, and its draft (not the other design's) receives it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from designer.analysis import Report, analyze
from designer.group_tree import ancestry, parents_of
from designer.model import Design
from designer.storage import load_design
from designer.ui.canvas.layout import opening_view

SAMPLES = Path(__file__).resolve().parents[2] / "sample_configs"
DEFAULT_SAMPLE = "nested_taskgroups.yaml"
HISTORY_LIMIT = 100


def init() -> None:
    """Give a new session its starting state: a sample design loaded, empty history."""
    ss = st.session_state
    if "design" not in ss:
        ss.design = load_design(SAMPLES / DEFAULT_SAMPLE)
        ss.source = DEFAULT_SAMPLE
        ss.undo = []
        ss.redo = []
        ss.selected = []
        ss.collapsed = frozenset()  # groups folded on the canvas (view state, not part of the design)
        ss.message = None
        ss.revision = 0  # bumps on every change, so widgets keyed by it refresh
        ss.workspace = None  # the open workspace design (see workspace_design)
        ss.document = 0  # which opened design the current one descends from (see the module docstring)
        ss.undo_documents, ss.redo_documents = [], []  # the document of each undo / redo entry
        ss.parked = {}  # document -> its workspace record, for the documents undo or redo can go back to


def design() -> Design:
    return st.session_state.design


def commit(new: Design, note: str | None = None) -> None:
    """Make `new` the current design (recording the old one for undo)."""
    ss = st.session_state
    if new == ss.design:
        return
    ss.undo = [*ss.undo[-(HISTORY_LIMIT - 1):], ss.design]
    ss.undo_documents = [*ss.undo_documents[-(HISTORY_LIMIT - 1):], ss.document]
    ss.redo, ss.redo_documents = [], []
    ss.design = new
    ss.revision += 1
    ss.message = ("success", note, ss.revision) if note else None


def replace(new: Design, source: str) -> None:
    """Open another design (gallery or upload); undo can bring the previous one back. A big design opens
    laid out and with its groups collapsed (`canvas.layout.opening_view`)."""
    new, collapsed = opening_view(new)
    commit(new)
    ss = st.session_state
    ss.source = source
    ss.selected = []
    ss.collapsed = collapsed
    kept = {*ss.undo_documents, *ss.redo_documents}
    ss.parked = {doc: record for doc, record in ss.parked.items() if doc in kept} | {ss.document: ss.workspace}
    ss.document = max(kept | {ss.document}) + 1
    ss.workspace = None  # another design: not the workspace design that was open


def open_from_workspace(new: Design, name: str, base: str | None) -> None:
    """Open workspace design `name` (a draft or a saved version); `base` is the version a save starts from.
    The draft is not written again until the design next changes."""
    replace(new, f"workspace: {name}")
    st.session_state.workspace = {"name": name, "base": base, "drafted": st.session_state.revision}


def workspace_design() -> dict | None:
    """{"name", "base", "drafted"} of the open workspace design (drafted: the revision last written as its
    draft), or None when the open design is not in the workspace."""
    return st.session_state.get("workspace")


def bind_workspace(name: str, base: str | None) -> None:
    """Make the current design workspace design `name`, saved as `base` (None: not yet saved); its draft is
    due (`draft_due`)."""
    st.session_state.workspace = {"name": name, "base": base, "drafted": None}


def update_workspace(**changes) -> None:
    """Change fields of the open workspace design's record (`base` after a save, `conflict`, ...). A new
    `base` also holds for the same design in documents undo can go back to: this session saved it."""
    ss = st.session_state
    ss.workspace = {**ss.workspace, **changes}
    if "base" in changes:
        ss.parked = {doc: ({**record, "base": changes["base"]} if record and record["name"] == ss.workspace["name"]
                           else record) for doc, record in ss.parked.items()}


def draft_due() -> bool:
    """True when the open workspace design changed since its draft was last written."""
    bound = workspace_design()
    return bound is not None and bound["drafted"] != st.session_state.revision


def drafted() -> None:
    """Record that the current revision is the one written as the draft."""
    update_workspace(drafted=st.session_state.revision)


def place(new: Design) -> None:
    """Take `new` without an undo step: the canvas placed boxes that had no position yet.

    Automatic layout is not something the user did, and recording it would also wipe the redo list
    whenever undo brings back a design with unplaced boxes."""
    st.session_state.design = new


def try_edit(edit: Callable[[Design], Design], note: str | None = None,
             selection: list[str] | None = None) -> str | None:
    """Run a pure edit on the current design (for callbacks): None when it was made (and `selection` then
    selected), else why it was refused, the design kept as it was."""
    try:
        new = edit(design())  # edits validate what they change (model_copy does), the model's bounds included
    except (ValueError, OverflowError) as exc:  # EditError, DslError, ValidationError, bounds, a huge number
        return str(exc)
    commit(new, note)
    if selection is not None:
        select(selection)
    return None


def apply(edit: Callable[[Design], Design], note: str | None = None, selection: list[str] | None = None) -> None:
    """Run a pure edit on the current design from a panel's body (`try_edit`).

    On success the page reruns at once, so metrics, findings and the canvas (drawn earlier in this
    run) show the new design. On failure the design is kept and the reason is shown where the user
    acted, with the form's input still there."""
    problem = try_edit(edit, note, selection)
    if problem is not None:
        st.error(problem)
        return
    st.rerun()


def tell(message: str) -> None:
    """Show `message` as a success at the top of the page until the design next changes."""
    st.session_state.message = ("success", message, st.session_state.revision)


def revision() -> int:
    """The design's revision: 0 for the design a session starts with, bumped by every change."""
    return st.session_state.revision


def once_per_session(key: str) -> bool:
    """True the first time it is asked for `key` in this session (things done when a session starts)."""
    done = st.session_state.setdefault("session_once", frozenset())
    st.session_state.session_once = done | {key}
    return key not in done


def session_resource(key: str, make: Callable[[], object]) -> object:
    """A per-session object (the session's workspace handle, say), made on first use."""
    resources = st.session_state.setdefault("session_resources", {})
    if key not in resources:
        resources[key] = make()
    return resources[key]


def fail(message: str) -> None:
    """Show `message` at the top of the page (for failures that rerun, such as a bad upload)."""
    st.session_state.message = ("error", message, st.session_state.revision)


def undo() -> None:
    ss = st.session_state
    if ss.undo:
        ss.redo, ss.redo_documents = [*ss.redo, ss.design], [*ss.redo_documents, ss.document]
        _go_to(ss.undo[-1], ss.undo_documents[-1])
        ss.undo, ss.undo_documents = ss.undo[:-1], ss.undo_documents[:-1]


def redo() -> None:
    ss = st.session_state
    if ss.redo:
        ss.undo, ss.undo_documents = [*ss.undo, ss.design], [*ss.undo_documents, ss.document]
        _go_to(ss.redo[-1], ss.redo_documents[-1])
        ss.redo, ss.redo_documents = ss.redo[:-1], ss.redo_documents[:-1]


def _go_to(design: Design, document: int) -> None:
    """Make `design` of `document` current; going to another document brings back its workspace record."""
    ss = st.session_state
    if document != ss.document:
        ss.parked = {**ss.parked, ss.document: ss.workspace}
        record = ss.parked.get(document)
        ss.workspace = None if record is None else {**record, "conflict": None}
        ss.document = document
    ss.design = design
    ss.revision += 1


def selected() -> list[str]:
    return list(st.session_state.selected)


def select(ids: list[str]) -> None:
    st.session_state.selected = list(ids)


def show(ids: list[str]) -> None:
    """Select `ids` and expand the collapsed groups around them, so the canvas shows them (and brings
    them into view)."""
    parents = parents_of(design().groups)
    owner = {task.id: task.group for task in design().tasks} | parents
    around = {gid for item in ids for gid in ancestry(parents, owner.get(item))}
    st.session_state.collapsed = st.session_state.collapsed - around
    select(ids)


def set_collapsed(group_id: str, collapsed: bool) -> None:
    """Fold (True) or unfold a group on the canvas."""
    folded = st.session_state.collapsed
    st.session_state.collapsed = folded | {group_id} if collapsed else folded - {group_id}


def current_message() -> tuple[str, str] | None:
    """(kind, text) of the message at the top of the page: the last edit's note or failure, shown until the
    design next changes. Reruns for anything else (a selection, a tab) keep it, so it never flashes by."""
    message = st.session_state.get("message")
    if message is None or message[2] != st.session_state.revision:
        return None
    return message[0], message[1]


def report() -> Report:
    """The analysis of the current design, computed once per design (panels rerun apart share it)."""
    ss = st.session_state
    cached = ss.get("report")
    if cached is None or cached[0] is not ss.design:
        ss.report = (ss.design, analyze(ss.design))
    return ss.report[1]
