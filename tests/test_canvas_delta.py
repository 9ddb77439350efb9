"""The canvas' versioned delta (designer.ui.canvas.delta): applying it to the payload the canvas holds
gives the new payload exactly, or none is sent. The frontend's applier (frontend/src/delta.js) is
checked against the same cases, written to frontend/test/delta_cases.json by this module
(UPDATE_GOLDEN=1 rewrites it; test_frontend_unit runs the JS side)."""

from __future__ import annotations

import copy
import json
import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.edits import connect, remove, set_positions
from designer.storage import load_design
from designer.ui.canvas.delta import COLLECTIONS, PREV_STEPS, apply_delta, payload_delta, read_message, wire_message
from designer.ui.canvas.payload import canvas_payload
from tests.conftest import ROOT, SAMPLES
from tests.test_canvas_payload import big_design

CASES_FILE = ROOT / "designer" / "ui" / "canvas" / "frontend" / "test" / "delta_cases.json"


def same_json(a, b) -> bool:
    """Equal as the browser sees them: types matter (True is not 1), numbers compare as numbers."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b and str(a).startswith("-") == str(b).startswith("-")  # JS tells -0 from 0
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return False


def check(old: dict, new: dict) -> dict | None:
    """payload_delta(old, new), checked: it rebuilds `new` exactly, survives JSON, and leaves `old` alone."""
    before = copy.deepcopy(old)
    delta = payload_delta(old, new)
    if delta is not None:
        wire = json.loads(json.dumps(delta))
        assert same_json(apply_delta(old, wire), new), (old, new, delta)
    assert same_json(old, before)
    return delta


# ---------------------------------------------------------------- generated payloads

IDS = st.sampled_from("abcdefgh") | st.sampled_from(["a>b", "x y", "ü", "", "id"])  # few: items overlap
LEAF = (st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, -0.0, 1.0, 2.5])
        | st.text(max_size=3))
VALUE = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner,
                                                                                        max_size=3), max_leaves=6)


def items(kind: str):
    fields = COLLECTIONS[kind]
    item = st.fixed_dictionaries({f: IDS for f in fields}, optional={"label": VALUE, "mapped": LEAF,
                                                                      "position": VALUE})
    return st.lists(item, max_size=6, unique_by=lambda i: tuple(i[f] for f in fields))


PAYLOAD = st.fixed_dictionaries(
    {kind: items(kind) for kind in COLLECTIONS},
    optional={"selected": VALUE, "focus": VALUE, "run": LEAF, "ack": VALUE, "height": LEAF, "removed": VALUE},
)


@st.composite
def edited(draw, payload):
    """`payload` after random edits Map semantics can express: items changed in place, dropped or
    appended, and top-level keys set, changed (also between True and 1) or removed."""
    new = copy.deepcopy(payload)
    for kind in COLLECTIONS:
        rows = new[kind]
        keep = [row for row in rows if draw(st.booleans()) or draw(st.booleans())]
        for row in keep:
            if draw(st.integers(0, 3)) == 0:
                row["mapped"] = draw(LEAF)
        taken = {_key(kind, row) for row in rows}  # a dropped key coming back would come back in its old place
        for row in draw(items(kind)):
            if tuple(row[f] for f in COLLECTIONS[kind]) not in taken:
                keep.append(row)
        new[kind] = keep
    for key in draw(st.lists(st.sampled_from(["selected", "focus", "run", "ack", "height", "removed"]), max_size=3)):
        if key in new and draw(st.booleans()):
            del new[key]
        else:
            new[key] = draw(VALUE)
    return new


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_delta_rebuilds_any_edit_map_semantics_can_express(data):
    old = data.draw(PAYLOAD)
    new = data.draw(edited(old))
    assert check(old, new) is not None


@settings(max_examples=150, deadline=None)
@given(PAYLOAD, PAYLOAD)
def test_a_delta_between_unrelated_payloads_is_exact_or_absent(old, new):
    delta = check(old, new)
    # Map semantics: what stays keeps its old order, what is new follows in its own order.
    expressible = True
    for kind in COLLECTIONS:
        before, after = [_key(kind, i) for i in old[kind]], [_key(kind, i) for i in new[kind]]
        expressible &= [k for k in before if k in after] + [k for k in after if k not in before] == after
    assert (delta is not None) == expressible  # only such an order needs a whole payload


def _key(kind: str, item: dict) -> tuple:
    return tuple(item[f] for f in COLLECTIONS[kind])


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_the_message_is_the_shorter_of_delta_and_whole_payload(data):
    old = data.draw(PAYLOAD)
    new = data.draw(edited(old) | PAYLOAD)
    message = wire_message(new, 8, old, stream="s")
    full = {**new, "stream": "s", "seq": 8}
    delta = payload_delta(old, new)
    if delta is None:
        assert message == full
    else:
        as_delta = {"version": 2, "stream": "s", "seq": 8, "base": 7, **delta}
        assert message == (as_delta if len(json.dumps(as_delta)) < len(json.dumps(full)) else full)
    assert wire_message(new, 8, stream="s") == full  # nothing to base a delta on


# ---------------------------------------------------------------- cases shared with the JS applier

def _p(**keys) -> dict:
    base = {"version": 2, "instance": "canvas", "height": 600, "operators": {"bash": "Bash"},
            "tasks": [{"id": "a", "operator": "bash"}, {"id": "b", "operator": "bash", "group": "g"}],
            "groups": [{"id": "g"}], "edges": [{"upstream": "a", "downstream": "b"}], "selected": [],
            "highlight": {"cycle": [], "critical": []}, "edge_highlight": {"diff-added": [], "diff-changed": []},
            "relayout_token": 0, "ack": {"client": None, "seq": 0}, "run": 1}
    return {**base, **keys}


A, B = {"id": "a", "operator": "bash"}, {"id": "b", "operator": "bash", "group": "g"}
NAMED_CASES = [  # (name, old, new, what the delta must be: a dict, or None for a whole payload)
    ("nothing changed", _p(), _p(), {}),
    ("an acknowledged op and a new run", _p(), _p(ack={"client": "c", "seq": 3}, run=2),
     {"set": {"ack": {"client": "c", "seq": 3}, "run": 2}}),
    ("a task moved keeps its place", _p(), _p(tasks=[{**A, "position": {"x": 5, "y": 6}}, B]),
     {"items": {"tasks": {"put": [{**A, "position": {"x": 5, "y": 6}}]}}}),
    ("a task added goes at the end", _p(), _p(tasks=[A, B, {"id": "c", "operator": "bash"}]),
     {"items": {"tasks": {"put": [{"id": "c", "operator": "bash"}]}}}),
    ("a task deleted with its edge", _p(), _p(tasks=[B], edges=[]),
     {"items": {"tasks": {"drop": ["a"]}, "edges": {"drop": [["a", "b"]]}}}),
    ("an edge added and a group collapsed", _p(),
     _p(edges=[{"upstream": "a", "downstream": "b"}, {"upstream": "b", "downstream": "a", "label": "back"}],
        groups=[{"id": "g", "collapsed": True}]),
     {"items": {"groups": {"put": [{"id": "g", "collapsed": True}]},
                "edges": {"put": [{"upstream": "b", "downstream": "a", "label": "back"}]}}}),
    ("focus mode on", _p(), _p(focus=["a"]), {"set": {"focus": ["a"]}}),
    ("focus mode off", _p(focus=["a"]), _p(), {"unset": ["focus"]}),
    ("ghosts shown", _p(), _p(removed={"tasks": [], "groups": [], "edges": [["a", "x"]]}),
     {"set": {"removed": {"tasks": [], "groups": [], "edges": [["a", "x"]]}}}),
    ("undo puts a deleted task back in the middle", _p(tasks=[B]), _p(), None),
    ("two tasks swap places", _p(), _p(tasks=[B, A]), None),
    ("a task id twice", _p(), _p(tasks=[A, B, A]), None),
    ("a task without an id", _p(), _p(tasks=[A, B, {"operator": "bash"}]), None),
    ("True is not 1", _p(tasks=[{**A, "mapped": 1}, B]), _p(tasks=[{**A, "mapped": True}, B]),
     {"items": {"tasks": {"put": [{**A, "mapped": True}]}}}),
    ("1 is not True at the top level", _p(run=1), _p(run=True), {"set": {"run": True}}),
    ("-0 is not 0", _p(tasks=[{**A, "position": {"x": 0, "y": 0}}, B]),
     _p(tasks=[{**A, "position": {"x": -0.0, "y": 0}}, B]),
     {"items": {"tasks": {"put": [{**A, "position": {"x": -0.0, "y": 0}}]}}}),
    ("edge ends that join to the same text are different edges",
     _p(edges=[{"upstream": "a>b", "downstream": "c"}]), _p(edges=[{"upstream": "a", "downstream": "b>c"}]),
     {"items": {"edges": {"put": [{"upstream": "a", "downstream": "b>c"}], "drop": [["a>b", "c"]]}}}),
    ("a collection that is not a list is a plain key", _p(tasks=None), _p(), {"set": {"tasks": [A, B]}}),
    ("a payload never carries a message's own keys", _p(), _p(seq=4), None),
    ("nor a message's stream", _p(), _p(stream="x"), None),
]


def generated_cases(count: int = 30, seed: int = 12) -> list[tuple[str, dict, dict]]:
    """Seeded random (old, new) pairs in the payload's shape, for the JS applier (hypothesis covers Python)."""
    rng = random.Random(seed)
    ids = ["t0", "t1", "t2", "t3", "t4", "t5"]

    def item(kind: str) -> dict:
        out = ({"upstream": rng.choice(ids), "downstream": rng.choice(ids)} if kind == "edges"
               else {"id": rng.choice(ids)})
        if rng.random() < 0.5:
            out["position"] = {"x": rng.randint(-2, 2), "y": rng.choice([0, 1.5, True])}
        return out

    def payload() -> dict:
        out: dict = {"version": 2, "run": rng.randint(0, 3)}
        for kind in COLLECTIONS:
            rows = {json.dumps([i.get(f) for f in COLLECTIONS[kind]]): i for i in (item(kind) for _ in range(5))}
            out[kind] = list(rows.values())
        if rng.random() < 0.5:
            out["focus"] = rng.sample(ids, 2)
        return out

    cases = []
    for n in range(count):
        old = payload()
        new = copy.deepcopy(old)
        for kind in COLLECTIONS:
            new[kind] = [i if rng.random() < 0.7 else {**i, "label": "x"} for i in new[kind] if rng.random() < 0.8]
            new[kind] += [i for i in payload()[kind] if rng.random() < 0.3]
            new[kind] = list({json.dumps([i.get(f) for f in COLLECTIONS[kind]]): i for i in new[kind]}.values())
        if rng.random() < 0.3:
            new.pop("focus", None)
        cases.append((f"generated {n}", old, new))
    return cases


