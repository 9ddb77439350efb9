"""The DAG canvas: a Streamlit components-v2 component (Cytoscape.js) for drawing a Design.

Usage (the design lives in st.session_state; edits are applied in a callback, *before* the page
script runs, so everything the page shows in that run -- analysis, findings, the canvas itself --
already reflects the edit)::

    from designer.ui.canvas import apply_edit, dag_canvas

    def on_canvas_edit(op):
        if op["op"] == "select":
            st.session_state.selected = op["ids"]
        elif op["op"] == "toggle_collapse":
            st.session_state.collapsed = st.session_state.collapsed ^ {op["id"]}
        else:
            st.session_state.design = apply_edit(st.session_state.design, op)

    dag_canvas(st.session_state.design, key="canvas", selected=st.session_state.selected,
               collapsed=st.session_state.collapsed, on_edit=on_canvas_edit)

Without `on_edit` the canvas is a viewer: edits are drawn, reported and then undone, because the
canvas always ends up showing the design Python sends. `on_edit` runs with the previous run's
closure, so it must read and write the design through st.session_state, not a local variable.
Do not mount the canvas inside `st.form`: Streamlit drops trigger values there (the canvas then
resends for ~45 s, gives up and shows Python's design again).

The frontend is an installed component: `designer.canvas`, whose asset_dir
`designer/ui/canvas/frontend/build/` is declared in the repo's pyproject.toml (the project name is
`designer` because Streamlit's manifest scanner finds an editable install's pyproject.toml through
the import package of the same name). `scripts/setup.sh` builds it (`npm ci && npm run build`) and
installs the project (`pip install -e . --no-deps`). The JS is served once over HTTP, not re-sent in
every rerun.

Data contract
-------------
Python -> JS: every run builds the whole payload (`payload.canvas_payload`) and sends it as message
number `seq` (the component's `data`, see `delta.wire_message`): the payload itself, or what changed
since the previous message::

    {**payload, "stream": s, "seq": n}                             # whole: first run, after a resync, ...
    {"version": 2, "stream": s, "seq": n, "base": n - 1,           # delta against message n - 1's payload
     "items"?: {"tasks" | "groups" | "edges": {"put"?: [item, ...], "drop"?: [id or [upstream, downstream]]}},
     "set"?: {key: new value}, "unset"?: [key, ...],               # other top-level keys: changed / gone
     "prev"?: [{"seq": n - 1, "base": n - 2, "items"?, "set"?, "unset"?}, ...]}   # earlier deltas, newest first

`stream` is random per canvas and session (a seq names a payload only within it). The canvas keeps
the payload it rebuilt with its stream and seq. Tasks and groups are keyed by id, edges by
(upstream, downstream), with Map semantics: a put item keeps its place, a new one goes at the end.
A delta is sent only when it rebuilds the payload exactly (order included: undo putting a task back
in the middle goes whole) and is smaller. `prev` repeats up to 3 earlier deltas (4 KB at most), so a
canvas that missed a message catches up: Streamlit seldom delivers the message of a run that
st.rerun stops soon after drawing the canvas (it drops what it has not sent when the next run
starts). A delta the canvas cannot use (another stream, none of the bases held: a fresh mount, more
was lost), an unknown `version` or a broken shape is not applied: the canvas keeps showing what it
has and sends `setTriggerValue("resync", seq it holds)`, which makes the next message whole (asked
again after 3 s while none comes, at most 3 times in a row). The payload::

    {"version": 2, "instance": str, "height": int,
     "operators": {operator: display label},        # e.g. {"bash": "Bash"}; shown under each task id
     "tasks":  [{"id", "operator", "group"?: id, "position"?: {"x", "y"}, "mapped"?: true, "fan_out"?: int,
                 "task_id"?: str, "role"?: "setup" | "teardown"}],                   # task_id: Airflow's, if not id
     "groups": [{"id", "parent"?: id, "collapsed"?: true, "position"?: {"x", "y"}}],
     "edges":  [{"upstream", "downstream", "label"?: str}],
     "selected": [id, ...],
     "highlight": {"cycle": [id, ...], "critical": [id, ...], "diff-added": [id, ...], "diff-changed": [id, ...]},
     "edge_highlight": {"diff-added": [[upstream, downstream], ...], "diff-changed": [...]},
     "focus"?: [id, ...],
     "removed"?: {"tasks": [task], "groups": [{"id", "position"?}], "edges": [[upstream, downstream], ...]},
     "relayout_token": int, "ack": {"client": str | None, "seq": int}, "run"?: int}

- Keys marked `?` are left out when they have their default (no group, no position, ...): that and
  the operator labels sent once keep a 2,000-task payload near 390 KB, sent whole only when it must
  be; an edit's delta is a few hundred bytes. Positions are whole pixels.
- Positions are kept: a node with a position is drawn there. ELK lays out the whole graph only when
  more than a quarter of the boxes have none (e.g. a new or imported design), when `relayout_token`
  changes, or on the toolbar's Re-layout; fewer new nodes are placed next to their neighbours.
  Every layout or drag is reported back as a `move` op, so a rerun never moves anything.
- `selected` and `collapsed` are commands: the canvas applies them when their value changes, and
  otherwise keeps the user's own selection / collapsing. `highlight` is styling, applied as given
  (for "cycle" and "critical", edges between highlighted tasks, or groups containing them, are
  highlighted too; the diff kinds mark exactly the boxes listed and the edges in `edge_highlight`).
- `focus` (focus mode), when present, is the only tasks and groups to show: the rest is hidden and the
  view fitted to what is shown whenever the focus changes. Absent: everything is shown. In focus mode
  the positions sent are a view of their own (Python lays the neighbourhood out), so the canvas lets
  nothing be dragged or re-laid out then: no position of that view ever reaches the design.
- `removed` (the Compare tab's "Show on canvas") is drawn as ghosts: dashed boxes and edges of what a
  compared design had, with ids `ghost:<id>`, never selectable, movable or part of the design.
- A selection from Python that is off screen (or too small to read) is brought into view.
- `instance` names the test hook `window.__dagCanvas[instance]` (page coordinates of nodes etc.).

JS -> Python: `setTriggerValue("resync", seq)` (above), and
`setTriggerValue("edit", {"client": str, "ops": [op, ...]})`. Every op has `"seq"`
(1, 2, 3 ... per client); a batch carries every op not yet acknowledged in `ack`, so ops are never
lost or applied twice (see `protocol`). Ops (applied to a Design by `edits.apply_edit`)::

    {"op": "connect", "upstream", "downstream"}
    {"op": "move", "positions": {id: {"x", "y"}}}              # tasks and groups
    {"op": "reparent", "id", "group": id | None}               # task or group
    {"op": "delete", "ids": [...], "edges": [{"upstream", "downstream"}]}
    {"op": "add_task", "id", "operator", "group": id | None, "position": {"x", "y"}}
    {"op": "select", "ids": [...]}                             # view state
    {"op": "toggle_collapse", "id", "collapsed": bool}         # view state

The canvas refuses self loops, duplicate edges and edges between a group and its own member;
cycles can be drawn (the analysis reports them). Sending ops rather than the graph keeps the
browser -> Python traffic small at 2,000 tasks.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from designer.model import Design
from designer.ui.canvas.delta import wire_message
from designer.ui.canvas.edits import apply_edit
from designer.ui.canvas.payload import canvas_payload, local_ids
from designer.ui.canvas.protocol import NO_ACK, Ack, accept

__all__ = ["COMPONENT_NAME", "apply_edit", "canvas_payload", "dag_canvas", "local_ids"]

COMPONENT_NAME = "designer.canvas"  # "<[project].name>.<[[tool.streamlit.component.components]].name>"
BUILD_DIR = Path(__file__).resolve().parent / "frontend" / "build"
# st.session_state slot of one canvas: its Ack, the ops of this run, and what it was sent last (the stream,
# the seq, the payload and the message)
_STATE = "_dag_canvas:{key}"

_component: Callable[..., Any] | None = None


def _get_component() -> Callable[..., Any]:
    """The registered component (created once per process; it holds no user state)."""
    global _component
    if _component is None:
        import streamlit as st

        if not (BUILD_DIR / "canvas.js").is_file():
            raise RuntimeError(f"The canvas frontend is not built ({BUILD_DIR}/canvas.js is missing). "
                               "Run: bash scripts/setup.sh")
        try:
            _component = st.components.v2.component(COMPONENT_NAME, js="canvas.js")
        except Exception as exc:  # StreamlitAPIException: the manifest was not found
            raise RuntimeError(f"The {COMPONENT_NAME!r} component is not installed ({exc}). Run: bash scripts/setup.sh "
                               "(it runs `pip install -e . --no-deps`), then restart Streamlit.") from exc
    return _component


def dag_canvas(
    design: Design,
    *,
    key: str,
    selected: Iterable[str] = (),
    highlight: Mapping[str, Iterable[str]] | None = None,
    edge_highlight: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    collapsed: Iterable[str] = (),
    focus: Iterable[str] | None = None,
    shown_at: Mapping[str, tuple[int, int]] | None = None,
    removed: Mapping[str, Any] | None = None,
    relayout_token: int = 0,
    height: int = 600,
    on_edit: Callable[[dict[str, Any]], None] | None = None,
    on_edits_done: Callable[[], None] | None = None,
    run: int | None = None,
) -> dict[str, Any] | None:
    """Draw `design` on the canvas; return the newest edit op received in this run, or None.

    `on_edit(op)` is called once per new op, in order, from Streamlit's callback phase (before the
    page script runs); that is where the caller applies ops to its stored design (`apply_edit`) and
    updates its selection / collapsed groups. `on_edits_done()` is called once after a batch's new
    ops were all applied and acknowledged (not when a batch brings none), as the last thing the
    canvas' callback does: it may call `st.rerun(...)`, which raises. See the module docstring for
    the data contract.
    """
    import streamlit as st

    slot = _STATE.format(key=key)
    state = st.session_state.setdefault(slot, {"ack": dict(NO_ACK), "fresh": [], "stream": secrets.token_hex(4),
                                               "seq": 0, "sent": None, "last": None})

    def _receive() -> None:
        value = st.session_state.get(key)
        batch = value.get("edit") if isinstance(value, Mapping) else None
        ops, ack = accept(batch, state["ack"])
        if not ops:
            state["ack"] = ack
        for op in ops:
            if on_edit is not None:
                on_edit(op)
            # Acknowledged only once applied: if on_edit raises, the canvas resends the rest.
            state["ack"] = {"client": ack["client"], "seq": op["seq"]}
            state["fresh"].append(op)
        if ops and on_edits_done is not None:
            on_edits_done()  # last: st.rerun raises out of it

    def _resync() -> None:
        # The canvas cannot use the next delta (it holds another payload, or none): send it a whole one.
        state["sent"] = None

    data = canvas_payload(design, instance=key, selected=selected, highlight=highlight,
                          edge_highlight=edge_highlight, collapsed=collapsed, focus=focus,
                          shown_at=shown_at, removed=removed, relayout_token=relayout_token, height=height,
                          ack=state["ack"], run=run)
    # A delta is based on the previous message, which the browser may never have drawn: a run stopped
    # early (st.rerun after this call, or a new rerun request) loses the messages Streamlit has not sent
    # yet, and of two quick runs the browser may render only the newer. The message therefore repeats
    # the last few small deltas ("prev"), so the canvas catches up from an older payload; if it holds
    # none of their bases (a fresh mount, more was lost) it applies nothing and asks for a whole
    # payload (`resync`). A delta is never applied to a payload it was not made from: stale at worst,
    # never wrong (tests/browser/test_canvas.py drives both cases).
    state["seq"] += 1
    message = wire_message(data, state["seq"], state["sent"], state["last"], stream=state["stream"])
    state["sent"], state["last"] = data, message
    _get_component()(key=key, data=message, height="content", on_edit_change=_receive, on_resync_change=_resync)
    fresh: list[dict[str, Any]] = state["fresh"]
    state["fresh"] = []
    return fresh[-1] if fresh else None


def last_ack(key: str) -> Ack:
    """What the canvas `key` has had acknowledged (for tests and debugging)."""
    import streamlit as st

    return st.session_state.get(_STATE.format(key=key), {}).get("ack", dict(NO_ACK))
