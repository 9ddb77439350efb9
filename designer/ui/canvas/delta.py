"""What the canvas is sent on a rerun: the whole payload, or what changed since the one it holds. Pure.

Every run builds the whole payload (`payload.canvas_payload`); `wire_message` turns it into message
number `seq` of stream `stream` (one per canvas and session: a seq names a payload only within its
stream). The canvas keeps the payload it reconstructed with its stream and seq, so a delta needs only
the changes against the previous message:

    full:  {**payload, "stream": s, "seq": n}                      # payload["version"] == 2
    delta: {"version": 2, "stream": s, "seq": n, "base": n - 1,
            "items"?: {"tasks" | "groups" | "edges": {"put"?: [item, ...], "drop"?: [key, ...]}},
            "set"?: {key: value},                                  # top-level keys new or changed
            "unset"?: [key, ...],                                  # top-level keys gone
            "prev"?: [{"seq": n - 1, "base": n - 2, "items"?, "set"?, "unset"?}, ...]}  # see wire_message

Collections are keyed (tasks and groups by "id", edges by [upstream, downstream]) and rebuilt with
Map semantics: a put item that was there keeps its place, a new one goes at the end, dropped keys go
away. A delta is sent only when that rebuilds the new payload exactly (same order, same JSON values)
and is smaller than it; otherwise the message is the whole payload (as on the first run and after
the canvas asked for one). `apply_delta` and `read_message` are the Python twins of the frontend's
`applyDelta` and `readMessage` (frontend/src/delta.js); both sides are checked against the same cases
(frontend/test/delta_cases.json, written by tests/test_canvas_delta.py).
"""

from __future__ import annotations

import json
import marshal
from collections.abc import Mapping
from itertools import chain, compress
from operator import itemgetter, ne, not_
from typing import Any

from designer.ui.canvas.payload import PAYLOAD_VERSION

WIRE_KEYS = ("stream", "seq", "base", "prev")  # keys of a message, never of a payload
COLLECTIONS = {"tasks": ("id",), "groups": ("id",), "edges": ("upstream", "downstream")}

Key = str | tuple[str, ...]
Held = tuple[str, int, dict[str, Any]]  # what a canvas holds: a message's stream and seq, the payload rebuilt
_ABSENT = object()  # an item's counterpart in the old payload when it is new


def item_key(kind: str, item: Any) -> Key | None:
    """The key of an item of collection `kind` ("id", or (upstream, downstream)), or None if it has none."""
    keys = _keys(kind, [item])
    return None if keys is None else keys[0]


def _keys(kind: str, items: list[Any]) -> list[Key] | None:
    """Keys of `items` in order, or None when one has no key or two share one (not a Map)."""
    try:
        columns = [list(map(itemgetter(field), items)) for field in COLLECTIONS[kind]]
    except (KeyError, TypeError):
        return None
    if not set(map(type, chain.from_iterable(columns))) <= {str}:
        return None
    keys = columns[0] if len(columns) == 1 else list(zip(*columns, strict=True))
    return keys if len(set(keys)) == len(keys) else None


def _wire_key(key: Key) -> str | list[str]:
    return list(key) if isinstance(key, tuple) else key


def _same(a: Any, b: Any) -> bool:
    """Equal as the browser sees them, not only as Python values (True == 1, 0.0 == -0.0). Compared as
    marshal bytes, in C; format 0 marks neither shared objects nor interned strings. Stricter than JSON
    for 1 vs 1.0 and for key order, which only costs sending a value that did not need it."""
    try:
        return a == b and marshal.dumps(a, 0) == marshal.dumps(b, 0)
    except ValueError:  # not a JSON value at all
        return False


def _collection_delta(kind: str, old: list[Any], new: list[Any]) -> dict[str, list] | None:
    """{"put"?, "drop"?} turning `old` into `new` with Map semantics, or None when that cannot give `new`."""
    old_keys, new_keys = _keys(kind, old), _keys(kind, new)
    if old_keys is None or new_keys is None:
        return None
    drop: list[Key] = []
    if old_keys == new_keys:  # the usual case: same items in the same order
        was = old
    else:
        before = dict(zip(old_keys, old, strict=True))
        after = set(new_keys)
        drop = [key for key in old_keys if key not in after]
        if [key for key in old_keys if key in after] + [key for key in new_keys if key not in before] != new_keys:
            return None  # e.g. undo put a deleted task back in the middle: only a whole payload says so
        was = [before.get(key, _ABSENT) for key in new_keys]
    changed = list(map(ne, was, new))
    if not all(changed):
        # `!=` is fast but lenient (True == 1): check what is kept at once, and item by item only if that differs.
        kept = list(map(not_, changed))
        if not _same(list(compress(was, kept)), list(compress(new, kept))):
            changed = [not _same(a, b) for a, b in zip(was, new, strict=True)]
    change: dict[str, list] = {}
    put = list(compress(new, changed))
    if put:
        change["put"] = put
    if drop:
        change["drop"] = [_wire_key(key) for key in drop]
    return change