def cases_text() -> str:
    cases = [{"name": name, "old": old, "new": new, "delta": payload_delta(old, new)}
             for name, old, new in [(n, o, w) for n, o, w, _ in NAMED_CASES] + generated_cases()]
    return "[\n" + ",\n".join(json.dumps(case, ensure_ascii=False) for case in cases) + "\n]\n"  # a case a line


@pytest.mark.parametrize(("name", "old", "new", "expected"), NAMED_CASES, ids=[c[0] for c in NAMED_CASES])
def test_named_cases(name, old, new, expected):
    delta = check(old, new)
    assert delta == expected and (delta is None or same_json(delta, expected))


def test_generated_cases_hold_deltas_and_whole_payloads():
    made = [check(old, new) is not None for _, old, new in generated_cases()]
    assert 0 < sum(made) < len(made), "both kinds are in the shared cases"


def test_the_js_cases_file_is_current():
    text = cases_text()
    if os.environ.get("UPDATE_GOLDEN") == "1":
        CASES_FILE.write_text(text)
    assert CASES_FILE.read_text() == text, "run with UPDATE_GOLDEN=1 to rewrite frontend/test/delta_cases.json"


# ---------------------------------------------------------------- real designs

def test_edits_of_a_real_design_go_as_small_deltas():
    design = load_design(SAMPLES / "nested_taskgroups.yaml")
    placed = set_positions(design, {t.id: (10.0 * i, 5.0) for i, t in enumerate(design.tasks)})
    steps = [design, placed, connect(placed, "report", "start"), remove(placed, ["extract"]), placed]
    payloads = [canvas_payload(d, ack={"client": "c", "seq": i}, run=i) for i, d in enumerate(steps)]
    kinds, held, previous = [], ("s", 1, payloads[0]), None
    for seq, (old, new) in enumerate(zip(payloads, payloads[1:], strict=False), start=2):
        previous = message = wire_message(new, seq, old, previous, stream="s")
        kinds.append("base" in message)
        held = read_message(held, json.loads(json.dumps(message)))
        assert held is not None and same_json(held[2], new)
    # Undoing the delete puts "extract" back in the middle of the tasks: that one goes whole.
    assert kinds == [True, True, True, False]


