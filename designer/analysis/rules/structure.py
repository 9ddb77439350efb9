"""Rules about ids, references and the shape of the graph: what would stop Airflow from loading the DAG."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from designer.analysis.findings import Finding, Severity, rule
from designer.analysis.graph import end_chain
from designer.analysis.report import Context
from designer.group_tree import parent_loop, parents_of
from designer.ids import (
    MAX_GROUP_ID_LENGTH,
    MAX_TASK_ID_LENGTH,
    airflow_local_id,
    dag_id_problem,
    local_id_problem,
    task_id_problem,
)

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@rule("DD001", "invalid-id", E)
def invalid_ids(ctx: Context) -> Iterator[Finding]:
    """Ids Airflow (or the generated code) would reject.

    Local ids (design ids, and a task's own `task_id` or a group's own `group_id`): ASCII letters, digits,
    `_` and `-`; task ids may also contain dots (`load.v2`), group ids may not (Airflow composes
    `group.task` from them). The composed task_id must stay within 250 characters and a group_id within 200.
    Bad: `load data`, `tâche`, group `g.1`. Better: `load_data`, `tache`, `g_1`.
    """
    problem = dag_id_problem(ctx.design.dag.dag_id)
    if problem:
        yield Finding("DD001", E, f"dag_id {ctx.design.dag.dag_id!r} {problem}", (), ("dag", "dag_id"))
    ns = ctx.tg.ns
    for kind, items, id_problem in (("task", ctx.design.tasks, task_id_problem),
                                    ("group", ctx.design.groups, local_id_problem)):
        for i, item in enumerate(items):
            where = (f"{kind}s", i, "id")
            if problem := id_problem(item.id):
                yield Finding("DD001", E, f"{kind} id {item.id!r} {problem}", (item.id,), where)
                continue
            own = airflow_local_id(item)
            if own != item.id and (problem := id_problem(own)):
                yield Finding("DD001", E, f"{kind} {item.id!r}: its Airflow {kind}_id {own!r} {problem}", (item.id,),
                              (f"{kind}s", i, f"{kind}_id"))
                continue
            if kind == "group":
                full, limit = [ns.qualify_group(item.id)], MAX_GROUP_ID_LENGTH
            else:
                full, limit = ctx.tg.task_nodes.get(item.id, []), MAX_TASK_ID_LENGTH
            for qualified in full:
                if len(qualified) > limit:
                    yield Finding(
                        "DD001", E,
                        f"{kind} id {qualified[:40]}... is {len(qualified)} characters with its group prefix; "
                        f"Airflow allows {limit}",
                        (item.id,), where,
                    )
                    break


@rule("DD002", "duplicate-id", E)
def duplicate_ids(ctx: Context) -> Iterator[Finding]:
    """Two tasks or groups with the same design id, or with the same Airflow id once composed.

    Design ids are unique across tasks and groups. Airflow ids (a task's `task_id` or a group's `group_id`
    when set, composed with the group prefixes) must be unique too: fan-out copies (`x_0`, `x_1`, ...),
    groups with prefix_group_id off and own Airflow ids can collide with other ids.
    """
    counts = Counter([t.id for t in ctx.design.tasks] + [g.id for g in ctx.design.groups])
    for value in sorted(v for v, n in counts.items() if n > 1):
        yield Finding("DD002", E, f"id {value!r} is used {counts[value]} times; ids must be unique across tasks "
                      "and groups", (value,), _where(ctx, value))
    ns = ctx.tg.ns
    group_ids = {gid: ns.qualify_group(gid) for gid in ns.groups}
    # Count first, list owners only for the (rare) Airflow ids that occur more than once.
    seen = Counter(node for nodes in ctx.tg.task_nodes.values() for node in nodes)
    seen.update(group_ids.values())
    clashing = {full for full, n in seen.items() if n > 1}
    if not clashing:
        return
    owners: dict[str, list[str]] = defaultdict(list)
    for task_id, nodes in ctx.tg.task_nodes.items():
        for node in nodes:
            if node in clashing:
                owners[node].append(task_id)
    for gid, full in group_ids.items():
        if full in clashing:
            owners[full].append(gid)
    for full, who in sorted(owners.items()):
        if len(set(who)) > 1:
            yield Finding("DD002", E, f"Airflow id {full!r} would be created by {', '.join(sorted(set(who)))}",
                          tuple(sorted(set(who))), _where(ctx, who[0]))


@rule("DD003", "dangling-reference", E)
def dangling_references(ctx: Context) -> Iterator[Finding]:
    """A reference to a task or group that does not exist (edge ends, a task's group, a group's parent,
    a mapping's upstream, a branch's follow-on)."""
    ns = ctx.tg.ns
    known = ns.tasks.keys() | ns.groups.keys()
    for i, edge in enumerate(ctx.design.edges):
        if edge.upstream in known and edge.downstream in known:
            continue
        for end in ("upstream", "downstream"):
            ref = getattr(edge, end)
            if ref not in known:
                yield Finding("DD003", E, f"edge {edge.upstream} >> {edge.downstream}: {end} {ref!r} does not exist",
                              (ref,), ("edges", i, end))
    for i, task in enumerate(ctx.design.tasks):
        if task.group is not None and task.group not in ns.groups:
            yield Finding("DD003", E, f"task {task.id!r} is in group {task.group!r}, which does not exist",
                          (task.id,), ("tasks", i, "group"))
        if task.mapping:
            for arg, source in task.mapping.expand.items():
                if not isinstance(source, list) and source.task not in ns.tasks:
                    yield Finding("DD003", E, f"task {task.id!r} maps {arg} over the output of "
                                  f"{source.task!r}, which is not a task", (task.id,),
                                  ("tasks", i, "mapping", "expand", arg))
        for j, target in enumerate(task.branches):
            if target not in ns.tasks:
                yield Finding("DD003", E, f"branch {task.id!r} may choose {target!r}, which is not a task",
                              (task.id,), ("tasks", i, "branches", j))
    for i, group in enumerate(ctx.design.groups):
        if group.parent is not None and group.parent not in ns.groups:
            yield Finding("DD003", E, f"group {group.id!r} has parent {group.parent!r}, which does not exist",
                          (group.id,), ("groups", i, "parent"))


@rule("DD004", "self-loop", E)
def self_loops(ctx: Context) -> Iterator[Finding]:
    """An edge from a task or group to itself, or between a group and something inside it.

    Airflow rejects a task depending on itself; a group wired to its own member makes the member
    both inside and after the group, which Airflow resolves in surprising ways.
    """
    ns = ctx.tg.ns
    known = ns.tasks.keys() | ns.groups.keys()
    for i, edge in enumerate(ctx.design.edges):
        if edge.upstream == edge.downstream:
            yield Finding("DD004", E, f"edge {edge.upstream} >> {edge.downstream} connects {edge.upstream!r} to itself",
                          (edge.upstream,), ("edges", i))
            continue
        if edge.upstream not in ns.groups and edge.downstream not in ns.groups:
            continue
        for group, other in ((edge.upstream, edge.downstream), (edge.downstream, edge.upstream)):
            if group in ns.groups and other in known and group in end_chain(ns, other):
                yield Finding("DD004", E, f"edge {edge.upstream} >> {edge.downstream} connects group {group!r} "
                              f"to {other!r}, which is inside it", (group, other), ("edges", i))


@rule("DD005", "cycle", E)
def cycles(ctx: Context) -> Iterator[Finding]:
    """A dependency cycle, reported as the ordered path of Airflow task_ids, including cycles that only
    exist once group edges are expanded (Airflow: `AirflowDagCycleException`)."""
    if not ctx.cycles:
        return  # before touching origins, which are built on first use
    origins = ctx.tg.origins
    for path in ctx.cycles:
        if len(path) == 1:
            continue  # a task-level self-loop is reported by DD004
        closing = list(zip(path, path[1:] + path[:1], strict=True))
        edge_ids = sorted({o for pair in closing for o in origins.get(pair, []) if isinstance(o, int)})
        via = [f"{ctx.design.edges[k].upstream} >> {ctx.design.edges[k].downstream}" for k in edge_ids]
        yield Finding("DD005", E, f"cycle: {' -> '.join(path + path[:1])} (from edges: {'; '.join(via)})",
                      tuple(path), ("edges", edge_ids[0]) if edge_ids else ())


@rule("DD006", "group-parent-cycle", E)
def group_parent_cycles(ctx: Context) -> Iterator[Finding]:
    """Groups whose parent chain loops back on itself (a group nested in its own descendant)."""
    parents = parents_of(ctx.tg.ns.groups.values())
    reported: set[str] = set()
    for gid in sorted(parents):
        loop = list(parent_loop(parents, gid))
        if loop and not reported.intersection(loop):
            reported.update(loop)
            yield Finding("DD006", E, f"groups nest in a loop: {' -> '.join(loop + [loop[0]])}",
                          tuple(loop), ("groups", ctx.group_index[loop[0]], "parent"))


def _where(ctx: Context, ref: str) -> tuple:
    if ref in ctx.task_index:
        return ("tasks", ctx.task_index[ref])
    if ref in ctx.group_index:
        return ("groups", ctx.group_index[ref])
    return ()
