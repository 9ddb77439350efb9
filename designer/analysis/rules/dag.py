"""Rules about DAG settings and about values that should not be in a DAG file at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from designer.analysis.findings import Finding, KeyPath, Severity, rule
from designer.analysis.report import Context
from designer.cron import cron_problem
from designer.ids import MAX_TAG_LENGTH
from designer.operators import DOTTED_PATH

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


@rule("DD022", "dag-settings", E)
def dag_settings(ctx: Context) -> Iterator[Finding]:
    """DAG settings Airflow rejects: an invalid cron expression, `@continuous` with more than one
    active run, a scheduled DAG with a required param that has no default, a tag over 100 characters,
    or a callback that is not a dotted import path."""
    dag = ctx.design.dag
    if isinstance(dag.schedule, str):
        if problem := cron_problem(dag.schedule):
            yield Finding("DD022", E, f"schedule {dag.schedule!r} {problem}", (), ("dag", "schedule"))
        if dag.schedule == "@continuous" and (dag.max_active_runs or 16) > 1:
            yield Finding("DD022", E, "an @continuous schedule needs max_active_runs: 1", (), ("dag", "max_active_runs"))
    if dag.schedule is not None:
        for name, param in dag.params.items():
            if param.default is None and param.type not in (None, "null"):
                yield Finding("DD022", E, f"param {name!r} has no default, which Airflow refuses for a scheduled DAG",
                              (), ("dag", "params", name))
    for i, tag in enumerate(dag.tags):
        if len(tag) > MAX_TAG_LENGTH or not tag:
            yield Finding("DD022", E, f"tag {tag[:30]!r}... must be 1 to {MAX_TAG_LENGTH} characters",
                          (), ("dag", "tags", i))
    for name in ("on_success_callback", "on_failure_callback"):
        value = getattr(dag, name)
        if value is not None and not DOTTED_PATH.fullmatch(value):
            yield Finding("DD022", E, f"{name} {value!r} must be a dotted import path like pkg.module.function",
                          (), ("dag", name))


_SECRET_KEY = re.compile(r"(^|[_-])(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)($|[_-])",
                         re.IGNORECASE)
_SECRET_VALUE = re.compile(
    r"AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|gh[pousr]_[A-Za-z0-9]{36}"  # GitHub tokens
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|sk_live_[A-Za-z0-9]{16,}"
    r"|[a-z][a-z0-9+.-]*://[^/\s:@{}]+:[^/\s@{}]+@"  # credentials in a URL
    r"|Bearer\s+[A-Za-z0-9._~+/-]{20,}"
)
_MAX_WALK_DEPTH = 20


@rule("DD023", "secret-literal", W)
def secret_literals(ctx: Context) -> Iterator[Finding]:
    """A value that looks like a password, token or key written into the design. DAG files are read by
    everyone with repository access and shown in Airflow's UI; keep secrets in Connections or Variables
    and reference them with templates such as `{{ conn.my_db.password }}`."""
    for i, task in enumerate(ctx.design.tasks):
        for path, value in _walk(task.args, ("tasks", i, "args")):
            if _looks_secret(path, value):
                yield Finding("DD023", W, f"task {task.id!r}: {_name(path)} looks like a secret written in the "
                              "design; use an Airflow Connection or Variable", (task.id,), path)
    for name, param in ctx.design.dag.params.items():
        for path, value in _walk(param.default, ("dag", "params", name, "default")):
            if _looks_secret((name, *path), value):
                yield Finding("DD023", W, f"param {name!r} looks like it holds a secret; use an Airflow Connection "
                              "or Variable", (), path)


def _walk(value: Any, path: KeyPath, depth: int = 0) -> Iterator[tuple[KeyPath, str]]:
    if depth > _MAX_WALK_DEPTH:
        return
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index), depth + 1)


def _looks_secret(path: KeyPath, value: str) -> bool:
    if not value or "{{" in value:
        return False  # a template reads the secret at run time: that is the right way
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    return bool(_SECRET_KEY.search(key) and len(value) >= 4) or bool(_SECRET_VALUE.search(value))


def _name(path: KeyPath) -> str:
    return ".".join(str(p) for p in path[3:]) or "an argument"
