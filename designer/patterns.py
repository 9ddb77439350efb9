"""Pattern stamps: each inserts one named TaskGroup holding a classic Airflow pattern, editable afterwards.

A stamp takes the design and a group name (made unique if taken), builds its tasks with ids made
unique across the design, and optionally wires the new group after an existing task or group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from designer.edits import all_ids, connect, unique_id
from designer.model import Design, DynamicMapping, Edge, Group, StaticFanOut, Task, TriggerRule

# Where a stamped branch looks for its deciding function; the user points it at their own code.
BRANCH_CALLABLE = "callables.choose_branch"


@dataclass
class _Stamp:
    """Collects a stamp's tasks and edges with ids made unique against the design."""

    design: Design
    group: str
    tasks: list[Task] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    def task(self, name: str, operator: str, **fields: Any) -> str:
        taken = all_ids(self.design) | set(self.names.values()) | {self.group}
        tid, n = name, 1
        while tid in taken:
            n += 1
            tid = f"{name}_{n}"
        self.names[name] = tid
        self.tasks.append(Task(id=tid, operator=operator, group=self.group, **fields))
        return tid

    def chain(self, *names: str) -> None:
        for up, down in zip(names, names[1:], strict=False):
            self.edges.append(Edge(upstream=up, downstream=down))

    def finish(self, after: str | None) -> Design:
        design = self.design.model_copy(update={
            "groups": (*self.design.groups, Group(id=self.group, tooltip=f"{self.group} (stamped pattern)")),
            "tasks": (*self.design.tasks, *self.tasks),
            "edges": (*self.design.edges, *self.edges),
        })
        return connect(design, after, self.group) if after else design


def _bash(command: str, **fields: Any) -> dict[str, Any]:
    return {"args": {"bash_command": command}, **fields}


def fan_out_fan_in(design: Design, name: str = "fan_out", n: int = 4, after: str | None = None) -> Design:
    """split >> process (N static copies) >> merge."""
    s = _Stamp(design, unique_id(design, name))
    split = s.task("split", "empty")
    process = s.task("process", "bash", args={}, fan_out=StaticFanOut(
        values=[f"echo part {i + 1} of {n}" for i in range(n)], arg="bash_command"))
    merge = s.task("merge", "bash", **_bash("echo merge"))
    s.chain(split, process, merge)
    return s.finish(after)


def dynamic_mapping(design: Design, name: str = "per_item", items: list[str] | None = None,
                    after: str | None = None) -> Design:
    """One task mapped over a literal list at run time, then a collect step."""
    items = items or ["a", "b", "c"]
    s = _Stamp(design, unique_id(design, name))
    process = s.task("process_item", "bash", mapping=DynamicMapping(
        expand={"bash_command": [f"echo processing {item}" for item in items]}))
    collect = s.task("collect", "bash", **_bash("echo collected"))
    s.chain(process, collect)
    return s.finish(after)


def linear_pipeline(design: Design, name: str = "etl", after: str | None = None) -> Design:
    """extract >> transform >> load."""
    s = _Stamp(design, unique_id(design, name))
    steps = [s.task(step, "bash", **_bash(f"echo {step}")) for step in ("extract", "transform", "load")]
    s.chain(*steps)
    return s.finish(after)


def branch_and_rejoin(design: Design, name: str = "branch", after: str | None = None) -> Design:
    """choose >> [path_a, path_b] >> join, the join at none_failed_min_one_success so it runs after
    whichever path was chosen."""
    s = _Stamp(design, unique_id(design, name))
    path_a = s.task("path_a", "bash", **_bash("echo path a"))
    path_b = s.task("path_b", "bash", **_bash("echo path b"))
    choose = s.task("choose", "branch_python", args={"python_callable": BRANCH_CALLABLE}, branches=[path_a, path_b])
    join = s.task("join", "empty", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    s.chain(choose, path_a, join)
    s.chain(choose, path_b, join)
    return s.finish(after)


def chunked_batch(design: Design, name: str = "batch", chunks: int = 4, rows: int = 100_000,
                  after: str | None = None) -> Design:
    """plan >> process_chunk (one copy per chunk of rows) >> combine."""
    size = -(-rows // chunks)
    s = _Stamp(design, unique_id(design, name))
    plan = s.task("plan_chunks", "bash", **_bash(f"echo {chunks} chunks of {size} rows"))
    process = s.task("process_chunk", "bash", args={}, fan_out=StaticFanOut(
        values=[f"echo rows {i * size}-{min(rows, (i + 1) * size) - 1}" for i in range(chunks)], arg="bash_command"))
    combine = s.task("combine", "bash", **_bash("echo combine"))
    s.chain(plan, process, combine)
    return s.finish(after)


def incremental_load(design: Design, name: str = "incremental", after: str | None = None) -> Design:
    """wait for the source (sensor in reschedule mode with a timeout) >> load rows past the watermark >>
    record the new watermark. The watermark is the end of the last successful run's data interval."""
    s = _Stamp(design, unique_id(design, name))
    wait = s.task("wait_for_source", "file_sensor", args={
        "filepath": "/data/incoming/{{ ds }}/_SUCCESS", "mode": "reschedule", "timeout": 3600, "poke_interval": 300},
        estimated_duration=dt.timedelta(minutes=5))
    load = s.task("load_increment", "bash", **_bash(
        "echo loading rows updated after {{ prev_data_interval_end_success or data_interval_start }}"))
    mark = s.task("record_watermark", "bash", **_bash("echo watermark={{ data_interval_end }}"))
    s.chain(wait, load, mark)
    return s.finish(after)


def health_check_alert(design: Design, name: str = "health", checks: tuple[str, ...] = ("api", "database"),
                       alert_to: str = "oncall@example.com", after: str | None = None) -> Design:
    """Parallel checks; an email alert when any fails (one_failed), a marker when all pass."""
    s = _Stamp(design, unique_id(design, name))
    ids = [s.task(f"check_{c}", "bash", **_bash(f"echo checking {c}")) for c in checks]
    alert = s.task("alert_on_failure", "email", trigger_rule=TriggerRule.ONE_FAILED, args={
        "to": alert_to, "subject": "Health check failed in {{ dag.dag_id }} ({{ ds }})",
        "html_content": "A health check failed; see the task logs."})
    healthy = s.task("all_healthy", "empty")
    for check in ids:
        s.chain(check, alert)
        s.chain(check, healthy)
    return s.finish(after)


STAMPS: dict[str, Callable[..., Design]] = {
    "Fan-out / fan-in": fan_out_fan_in,
    "Dynamic mapping over a list": dynamic_mapping,
    "Linear pipeline": linear_pipeline,
    "Branch and rejoin": branch_and_rejoin,
    "Chunked batch": chunked_batch,
    "Incremental load": incremental_load,
    "Health check + alert": health_check_alert,
}
