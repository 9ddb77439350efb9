"""Rules about size and shape: designs that load but are hard to read, review or run."""

from __future__ import annotations

from collections.abc import Iterator

from designer.analysis.findings import Finding, Severity, rule
from designer.analysis.report import Context, complexity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@rule("DD007", "empty-group", W)
def empty_groups(ctx: Context) -> Iterator[Finding]:
    """A group without tasks, or without a leaf task for Airflow. Airflow passes edges through such a
    group in ways that depend on the order of statements, so the designer draws no dependency through it
    (and exports none): add tasks or delete it."""
    for gid, members in ctx.tg.group_members.items():
        if not members:
            yield Finding("DD007", W, f"group {gid!r} has no tasks; edges to or from it connect nothing",
                          (gid,), ("groups", ctx.group_index[gid]))
    # A group whose last tasks are teardowns of its own setups has no leaf for Airflow
    # (TaskGroup.get_leaves), which would then wire the edge to other tasks: nothing is drawn either.
    edges = ctx.design.edges
    for origin, ups, _ in ctx.tg.expansions:
        if isinstance(origin, int) and not ups and ctx.tg.group_members.get(edges[origin].upstream):
            gid = edges[origin].upstream
            yield Finding("DD007", W, f"group {gid!r} has no leaf task for Airflow (its last tasks are teardowns "
                          f"of its setups); the edge {gid} >> {edges[origin].downstream} connects nothing",
                          (gid,), ("edges", origin))


@rule("DD008", "oversized-group", W)
def oversized_groups(ctx: Context) -> Iterator[Finding]:
    """A group holding more tasks than `lint.max_group_size`: split it into nested groups."""
    limit = ctx.design.lint.max_group_size
    for gid, members in ctx.tg.group_members.items():
        if len(members) > limit:
            yield Finding("DD008", W, f"group {gid!r} holds {len(members)} tasks (limit {limit}); "
                          "split it into smaller nested groups", (gid,), ("groups", ctx.group_index[gid]))


def _fan(ctx: Context, code: str, degrees, limit: int, word: str, advice: str) -> Iterator[Finding]:
    for node, degree in degrees:
        if degree > limit:
            task = ctx.tg.graph.nodes[node]["task"]
            yield Finding(code, W, f"task {node!r} has {degree} {word} tasks (limit {limit}); {advice}",
                          (node,), ("tasks", ctx.task_index[task]))


@rule("DD009", "high-fan-in", W)
def high_fan_in(ctx: Context) -> Iterator[Finding]:
    """More direct upstream tasks than `lint.max_fan_in`. Wire the upstreams into a TaskGroup and
    depend on the group, or replace the copies with dynamic task mapping."""
    yield from _fan(ctx, "DD009", sorted(ctx.tg.graph.in_degree()), ctx.design.lint.max_fan_in, "upstream",
                    "put the upstream tasks in a TaskGroup or use dynamic task mapping")


@rule("DD010", "high-fan-out", W)
def high_fan_out(ctx: Context) -> Iterator[Finding]:
    """More direct downstream tasks than `lint.max_fan_out`. Airflow's own cycle check grows with the
    square of a task's fan-out; group the downstreams or map one task over the inputs instead."""
    yield from _fan(ctx, "DD010", sorted(ctx.tg.graph.out_degree()), ctx.design.lint.max_fan_out, "downstream",
                    "put the downstream tasks in a TaskGroup or use dynamic task mapping")


@rule("DD011", "deep-nesting", W)
def deep_nesting(ctx: Context) -> Iterator[Finding]:
    """Groups nested deeper than `lint.max_nesting_depth`: hard to read in Airflow's UI."""
    limit = ctx.design.lint.max_nesting_depth
    for gid in sorted(ctx.tg.ns.groups):
        depth = len(ctx.tg.ns.chain(gid))
        if depth > limit:
            yield Finding("DD011", W, f"group {gid!r} is nested {depth} levels deep (limit {limit})",
                          (gid,), ("groups", ctx.group_index[gid]))


@rule("DD012", "redundant-edge", I)
def redundant_edges(ctx: Context) -> Iterator[Finding]:
    """An edge implied by a longer path (`a >> b >> c` makes `a >> c` redundant). It changes nothing
    in Airflow but clutters the graph. Checked up to `lint.redundant_edge_check_limit` tasks."""
    for up, down in ctx.metrics.redundant_edges or []:
        origins = [o for o in ctx.tg.origins.get((up, down), []) if isinstance(o, int)]
        yield Finding("DD012", I, f"edge {up} >> {down} is implied by a longer path", (up, down),
                      ("edges", origins[0]) if origins else ())


@rule("DD013", "large-dag", W)
def large_dag(ctx: Context) -> Iterator[Finding]:
    """More tasks than `lint.max_tasks`. Airflow's grid and graph views slow down badly past a few
    thousand tasks; split the pipeline into several DAGs linked by assets."""
    n, limit = ctx.metrics.tasks, ctx.design.lint.max_tasks
    if n > limit:
        yield Finding("DD013", W, f"the DAG has {n} tasks (limit {limit}); consider splitting it", (), ("tasks",))


@rule("DD014", "complexity", I)
def complexity_grade(ctx: Context) -> Iterator[Finding]:
    """The overall complexity score and grade (A best, F worst); a warning from grade D on."""
    c = complexity(ctx)
    severity = W if c.grade in "DEF" else I
    yield Finding("DD014", severity, f"complexity score {c.score:g}, grade {c.grade}", (), ())
