"""Rules about individual tasks: operators, arguments, sensors, retries, branching and mapping."""

from __future__ import annotations

from collections.abc import Iterator

from designer.analysis.findings import Finding, Severity, rule
from designer.analysis.report import Context
from designer.model import TriggerRule
from designer.operators import operator_spec, type_problem
from designer.validity import (
    argument_name_problem,
    arguments_given_twice,
    dotted_path_problem,
    fanned_out_sources,
)

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

# Arguments every operator takes; they may not be expanded by dynamic mapping.
BASE_OPERATOR_ARGS = frozenset(
    {"owner", "retries", "retry_delay", "retry_exponential_backoff", "execution_timeout", "depends_on_past",
     "pool", "pool_slots", "priority_weight", "queue", "trigger_rule", "task_id", "doc_md"}
)
# Airflow refuses more mapped instances than this by default (core.max_map_length).
MAX_MAP_LENGTH = 1024


@rule("DD015", "operator-arguments", E)
def operator_arguments(ctx: Context) -> Iterator[Finding]:
    """Unknown operators, operator class paths and callables that cannot be imported, missing required
    arguments, unknown arguments and arguments of the wrong type.

    Airflow raises `TypeError: Invalid arguments were passed` for an unknown argument at parse time,
    and a missing required one fails the DAG import. A custom operator's class path and every callable
    (`python_callable`) must be a dotted import path of Python names: `pkg.class.fn` (a keyword) or
    `pkg.1abc.fn` cannot be written as `from pkg.class import fn`. The arguments of custom operators
    are not checked (their names are, by DD025).
    """
    for i, task in enumerate(ctx.design.tasks):
        spec = ctx.specs[i]
        path_problem = dotted_path_problem(task.operator) if "." in task.operator else None
        if path_problem and (spec is None or spec.is_custom):
            yield Finding("DD015", E, f"task {task.id!r}: custom operator class path {task.operator[:80]!r} "
                          f"{path_problem}, so it cannot be imported", (task.id,), ("tasks", i, "operator"))
            continue
        if spec is None:
            yield Finding("DD015", E, f"task {task.id!r}: unknown operator {task.operator!r}; use a catalog key "
                          "or a dotted class path", (task.id,), ("tasks", i, "operator"))
            continue
        if spec.free_args:
            continue
        given = set(task.args)
        if task.mapping:
            given |= set(task.mapping.expand)
        if task.fan_out and task.fan_out.arg:
            given.add(task.fan_out.arg)
        for name, arg in spec.args.items():
            if arg.required and name not in given:
                yield Finding("DD015", E, f"task {task.id!r}: {spec.label} needs argument {name!r}",
                              (task.id,), ("tasks", i, "args"))
        for name, value in task.args.items():
            where = ("tasks", i, "args", name)
            if name not in spec.args:
                yield Finding("DD015", E, f"task {task.id!r}: {spec.label} has no argument {name!r} "
                              f"(known: {', '.join(spec.args) or 'none'})", (task.id,), where)
            elif problem := type_problem(spec.args[name], value):
                yield Finding("DD015", E, f"task {task.id!r}: argument {name!r} {problem}", (task.id,), where)


@rule("DD016", "mapping-and-fan-out", E)
def mapping_and_fan_out(ctx: Context) -> Iterator[Finding]:
    """Misused static fan-out or dynamic mapping, including mapping over the output of a fanned-out task.

    A task is either copied N times at design time (fan_out) or mapped at run time (mapping), not both.
    An expanded argument may not also be a fixed argument, and operator-wide arguments such as
    `retries` cannot be mapped (Airflow: `unmappable or already specified argument`). A task cannot
    map over the output of a fanned-out task: its N copies have N outputs and no single `.output`,
    so neither export can write it. Map over one task (for example one that gathers the copies'
    results), or make the upstream a mapped task itself.
    """
    tasks = ctx.tg.ns.tasks
    for i, task in enumerate(ctx.design.tasks):
        where = ("tasks", i)
        for arg, source in fanned_out_sources(task, tasks):
            copies = tasks[source].fan_out.size
            yield Finding("DD016", E, f"task {task.id!r} maps {arg} over the output of {source!r}, which is fanned "
                          f"out into {copies} copies with one output each, so there is no single output to map over; "
                          "map over one task that gathers their results, or map the upstream too",
                          (task.id, source), (*where, "mapping", "expand", arg))
        if task.fan_out and task.mapping:
            yield Finding("DD016", E, f"task {task.id!r} has both fan_out and mapping; choose one",
                          (task.id,), where)
        if task.fan_out and task.fan_out.count is not None and task.fan_out.values is not None:
            yield Finding("DD016", E, f"task {task.id!r}: fan_out takes count or values, not both",
                          (task.id,), (*where, "fan_out"))
        if task.fan_out and task.fan_out.size == 0:
            yield Finding("DD016", E, f"task {task.id!r}: fan_out makes no copies", (task.id,), (*where, "fan_out"))
        if task.fan_out and task.fan_out.arg and task.fan_out.arg in task.args:
            yield Finding("DD016", E, f"task {task.id!r}: fan_out argument {task.fan_out.arg!r} is also set in args",
                          (task.id,), (*where, "fan_out", "arg"))
        if task.mapping:
            for arg in task.mapping.expand:
                if arg in task.args:
                    yield Finding("DD016", E, f"task {task.id!r}: {arg!r} is both expanded and fixed in args",
                                  (task.id,), (*where, "mapping", "expand", arg))
                if arg in BASE_OPERATOR_ARGS:
                    yield Finding("DD016", E, f"task {task.id!r}: {arg!r} is an operator-wide argument and "
                                  "cannot be mapped", (task.id,), (*where, "mapping", "expand", arg))