@pytest.mark.parametrize("n", [500, 2000])
def test_an_edge_drawn_on_a_big_design_is_a_delta_of_a_few_hundred_bytes(n):
    design = big_design(n)
    old = canvas_payload(design, ack={"client": "c", "seq": 1}, run=1)
    new = canvas_payload(connect(design, design.tasks[-1].id, design.tasks[0].id), ack={"client": "c", "seq": 2}, run=2)
    message = wire_message(new, 2, old, stream="s")
    assert message["base"] == 1 and len(json.dumps(message)) < 400 < len(json.dumps(new)) / 100
    assert same_json(apply_delta(old, message), new)


# ---------------------------------------------------------------- a browser that misses messages

@settings(max_examples=80, deadline=None)
@given(st.data())
def test_a_canvas_that_misses_messages_catches_up_or_asks_and_never_holds_a_wrong_payload(data):
    """Python sends messages 1..n of edited payloads; the canvas gets some of them (a run stopped early
    loses its message). What it holds is always a payload Python built; it asks for a whole one (and
    gets it next) only when the missed deltas are not all repeated in the message it gets."""
    payloads = [data.draw(PAYLOAD)]
    for _ in range(data.draw(st.integers(1, 8))):
        payloads.append(data.draw(edited(payloads[-1])))
    lost = data.draw(st.lists(st.booleans(), min_size=len(payloads), max_size=len(payloads)))
    held, base, previous, built = None, None, None, {}
    for seq, (payload, is_lost) in enumerate(zip(payloads, lost, strict=True), start=1):
        message = json.loads(json.dumps(wire_message(payload, seq, base, previous, stream="s")))
        base, previous, built[seq] = payload, message, payload
        if is_lost and seq < len(payloads):
            continue
        got = read_message(held, message)
        covered = held is not None and held[1] in [message.get("base"), *(s["base"] for s in message.get("prev", ()))]
        assert (got is not None) == ("base" not in message or covered)
        if got is None:
            base = None  # the resync: Python's next message is whole
        else:
            held = got
            assert same_json(held[2], built[held[1]])
    # Whatever was lost, the next message (whole after a resync) brings the canvas up to date.
    got = read_message(held, wire_message(payloads[-1], len(payloads) + 1, base, previous, stream="s"))
    assert got is not None and same_json(got[2], payloads[-1])


def test_up_to_prev_steps_lost_small_messages_are_caught_up():
    design = load_design(SAMPLES / "nested_taskgroups.yaml")
    payloads = [canvas_payload(design, run=run) for run in range(PREV_STEPS + 3)]
    messages, previous = [], None
    for seq, payload in enumerate(payloads, start=1):
        previous = wire_message(payload, seq, payloads[seq - 2] if seq > 1 else None, previous, stream="s")
        messages.append(previous)
    first = read_message(None, messages[0])
    for lost in range(PREV_STEPS + 1):  # the canvas got message 1, then lost `lost` messages
        got = read_message(first, messages[1 + lost])
        assert got is not None and got[1:] == (2 + lost, payloads[1 + lost]), lost
    assert read_message(first, messages[PREV_STEPS + 2]) is None  # more than prev repeats: a whole one is asked for
    assert read_message(("other", 1, payloads[0]), messages[1]) is None  # another stream's seq 1 is another payload
