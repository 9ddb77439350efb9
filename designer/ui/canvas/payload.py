"""Build the JSON the canvas frontend receives (Python -> JS). Pure: no Streamlit import.

Every rerun builds the whole payload; `delta.wire_message` then sends the canvas only what changed
since the previous message, and the whole payload (uncompressed, over the websocket) only when it
must: on the first run, after the canvas asked for it, or when a delta cannot say it. It is kept
small for those: keys whose value is the default (no group, no position, not mapped, no fan-out, no
edge label) are left out, operator labels are sent once in `operators` rather than per task, and
positions are whole pixels. A 2,000-task design is about 390 KB. Items keep their design order, so
a delta can keep the canvas' copy in the same order. The shape is documented in `designer.ui.canvas`
(the data contract) and checked by tests/test_canvas_payload.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from designer.diff import DesignDiff
from designer.ids import Namespace, fan_out_ids
from designer.model import Design, Edge, Group, Position, Task
from designer.operators import catalog

PAYLOAD_VERSION = 2  # 2: sent as versioned messages, mostly deltas (see delta.py)
HIGHLIGHT_KINDS = ("cycle", "critical", "diff-added", "diff-changed")
# Kinds that mark a path: the canvas also highlights the edges between their tasks. Other kinds mark
# exactly the boxes listed, and edges only as listed in `edge_highlight`.
PATH_KINDS = ("cycle", "critical")
EDGE_HIGHLIGHT_KINDS = ("diff-added", "diff-changed")


def operator_label(operator: str) -> str:
    """What a task box shows for its operator: the catalog label, or a custom class' name."""
    spec = catalog().get(operator)
    if spec is not None:
        return spec.label
    return operator.rsplit(".", 1)[-1] or operator


def _pos(position: Position) -> dict[str, int]:
    return {"x": round(position.x), "y": round(position.y)}


