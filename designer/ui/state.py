"""The only owner of st.session_state: the current design, its undo/redo history, selection and messages.

Designs are immutable, so history is a list of old values. Every change goes through `commit`, which
records the previous design; a failed edit leaves the design as it was and stores a message instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from designer.model import Design
from designer.storage import load_design

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
        ss.message = None
        ss.revision = 0  # bumps on every change, so widgets keyed by it refresh


def design() -> Design:
    return st.session_state.design


def commit(new: Design, note: str | None = None) -> None:
    """Make `new` the current design (recording the old one for undo)."""
    ss = st.session_state
    if new == ss.design:
        return
    ss.undo = [*ss.undo[-(HISTORY_LIMIT - 1):], ss.design]
    ss.redo = []
    ss.design = new
    ss.revision += 1
    ss.message = ("success", note) if note else None


def replace(new: Design, source: str) -> None:
    """Open another design (gallery or upload); undo can bring the previous one back."""
    commit(new)
    st.session_state.source = source
    st.session_state.selected = []


def apply(edit: Callable[[Design], Design], note: str | None = None) -> bool:
    """Run a pure edit on the current design; on failure keep the design and show why."""
    try:
        new = edit(design())
    except ValueError as exc:  # EditError, DslError, pydantic ValidationError
        fail(str(exc))
        return False
    commit(new, note)
    return True


def fail(message: str) -> None:
    st.session_state.message = ("error", message)


def undo() -> None:
    ss = st.session_state
    if ss.undo:
        ss.redo = [*ss.redo, ss.design]
        ss.design = ss.undo[-1]
        ss.undo = ss.undo[:-1]
        ss.revision += 1


def redo() -> None:
    ss = st.session_state
    if ss.redo:
        ss.undo = [*ss.undo, ss.design]
        ss.design = ss.redo[-1]
        ss.redo = ss.redo[:-1]
        ss.revision += 1


def selected() -> list[str]:
    return list(st.session_state.selected)


def select(ids: list[str]) -> None:
    st.session_state.selected = list(ids)


def take_message() -> tuple[str, str] | None:
    message = st.session_state.get("message")
    st.session_state.message = None
    return message