@rule("DD017", "huge-literal-mapping", W, may_error=True)
def huge_literal_mapping(ctx: Context) -> Iterator[Finding]:
    """Dynamic mapping over a long literal list: it bloats the DAG file and Airflow refuses more than
    1024 mapped instances by default. Read the list from an upstream task's output instead."""
    limit = ctx.design.lint.max_literal_mapping
    for i, task in enumerate(ctx.design.tasks):
        if not task.mapping:
            continue
        for arg, source in task.mapping.expand.items():
            if isinstance(source, list) and len(source) > limit:
                severity = E if len(source) > MAX_MAP_LENGTH else W
                yield Finding("DD017", severity, f"task {task.id!r} maps {arg} over a literal list of "
                              f"{len(source)} items (limit {limit}; Airflow's max_map_length is {MAX_MAP_LENGTH})",
                              (task.id,), ("tasks", i, "mapping", "expand", arg))


@rule("DD018", "sensor-timeout-and-mode", W)
def sensor_settings(ctx: Context) -> Iterator[Finding]:
    """A sensor without an explicit timeout (Airflow waits 7 days) or in poke mode (it holds a worker
    slot while it waits). Set `timeout` and `mode: reschedule`."""
    for i, task in enumerate(ctx.design.tasks):
        spec = ctx.specs[i]
        if spec is None or not spec.sensor:
            continue
        problems = []
        if "timeout" not in task.args:
            problems.append("has no timeout (Airflow's default is 7 days)")
        if task.args.get("mode", "poke") != "reschedule":
            problems.append("runs in poke mode and holds a worker slot while waiting; use mode: reschedule")
        if problems:
            yield Finding("DD018", W, f"sensor {task.id!r} " + " and ".join(problems), (task.id,), ("tasks", i, "args"))


@rule("DD019", "missing-retries", W)
def missing_retries(ctx: Context) -> Iterator[Finding]:
    """A task that is not retried: set `retries` in the DAG's default_args, a group's or the task's."""
    ns = ctx.tg.ns
    for i, task in enumerate(ctx.design.tasks):
        if not ns.inherited(task, "retries"):
            yield Finding("DD019", W, f"task {task.id!r} has no retries", (task.id,), ("tasks", i, "overrides"))


@rule("DD020", "branch-follow-ons", E)
def branch_follow_ons(ctx: Context) -> Iterator[Finding]:
    """A branch task must list the tasks it may choose (`branches`), and each must be one of its direct
    downstream tasks, or the run fails with `'branch_task_ids' must contain only valid task_ids`.
    A direct downstream that is never chosen is always skipped."""
    tg = ctx.tg
    for i, task in enumerate(ctx.design.tasks):
        spec = ctx.specs[i]
        branching = spec is not None and spec.branches
        if task.branches and not branching:
            yield Finding("DD020", W, f"task {task.id!r} lists branches but {task.operator!r} does not branch",
                          (task.id,), ("tasks", i, "branches"))
            continue
        if not branching:
            continue
        if not task.branches:
            yield Finding("DD020", E, f"branch task {task.id!r} does not list the tasks it may choose",
                          (task.id,), ("tasks", i, "branches"))
            continue
        downstream = {d for n in tg.task_nodes.get(task.id, []) for d in tg.graph.succ[n]}
        chosen: set[str] = set()
        for j, target in enumerate(task.branches):
            nodes = tg.task_nodes.get(target)
            if nodes is None:
                continue  # DD003 reports it
            chosen.update(nodes)
            if not set(nodes) <= downstream:
                yield Finding("DD020", E, f"branch {task.id!r} may choose {target!r}, which is not directly "
                              "downstream of it", (task.id, target), ("tasks", i, "branches", j))
        for never in sorted(downstream - chosen):
            yield Finding("DD020", W, f"task {never!r} is directly downstream of branch {task.id!r} but never "
                          "chosen, so it is always skipped", (task.id, never), ("tasks", i, "branches"))


