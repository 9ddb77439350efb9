"""Graphviz DOT of a design: tasks as boxes, TaskGroups as (nested) clusters, edges as drawn.

Group edges are drawn between clusters (compound edges via lhead/ltail), as in Airflow's graph view.
Every user string is quoted and escaped, so labels cannot break out of the DOT syntax.
"""

from __future__ import annotations

from collections import defaultdict

from designer.ids import Namespace, fan_out_ids
from designer.model import Design, TriggerRule
from designer.operators import operator_spec


def quote(text: str) -> str:
    """A DOT double-quoted string with backslashes, quotes and line breaks escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    for newline in ("\r\n", "\n", "\r", "\u2028", "\u2029"):
        escaped = escaped.replace(newline, "\\n")
    return f'"{escaped}"'


def to_dot(design: Design, highlight: frozenset[str] = frozenset(), critical: frozenset[str] = frozenset()) -> str:
    """DOT source for `design`; task_ids in `highlight` are outlined red, those in `critical` filled."""
    ns = Namespace(design)
    children: dict[str | None, list[str]] = defaultdict(list)
    for gid, group in ns.groups.items():
        parent = group.parent if group.parent in ns.groups and gid not in ns.chain(group.parent) else None
        children[parent].append(gid)
    tasks_in: dict[str | None, list] = defaultdict(list)
    for task in ns.tasks.values():
        tasks_in[task.group if task.group in ns.groups else None].append(task)

    lines = [
        f"digraph {quote(design.dag.dag_id)} {{",
        "  graph [rankdir=LR, compound=true, fontname=Helvetica, fontsize=11];",
        "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=Helvetica, fontsize=10];",
        "  edge [color=\"#555555\", arrowsize=0.7];",
    ]
    first: dict[str, str] = {}  # group -> its first and last node, to anchor compound edges
    last: dict[str, str] = {}

    def emit(group_id: str | None, indent: str) -> None:
        for task in tasks_in[group_id]:
            spec = operator_spec(task.operator)
            kind = spec.label if spec else task.operator
            for local, node in zip(fan_out_ids(task), ns.task_qualified_ids(task), strict=True):
                attrs = [f"label={quote(local + chr(10) + kind)}"]
                if task.mapping:
                    attrs.append("peripheries=2")
                if task.trigger_rule is not TriggerRule.ALL_SUCCESS:
                    attrs.append(f"xlabel={quote(task.trigger_rule.value)}")
                if node in critical:
                    attrs.append('fillcolor="#ffe8a3"')
                if node in highlight:
                    attrs.append('color="#d62728", penwidth=2.5')
                lines.append(f"{indent}{quote(node)} [{', '.join(attrs)}];")
                for gid in ns.chain(group_id):
                    first.setdefault(gid, node)
                    last[gid] = node
        for gid in children[group_id]:
            group = ns.groups[gid]
            lines.append(f"{indent}subgraph {quote('cluster_' + ns.qualify_group(gid))} {{")
            lines.append(f"{indent}  label={quote(gid)}; style=\"rounded,filled\"; "
                         f"fillcolor={quote(group.ui_color or '#eef4fb')}; color=\"#7a9cc6\";")
            if group.tooltip:
                lines.append(f"{indent}  tooltip={quote(group.tooltip)};")
            emit(gid, indent + "  ")
            lines.append(f"{indent}}}")

    emit(None, "  ")
    for edge in design.edges:
        ends = []
        for ref, anchor in ((edge.upstream, last), (edge.downstream, first)):
            if ref in ns.tasks:
                ends.append((ns.task_qualified_ids(ns.tasks[ref]), None))
            elif ref in anchor:
                ends.append(([anchor[ref]], "cluster_" + ns.qualify_group(ref)))
            else:
                ends.append(None)
        if None in ends:
            continue  # dangling or empty-group ends: nothing to draw (lint reports them)
        (ups, tail), (downs, head) = ends
        attrs = []
        if tail:
            attrs.append(f"ltail={quote(tail)}")
        if head:
            attrs.append(f"lhead={quote(head)}")
        if edge.label:
            attrs.append(f"label={quote(edge.label)}")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        for u in ups:
            for d in downs:
                lines.append(f"  {quote(u)} -> {quote(d)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"
