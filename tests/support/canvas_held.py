"""What each canvas holds after an AppTest run: the messages `dag_canvas` sent, applied as the frontend
applies them (designer/ui/canvas/delta.py; a run mostly sends a delta against the previous message).

Call `record(at)` after every `at.run()` (tests/test_ui_app.py's `run` does), then read `held(at, element)`.
AppTest, like a browser in the worst case, never sees the message of a run that st.rerun stopped early:
the next message's "prev" deltas catch up over it. When even they cannot, the canvas would ask for a
whole payload: here that is the payload Python built for the run (its session-state record), counted
in RESYNCS.
"""

from __future__ import annotations

import json
from weakref import WeakKeyDictionary

from designer.ui.canvas import COMPONENT_NAME
from designer.ui.canvas.delta import read_message

_HELD: WeakKeyDictionary = WeakKeyDictionary()  # AppTest -> {element id: (stream, seq, payload)}
RESYNCS: WeakKeyDictionary = WeakKeyDictionary()  # AppTest -> how many deltas could not be applied


def record(at) -> None:
    """Apply the canvas messages of the run `at` just made, and check they rebuild what Python built."""
    held = _HELD.setdefault(at, {})
    for element in at.get("bidi_component"):
        if element.proto.component_name != COMPONENT_NAME:
            continue
        message = json.loads(element.proto.json)
        built = _built(at, message["stream"])
        got = read_message(held.get(element.proto.id), message)
        if got is None:
            RESYNCS[at] = RESYNCS.get(at, 0) + 1
            got = message["stream"], message["seq"], built
        assert got[2] == built, "the canvas would not hold the payload Python built"
        held[element.proto.id] = got


def _built(at, stream: str) -> dict:
    """The payload Python last built for the canvas of `stream` (dag_canvas' session-state slot)."""
    slots = [at.session_state[k] for k in at.session_state if k.startswith("_dag_canvas:")]
    (payload,) = [slot["sent"] for slot in slots if slot["stream"] == stream]
    return payload


def held(at, element) -> dict:
    """The payload the canvas `element` (from at.get("bidi_component")) holds after the last recorded run."""
    _, seq, payload = _HELD.get(at, {})[element.proto.id]
    assert seq == json.loads(element.proto.json)["seq"], "the last run was not recorded (use run(at))"
    return payload
