"""Panels: the parts of the page that rerun on their own, and only when what they show has changed.

A panel is a keyed `st.fragment` registered with `shows`, a cheap function of the session's state that
returns what the panel displays (compared with ==; identical immutable values compare in no time). An edit
made in a callback (a canvas op, a button) ends with `refresh()`, which reruns exactly the panels whose
`shows` value differs from the one their last run recorded, through Streamlit's keyed fragment rerun
(`st.rerun([keys])` from a callback): a drag reruns the canvas, not the findings; a selection reruns the
canvas and the property panel, not the metrics. A full run (the first load, a tab switch, a body-level
st.rerun) runs every panel on the page.

Each panel run ends with a mark, `<span class="dd-run" data-panel=KEY data-run=N data-uploads=U
data-ms=MS>`: N numbers every panel run of the session (numbers only grow), U counts the uploads the app
has consumed, MS is the panel's own time. Browser tests wait for the highest N on the page to pass the one
they saw before their action, together with Streamlit's running state (tests/browser/harness.py), and a
test sees which panels an edit reran by the marks whose numbers grew (tests/browser/test_panel_reruns.py).

Panels read everything from st.session_state, never from arguments: a fragment rerun calls the function
with the arguments of the last full run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import streamlit as st
from streamlit import runtime

_REGISTRY: dict[str, Callable[[], Any]] = {}  # panel key -> its `shows`; code, not user data
_ON_PAGE = "panels_on_page"  # session: the keys of the panels the last full run drew
_VERSIONS = "panel_versions"  # session: panel key -> (its last run's `shows` value, how often that value changed)
_COUNTER = "run_started"  # session: the number of the last panel run (see the module docstring)
_BEFORE: list[Callable[[], None]] = []  # what every refresh does first (the workspace's autosave); code


def panel(key: str, shows: Callable[[], Any]) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Make `func` the panel `key`: a keyed fragment that `refresh` reruns when `shows()` changes."""
    def decorate(func: Callable[[], None]) -> Callable[[], None]:
        if _REGISTRY.setdefault(key, shows) is not shows:
            raise ValueError(f"two panels are called {key!r}")

        @st.fragment(key=key)
        @wraps(func)
        def run() -> None:
            ss = st.session_state
            number = start_run()
            started = time.perf_counter()
            versions = ss.setdefault(_VERSIONS, {})
            last = versions.get(key)
            version = 0 if last is None else last[1] + (last[0] != shows())
            versions[key] = (None, version)  # None until the run completes (st.rerun may stop it)
            func()
            # What it showed is the state after its run: a panel may change what it shows (the workspace
            # panel opens the design the URL names) and must not count that as a change next time.
            versions[key] = (shows(), version)
            ss[_ON_PAGE] = ss.get(_ON_PAGE, frozenset()) | {key}
            mark(key, number, started)

        return run

    return decorate


def before_refresh(step: Callable[[], None]) -> None:
    """Make `step` the first thing every `refresh` does (for work an edit needs wherever it was made)."""
    if step not in _BEFORE:
        _BEFORE.append(step)


def refresh(*acted: str) -> None:
    """Rerun the panels whose display changed, and `acted` (the panels the user acted in). Call it last in a
    callback: it ends the callback (st.rerun raises) unless nothing needs a rerun."""
    for step in _BEFORE:
        step()
    if not _served():
        return  # AppTest: it keeps no page between runs, and runs the whole page for every action
    versions = st.session_state.get(_VERSIONS, {})
    keys = [key for key in st.session_state.get(_ON_PAGE, ())
            if key in acted or _REGISTRY[key]() != versions[key][0]]
    if keys:
        st.rerun(keys)


def _served() -> bool:
    """True under a real Streamlit server (AppTest runs scripts with a stand-in Runtime, a MagicMock)."""
    return runtime.exists() and type(runtime.get_instance()) is runtime.Runtime


def start_page() -> None:
    """Call at the top of a full run: the panels on the page are those that run in it."""
    st.session_state[_ON_PAGE] = frozenset()
    st.session_state.page_clock = time.perf_counter()
    start_run()


def finish_page() -> None:
    """Call as the last statement of a full run: its mark (a run stopped early by st.rerun has none)."""
    mark("page", run_number(), st.session_state.get("page_clock", time.perf_counter()))


def start_run() -> int:
    """A new run number (see the module docstring)."""
    st.session_state[_COUNTER] = st.session_state.get(_COUNTER, 0) + 1
    return st.session_state[_COUNTER]


def run_number() -> int:
    """The number of the panel run in progress (sent with the canvas payload)."""
    return st.session_state.get(_COUNTER, 0)


def mark(name: str, number: int, started: float) -> None:
    """Write the run mark of `name` (a panel, or "page" at the end of a full run)."""
    ms = round((time.perf_counter() - started) * 1000)
    uploads = st.session_state.get("upload_round", 0)
    st.html(f'<span class="dd-run" data-panel="{name}" data-run="{number}" data-uploads="{uploads}" '
            f'data-ms="{ms}"></span>')


def version(key: str) -> int:
    """How often what panel `key` shows has changed: the panel's widget keys carry it, so its forms start
    afresh when what they edit changed, and keep what the user typed across the panel's other runs (a key
    carrying the design's revision would change under a form whose panel an edit elsewhere did not rerun)."""
    return st.session_state[_VERSIONS][key][1]


def refreshing(change: Callable[..., None], *acted: str) -> Callable[..., None]:
    """A widget callback that makes `change(*args)` and then `refresh(*acted)`."""
    @wraps(change)
    def callback(*args: Any, **kwargs: Any) -> None:
        change(*args, **kwargs)
        refresh(*acted)

    return callback


class Same:
    """Compares equal to another `Same` only when both hold the very same object: a `shows` value for a
    big immutable value (the design) that costs nothing to compare.

    >>> design = {"tasks": ["a"]}
    >>> Same(design) == Same(design), Same(design) == Same({"tasks": ["a"]})
    (True, False)
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.value is self.value

    __hash__ = None  # type: ignore[assignment]