@rule("DD021", "join-after-branch", W)
def join_after_branch(ctx: Context) -> Iterator[Finding]:
    """A task where paths from different branch choices meet, left at trigger rule all_success: it is
    skipped whenever any path was not chosen. Use `none_failed_min_one_success`."""
    tg, g = ctx.tg, ctx.tg.graph
    if ctx.cycles:
        return
    import networkx as nx

    branch_nodes = [(t, tg.task_nodes[t.id]) for t in tg.ns.tasks.values()
                    if (spec := operator_spec(t.operator)) is not None and spec.branches]
    if not branch_nodes:
        return
    order = list(nx.topological_sort(g))
    flagged: set[str] = set()
    for _task, nodes in branch_nodes:
        lanes = {}
        for n in nodes:
            for bit, succ in enumerate(sorted(g.succ[n])):
                lanes[succ] = lanes.get(succ, 0) | (1 << bit)
        for node in order:
            incoming = [lanes.get(p, 0) for p in g.pred[node]]
            merged = lanes.get(node, 0)
            for lane in incoming:
                merged |= lane
            if merged:
                lanes[node] = merged
            # A join: lanes meet here that no single upstream carried on its own.
            if merged.bit_count() >= 2 and all(lane != merged for lane in incoming) and len(incoming) >= 2:
                flagged.add(node)
    for node in sorted(flagged):
        task = tg.ns.tasks[g.nodes[node]["task"]]
        if task.trigger_rule is TriggerRule.ALL_SUCCESS:
            yield Finding("DD021", W, f"task {node!r} joins paths after a branch but keeps trigger rule all_success, "
                          "so it is skipped unless every path ran; use none_failed_min_one_success",
                          (node,), ("tasks", ctx.task_index[task.id], "trigger_rule"))


@rule("DD025", "argument-name", E)
def argument_names(ctx: Context) -> Iterator[Finding]:
    """Argument names the generated code cannot write. Arguments become keyword arguments of the
    operator call (`Op(task_id=..., name=value)`, `.expand(name=...)`), so a name must be a plain
    Python name and not a keyword (`class`, `1st`, `my-arg` cannot be), nor one the generated code
    writes itself (`task_id`, `dag`, `task_group`). Checked for custom operators' arguments (DD015
    checks catalog operators'), expanded arguments and the fan_out argument. An argument also set as
    an override, trigger rule or doc_md would be passed twice."""
    for i, task in enumerate(ctx.design.tasks):
        spec = ctx.specs[i]
        names: list[tuple[str, tuple]] = []
        if spec is not None and spec.is_custom:
            names += [(name, ("tasks", i, "args", name)) for name in task.args]
        if task.mapping is not None:
            # Operator-wide names (task_id, retries, ...) cannot be expanded at all: DD016 says so.
            names += [(arg, ("tasks", i, "mapping", "expand", arg)) for arg in task.mapping.expand
                      if arg not in BASE_OPERATOR_ARGS]
        if task.fan_out is not None and task.fan_out.arg is not None:
            names.append((task.fan_out.arg, ("tasks", i, "fan_out", "arg")))
        for name, where in names:
            if problem := argument_name_problem(name):
                yield Finding("DD025", E, f"task {task.id!r}: argument name {problem}; arguments are written as "
                              "keyword arguments of the operator call", (task.id,), where)
        for name in arguments_given_twice(task):
            yield Finding("DD025", E, f"task {task.id!r}: argument {name!r} is given twice (in args and as the "
                          "task's own setting); remove one", (task.id,), ("tasks", i, "args", name))


@rule("DD031", "setup-teardown", E)
def setup_teardown(ctx: Context) -> Iterator[Finding]:
    """Setup and teardown tasks as Airflow runs them. A task right after a setup task must keep trigger rule
    all_success unless it is a teardown (Airflow refuses the DAG: `Setup tasks must be followed with trigger
    rule ALL_SUCCESS`). A teardown runs with all_done_setup_success, which `as_teardown()` sets, so another
    trigger rule would be replaced. A teardown with no setup task right upstream is an ordinary task that
    also runs after failures (a warning: did an edge from its setup get lost?)."""
    tg = ctx.tg
    for i, task in enumerate(ctx.design.tasks):
        if not (task.is_setup or task.is_teardown):
            continue
        nodes = tg.task_nodes.get(task.id, [])
        if task.is_teardown:
            if task.trigger_rule != TriggerRule.ALL_DONE_SETUP_SUCCESS:
                yield Finding("DD031", E, f"teardown task {task.id!r} has trigger rule {task.trigger_rule.value}; a "
                              "teardown runs with all_done_setup_success (as_teardown sets it)", (task.id,),
                              ("tasks", i, "trigger_rule"))
            setups = {tg.node_task[p] for n in nodes for p in tg.graph.pred[n] if tg.ns.tasks[tg.node_task[p]].is_setup}
            if not setups:
                yield Finding("DD031", W, f"teardown task {task.id!r} has no setup task right upstream, so it tears "
                              "down nothing Airflow knows of; connect its setup to it", (task.id,), ("tasks", i))
            continue
        after = {tg.node_task[d] for n in nodes for d in tg.graph.succ[n]}
        for follower in sorted(after):
            other = tg.ns.tasks[follower]
            if not other.is_teardown and other.trigger_rule != TriggerRule.ALL_SUCCESS:
                yield Finding("DD031", E, f"task {follower!r} follows setup task {task.id!r} with trigger rule "
                              f"{other.trigger_rule.value}; Airflow refuses the DAG (setup tasks must be followed "
                              "with trigger rule all_success)", (follower, task.id),
                              ("tasks", ctx.task_index[follower], "trigger_rule"))
