"""Small designs named by graph shape, for tests with hand-computed answers.

`make("a>>b, b>>c", groups={"g": None}, members={"b": "g"})` builds a design from bitshift-like edge
text; every task is an EmptyOperator with retries set unless given otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from designer.model import DagSettings, Design, DynamicMapping, Edge, Group, LintSettings, StaticFanOut, Task, TaskArgs


def make(
    edges: str = "",
    *,
    tasks: list[str] | None = None,
    groups: dict[str, str | None] | None = None,
    members: dict[str, str] | None = None,
    durations: dict[str, float] | None = None,
    task_fields: dict[str, dict[str, Any]] | None = None,
    dag_fields: dict[str, Any] | None = None,
    lint: dict[str, Any] | None = None,
) -> Design:
    pairs = [tuple(part.strip() for part in e.split(">>")) for e in edges.split(",") if e.strip()]
    groups = groups or {}
    names = list(tasks or [])
    for pair in pairs:
        for name in pair:
            if name not in names and name not in groups:
                names.append(name)
    members = members or {}
    durations = durations or {}
    task_fields = task_fields or {}
    built = tuple(
        Task(**{
            "id": name,
            "group": members.get(name),
            "estimated_duration": dt.timedelta(seconds=durations.get(name, 60)),
            "overrides": TaskArgs(retries=1),
            **task_fields.get(name, {}),
        })
        for name in names
    )
    return Design(
        dag=DagSettings(**{"dag_id": "shape", **(dag_fields or {})}),
        tasks=built,
        groups=tuple(Group(id=g, parent=p) for g, p in groups.items()),
        edges=tuple(Edge(upstream=u, downstream=d) for u, d in pairs),
        lint=LintSettings(**(lint or {})),
    )


LINEAR = make("a>>b, b>>c, c>>d")
DIAMOND = make("a>>b, a>>c, b>>d, c>>d", durations={"a": 1, "b": 5, "c": 2, "d": 1})
FAN_OUT = make(", ".join(f"src>>t{i}" for i in range(5)) + ", " + ", ".join(f"t{i}>>sink" for i in range(5)))
# start >> g (roots: g.a) ; inside g: a >> inner (roots inner.b) ; inner: b >> c ; g >> end (leaves: inner.c)
NESTED_GROUPS = make(
    "start>>g, a>>inner, b>>c, g>>end",
    groups={"g": None, "inner": "g"},
    members={"a": "g", "b": "inner", "c": "inner"},
)
CYCLE_THROUGH_GROUP = make("fetch>>store, store>>report, report>>g", groups={"g": None},
                           members={"fetch": "g", "store": "g"})
# Setup and teardown tasks: create >> load >> drop with create >> drop; in group g a fanned-out setup `warm`,
# a mapped task and the teardown `cool`.
_TEARDOWN = {"is_teardown": True, "trigger_rule": "all_done_setup_success"}
SETUP_TEARDOWN = make(
    "create>>load, load>>drop, create>>drop, warm>>work, work>>cool, warm>>cool, drop>>g",
    groups={"g": None}, members={"warm": "g", "work": "g", "cool": "g"},
    task_fields={"create": {"is_setup": True}, "drop": _TEARDOWN, "cool": _TEARDOWN,
                 "warm": {"is_setup": True, "fan_out": StaticFanOut(count=2)},
                 "work": {"operator": "bash",
                          "mapping": DynamicMapping(expand={"bash_command": ["echo 1", "echo 2"]})}},
    dag_fields={"dag_id": "setup_teardown"},
)