def _task(t: Task, shown_at: tuple[int, int] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": t.id, "operator": t.operator}
    if t.group is not None:
        out["group"] = t.group
    if shown_at is not None:
        out["position"] = {"x": round(shown_at[0]), "y": round(shown_at[1])}
    elif t.position is not None:
        out["position"] = _pos(t.position)
    if t.mapping is not None:
        out["mapped"] = True
    if t.fan_out is not None:
        out["fan_out"] = t.fan_out.size
    if t.task_id is not None:
        out["task_id"] = t.task_id  # the id Airflow sees, when it is not the design id
    if t.is_setup or t.is_teardown:
        out["role"] = "setup" if t.is_setup else "teardown"
    return out


def _group(g: Group, collapsed: bool, shown_at: tuple[int, int] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": g.id}
    if g.parent is not None:
        out["parent"] = g.parent
    if collapsed:
        out["collapsed"] = True
    if shown_at is not None:
        out["position"] = {"x": round(shown_at[0]), "y": round(shown_at[1])}
    elif g.position is not None:
        out["position"] = _pos(g.position)
    return out


def _edge(e: Edge) -> dict[str, Any]:
    out: dict[str, Any] = {"upstream": e.upstream, "downstream": e.downstream}
    if e.label:
        out["label"] = e.label
    return out


def _known(ids: Iterable[str], known: set[str]) -> list[str]:
    """`ids` that name a task or group, de-duplicated, in their given order."""
    seen: dict[str, None] = {}
    for value in ids:
        if isinstance(value, str) and value in known:
            seen.setdefault(value, None)
    return list(seen)


def canvas_payload(
    design: Design,
    *,
    instance: str = "canvas",
    selected: Iterable[str] = (),
    highlight: Mapping[str, Iterable[str]] | None = None,
    edge_highlight: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    collapsed: Iterable[str] = (),
    focus: Iterable[str] | None = None,
    shown_at: Mapping[str, tuple[int, int]] | None = None,
    removed: Mapping[str, Any] | None = None,
    relayout_token: int = 0,
    height: int = 600,
    ack: Mapping[str, Any] | None = None,
    run: int | None = None,
) -> dict[str, Any]:
    """The `data` dict for the canvas component (see the data contract in `designer.ui.canvas`).

    `selected`, `highlight` and `collapsed` may name ids that no longer exist (a stale selection):
    those are dropped. `highlight` values are local task/group ids; use `local_ids` to turn
    Airflow task_ids from the analysis into local ids. The order of `highlight["critical"]` is kept
    (the canvas also highlights the edges between consecutive ids). `edge_highlight` marks edges
    given as (upstream, downstream) pairs, by kind (EDGE_HIGHLIGHT_KINDS); pairs that are not an edge
    of the design are dropped. `focus`, when given, lists the only tasks and groups to show (unknown
    ids dropped); None shows everything.
    """
    known = {t.id for t in design.tasks} | {g.id for g in design.groups}
    group_ids = {g.id for g in design.groups}
    folded = set(_known(collapsed, group_ids))
    marks = {kind: _known((highlight or {}).get(kind, ()), known) for kind in HIGHLIGHT_KINDS}
    edge_keys = {(e.upstream, e.downstream) for e in design.edges}
    edge_marks = {kind: [list(pair) for pair in dict.fromkeys(tuple(p) for p in (edge_highlight or {}).get(kind, ()))
                         if pair in edge_keys]
                  for kind in EDGE_HIGHLIGHT_KINDS}
    data = {
        "version": PAYLOAD_VERSION,
        "instance": instance,
        "height": int(height),
        "operators": {op: operator_label(op) for op in sorted({t.operator for t in design.tasks})},
        "tasks": [_task(t, (shown_at or {}).get(t.id)) for t in design.tasks],
        "groups": [_group(g, g.id in folded, (shown_at or {}).get(g.id)) for g in design.groups],
        "edges": [_edge(e) for e in design.edges],
        "selected": _known(selected, known),
        "highlight": marks,
        "edge_highlight": edge_marks,
        "relayout_token": int(relayout_token),
        "ack": {"client": (ack or {}).get("client"), "seq": int((ack or {}).get("seq") or 0)},
    }
    if focus is not None:
        data["focus"] = sorted(set(_known(focus, known)))
    if removed and any(removed.get(kind) for kind in ("tasks", "groups", "edges")):
        data["removed"] = {kind: list(removed.get(kind, ())) for kind in ("tasks", "groups", "edges")}
    if run is not None:
        data["run"] = run  # the page run this payload belongs to: tests wait for the canvas to have drawn it
    return data


def local_id_map(design: Design) -> dict[str, str]:
    """{Airflow task_id or local id: local task or group id}, for turning analysis output into canvas ids.

    Group prefixes and static fan-out copies (`<id>_<i>`) map back to the task that made them;
    Airflow task_ids win over local ids, which callers may pass as they are; qualified group ids map
    to the group's local id."""
    ns = Namespace(design)
    back: dict[str, str] = {}
    for task in design.tasks:
        for qualified in ns.task_qualified_ids(task):
            back.setdefault(qualified, task.id)
    for group in design.groups:
        if group.id in ns.groups:
            back.setdefault(ns.qualify_group(group.id), group.id)
    for item in (*design.tasks, *design.groups):
        back.setdefault(item.id, item.id)
    for task in design.tasks:
        for local in fan_out_ids(task):
            back.setdefault(local, task.id)
    return back


def local_ids(design: Design, airflow_ids: Iterable[str], id_map: Mapping[str, str] | None = None) -> list[str]:
    """Local ids for Airflow task_ids (e.g. `report.cycles` or `metrics.critical_path`), in their order,
    without duplicates; unknown ids are dropped. Pass `id_map` (from `local_id_map`) when converting many lists."""
    back = local_id_map(design) if id_map is None else id_map
    seen: dict[str, None] = {}
    for value in airflow_ids:
        if value in back:
            seen.setdefault(back[value], None)
    return list(seen)


def diff_highlight(result: DesignDiff) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, str]]]]:
    """(highlight, edge_highlight) marking what `result` added or changed, for drawing its new design:
    {"diff-added": [task or group id, ...], "diff-changed": [...]} and the same for edges as sorted
    (upstream, downstream) pairs. Removed items are not in the new design, so they are not marked."""
    marks = result.marks()
    ends = {f"{c.ends[0]}>{c.ends[1]}": c.ends for c in result.changes if c.ends}
    nodes = {f"diff-{kind}": sorted(i for table in (marks["tasks"], marks["groups"]) for i, k in table.items()
                                    if k == kind) for kind in ("added", "changed")}
    edges = {f"diff-{kind}": sorted(ends[key] for key, k in marks["edges"].items() if k == kind)
             for kind in ("added", "changed")}
    return nodes, edges


def diff_removed(result: DesignDiff, old: Design) -> dict[str, list]:
    """What `result` removed, for drawing as ghosts on the new design's canvas: {"tasks": [task as in
    the payload, with its old position], "groups": [{"id", "position"?}], "edges": [[upstream,
    downstream], ...]}, each sorted. Ghosts are drawn at the top level (their old group may be gone)."""
    marks = result.marks()
    gone = {what: sorted(key for key, kind in marks[what].items() if kind == "removed") for what in marks}
    tasks = {t.id: t for t in old.tasks}
    groups = {g.id: g for g in old.groups}
    ends = {f"{c.ends[0]}>{c.ends[1]}": c.ends for c in result.changes if c.ends}
    return {
        "tasks": [{key: value for key, value in _task(tasks[i]).items() if key != "group"}
                  for i in gone["tasks"] if i in tasks],
        "groups": [{"id": i, **({"position": _pos(groups[i].position)} if groups[i].position else {})}
                   for i in gone["groups"] if i in groups],
        "edges": [list(ends[key]) for key in gone["edges"] if key in ends],
    }
