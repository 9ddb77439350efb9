"""The canvas -> Python edit channel: which ops in a batch are new. Pure: no Streamlit import.

The canvas sends `setTriggerValue("edit", {"client": str, "ops": [op, ...]})` where every op carries
`"seq"`, numbered 1, 2, 3 ... per canvas instance (`client`). A batch holds every op Python has not
acknowledged yet, not only the newest one, because Streamlit keeps only the *last* trigger value
when two arrive before a rerun starts; resending the unacknowledged tail makes that loss harmless.
Python acknowledges by sending `ack = {"client", "seq"}` back in the payload, so the same op is never
applied twice and the canvas knows when the design it receives includes its own edits.
"""

from __future__ import annotations

from typing import Any, TypedDict

MAX_OPS_PER_BATCH = 1000
MAX_CLIENT_LEN = 64


class Ack(TypedDict):
    client: str | None
    seq: int


NO_ACK: Ack = {"client": None, "seq": 0}


def accept(batch: Any, last: Ack) -> tuple[list[dict[str, Any]], Ack]:
    """The ops of `batch` not seen before (ordered by seq) and the new acknowledgement.

    `last` is what was acknowledged so far. A batch from another client (a new canvas instance,
    e.g. after a browser reload) starts its numbering afresh. Anything malformed -- this is browser
    input -- is ignored rather than raised.
    """
    if not isinstance(batch, dict):
        return [], last
    client = batch.get("client")
    ops = batch.get("ops")
    if not isinstance(client, str) or not 0 < len(client) <= MAX_CLIENT_LEN or not isinstance(ops, list):
        return [], last
    seen = last["seq"] if last.get("client") == client else 0
    fresh = sorted(
        (op for op in ops[:MAX_OPS_PER_BATCH]
         if isinstance(op, dict) and isinstance(op.get("op"), str) and _is_seq(op.get("seq")) and op["seq"] > seen),
        key=lambda op: op["seq"],
    )
    unique: dict[int, dict[str, Any]] = {}
    for op in fresh:
        unique.setdefault(op["seq"], op)
    new = list(unique.values())
    if not new:
        return [], ({"client": client, "seq": seen} if last.get("client") != client else last)
    return new, {"client": client, "seq": new[-1]["seq"]}


def _is_seq(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