def payload_delta(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any] | None:
    """The changes that turn payload `old` into payload `new`: {"items"?, "set"?, "unset"?}, {} when they
    are the same; None when no delta rebuilds `new` exactly (an item without a key, two items with the
    same key, an order Map semantics cannot give, or a key a message uses itself). Collections are
    diffed item by item when both payloads hold a list; otherwise they are plain keys."""
    if any(key in new for key in WIRE_KEYS):
        return None
    items: dict[str, dict[str, list]] = {}
    diffed = set()
    for kind in COLLECTIONS:
        if isinstance(old.get(kind), list) and isinstance(new.get(kind), list):
            diffed.add(kind)
            change = _collection_delta(kind, old[kind], new[kind])
            if change is None:
                return None
            if change:
                items[kind] = change
    changed = {key: value for key, value in new.items()
               if key not in diffed and (key not in old or not _same(old[key], value))}
    gone = [key for key in old if key not in new]
    delta: dict[str, Any] = {}
    if items:
        delta["items"] = items
    if changed:
        delta["set"] = changed
    if gone:
        delta["unset"] = gone
    return delta


def apply_delta(old: Mapping[str, Any], delta: Mapping[str, Any]) -> dict[str, Any]:
    """The payload `delta` (from `payload_delta`) makes of `old`: what the canvas reconstructs.
    `old` is not changed; unchanged values are shared with it."""
    out = {key: value for key, value in old.items() if key not in delta.get("unset", ())}
    for kind, change in delta.get("items", {}).items():
        rows = {item_key(kind, item): item for item in out[kind]}
        for key in change.get("drop", ()):
            rows.pop(tuple(key) if isinstance(key, list) else key, None)
        for item in change.get("put", ()):
            rows[item_key(kind, item)] = item
        out[kind] = list(rows.values())
    out.update(delta.get("set", {}))
    return out


def wire_message(payload: dict[str, Any], seq: int, base: Mapping[str, Any] | None = None,
                 previous: Mapping[str, Any] | None = None, *, stream: str = "") -> dict[str, Any]:
    """Message number `seq` of `stream` carrying `payload`: a delta against `base` (the payload of message
    seq - 1) when there is one and the delta rebuilds `payload` exactly and is smaller, else the whole payload.

    `previous` is message seq - 1 itself. Its delta steps (its own and those it repeated) are repeated
    under "prev", newest first, as far as PREV_STEPS and PREV_BUDGET allow: a canvas that never got it
    (a run st.rerun stopped after drawing the canvas; Streamlit drops what it had not sent yet) then
    catches up from the payload it holds instead of asking for a whole one."""
    full = {**payload, "stream": stream, "seq": seq}
    delta = None if base is None else payload_delta(base, payload)
    if delta is None:
        return full
    message = {"version": PAYLOAD_VERSION, "stream": stream, "seq": seq, "base": seq - 1, **delta}
    if not _smaller(message, full):
        return full
    prev = _steps(previous)
    if prev:
        with_prev = {**message, "prev": prev}
        if _smaller(with_prev, full):
            return with_prev
    return message


PREV_STEPS = 3  # earlier deltas a message repeats at most...
PREV_BUDGET = 4096  # ...in this many characters (the deltas of runs st.rerun stops are a few dozen)
STEP_KEYS = ("seq", "base", "items", "set", "unset")


def _steps(message: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The delta steps leading to `message` (its own first, then those it repeated), within the limits."""
    if message is None or "base" not in message:
        return []  # a whole payload: a canvas that missed it cannot catch up by deltas
    steps, size = [], 0
    for step in [{k: message[k] for k in STEP_KEYS if k in message}, *message.get("prev", ())][:PREV_STEPS]:
        size += len(_json(step))
        if size > PREV_BUDGET:
            break
        steps.append(step)
    return steps


def read_message(held: Held | None, message: Mapping[str, Any]) -> Held | None:
    """What a canvas holding `held` ((stream, seq, payload) or None) holds after `message`, or None when it
    cannot use it and asks for a whole payload. The Python twin of the frontend's `readMessage` (without
    its shape checks), for tests."""
    stream, seq = message["stream"], message["seq"]
    if "base" not in message:
        return stream, seq, {key: value for key, value in message.items() if key not in WIRE_KEYS}
    if held is None or held[0] != stream:
        return None
    steps = [message, *message.get("prev", ())]  # newest first
    start = next((i for i, step in enumerate(steps) if step["base"] == held[1]), None)
    if start is None:
        return None
    payload = held[2]
    for step in reversed(steps[:start + 1]):
        payload = apply_delta(payload, step)
    return stream, seq, payload


MIN_ITEM_CHARS = 10  # the shortest item JSON can hold: {"id": ""}


def _smaller(message: dict[str, Any], full: dict[str, Any]) -> bool:
    """Whether `message` serialises shorter than `full`; `full` (~390 KB at 2,000 tasks) is serialised only
    when `message` is not shorter than a floor of its size (its items at their shortest)."""
    size = len(_json(message))
    floor = sum(len(full[kind]) * MIN_ITEM_CHARS for kind in COLLECTIONS if isinstance(full.get(kind), list))
    return size < floor or size < len(_json(full))


def _json(value: Any) -> str:
    return json.dumps(value)  # as Streamlit serialises the component's data
