"""Finding your way in a big design: find a task or group by id, focus on a neighbourhood, fold groups.

The row above the canvas always has the same elements, whatever is found or focused, so the canvas
keeps its place in the page (the browser would rebuild it, losing zoom and pan, if it moved).
"""

from __future__ import annotations

import streamlit as st

from designer.analysis.neighbourhood import neighbourhood
from designer.model import Design
from designer.ui import panels, state

MAX_MATCHES = 50  # offered in the matches list; typing more of the id narrows it
HOPS = (1, 10, 2)  # focus mode: min, max, default steps up and down


def matches(design: Design, text: str, limit: int = MAX_MATCHES) -> list[str]:
    """Task and group ids containing `text` (any case): an exact id first, then the shortest ids, at
    most `limit`.

    Examples
    --------
    >>> d = Design.model_validate({"dag": {"dag_id": "d"}, "tasks": [{"id": "load_b"}, {"id": "load"},
    ...                            {"id": "x"}], "groups": [{"id": "Loaders"}]})
    >>> matches(d, "load"), matches(d, "LOAD_"), matches(d, "  "), matches(d, "zzz")
    (['load', 'load_b', 'Loaders'], ['load_b'], [], [])
    """
    needle = text.strip().lower()
    if not needle:
        return []
    found = [item.id for item in (*design.tasks, *design.groups) if needle in item.id.lower()]
    found.sort(key=lambda i: (i != text.strip(), i.lower() != needle, len(i), i))
    return list(dict.fromkeys(found))[:limit]


def _found() -> None:
    hits = matches(state.design(), st.session_state.get("find_text") or "")
    st.session_state.find_pick = hits[0] if hits else None
    if hits:
        state.show([hits[0]])


def _picked() -> None:
    if st.session_state.get("find_pick"):
        state.show([st.session_state.find_pick])


def _fold(collapse: bool) -> None:
    st.session_state.collapsed = frozenset(g.id for g in state.design().groups) if collapse else frozenset()


def _ids() -> tuple[str, ...]:
    return tuple(item.id for item in (*state.design().tasks, *state.design().groups))


@panels.panel("navigator", _ids)
def navigator() -> None:
    """Find box and matches, then focus mode and fold buttons, in two rows above the canvas, and the
    critical path switch. Every widget here changes what the canvas shows: each refreshes the panels."""
    design = state.design()
    find, pick = st.columns(2, vertical_alignment="bottom")
    focus, hops, fold, unfold = st.columns([2.2, 1, 1.4, 1.4], vertical_alignment="bottom")
    find.text_input("Find a task or group", key="find_text", placeholder="id or part of it",
                    on_change=panels.refreshing(_found, "navigator"))
    hits = matches(design, st.session_state.get("find_text") or "")
    if st.session_state.get("find_pick") not in hits:
        st.session_state.find_pick = hits[0] if hits else None
    label = f"{len(hits)}{'+' if len(hits) == MAX_MATCHES else ''} match{'es' if len(hits) != 1 else ''}"
    pick.selectbox(label, hits, key="find_pick", on_change=panels.refreshing(_picked), disabled=not hits,
                   placeholder="no match" if st.session_state.get("find_text") else "type in Find")
    focus.toggle("Focus on selection", key="focus_on", on_change=panels.refresh,
                 help="Show only the selected tasks and those up to N steps upstream and downstream")
    hops.number_input("Steps", min_value=HOPS[0], max_value=HOPS[1], value=HOPS[2], key="focus_hops",
                      on_change=panels.refresh, help="Dependency steps upstream and downstream that focus mode shows")
    fold.button("Collapse all", on_click=panels.refreshing(_fold), args=(True,), disabled=not design.groups,
                width="stretch")
    unfold.button("Expand all", on_click=panels.refreshing(_fold), args=(False,), disabled=not design.groups,
                  width="stretch")
    st.toggle("Highlight the critical path", key="show_critical", on_change=panels.refresh)


def focus_ids() -> frozenset[str] | None:
    """What focus mode shows (ids of tasks and groups), or None when it is off or nothing is selected."""
    if not st.session_state.get("focus_on") or not state.selected():
        return None
    return neighbourhood(state.design(), state.selected(), int(st.session_state.get("focus_hops") or HOPS[2]))
