"""Dependency statements as a person writes them: `a >> b >> c`, `a >> [b, c]`, `[a, b] >> c`.

Input: the edges of one scope (one `with` block), as operands that are variables. All edges of
one scope commute (none of them changes the roots or leaves of a group another one names; see
designer/analysis/graph.py), so they may be regrouped freely within the block.

Labels: `a >> Label("x") >> b` widens task ends to their TaskGroups when the ends sit in different
groups (Airflow's EdgeModifier does that for the graph view; a group end counts by its leaf tasks),
which can change the edges. So `>> Label() >>` is written only between tasks of one group; any other
labelled edge is `a.set_downstream(b, edge_modifier=Label("x"))`, which connects exactly as `a >> b`.
"""

from __future__ import annotations

from dataclasses import dataclass

from exporters.pycode import BinOp, Expr, Raw, Str, call, call_kw, list_of

LOOP_VAR = "upstream_task"


@dataclass(frozen=True)
class Operand:
    name: str  # the variable
    is_list: bool = False  # a Python list of tasks (a static fan-out)
    group: str = ""  # the TaskGroup holding a task ("" at the top level)
    is_group: bool = False  # the operand is a TaskGroup


@dataclass(frozen=True)
class ForEach:
    """`for LOOP_VAR in iterable: body` (a labelled edge between two fan-outs)."""

    iterable: str
    body: Expr


Side = tuple[Operand, ...]


def _side_expr(side: Side) -> Expr:
    if len(side) == 1:
        return Raw(side[0].name)
    return list_of([Raw(("*" if o.is_list else "") + o.name) for o in side])


def _listy(side: Side) -> bool:
    return len(side) > 1 or side[0].is_list


def edge_statements(edges: list[tuple[Operand, Operand, str | None]]) -> tuple[list[Expr | ForEach], set[str]]:
    """Statements for `edges`, ordered by their first edge, and the airflow.sdk names they use
    (`Label`, `cross_downstream`)."""
    plain: dict[Operand, list[Operand]] = {}
    first: dict[Operand, int] = {}
    out: list[tuple[int, Expr | ForEach]] = []
    used: set[str] = set()
    for index, (up, down, label) in enumerate(dict.fromkeys(edges)):
        if label is not None:
            out.append((index, _labelled(up, down, label)))
            used.add("Label")
        elif down not in plain.setdefault(up, []):
            first.setdefault(up, index)
            plain[up].append(down)
    statements = _merge_fan_ins(plain, first)
    for index, ups, downs in statements:
        if _listy(ups) and _listy(downs):
            out.append((index, call("cross_downstream", _side_expr(ups), _side_expr(downs))))
            used.add("cross_downstream")
    for index, chain in _chains(statements):
        out.append((index, BinOp(">>", tuple(_side_expr(side) for side in chain))))
    return [statement for _, statement in sorted(out, key=lambda item: item[0])], used


def _labelled(up: Operand, down: Operand, label: str) -> Expr | ForEach:
    tag = call("Label", Str(label))
    exact = not (up.is_group or down.is_group) and up.group == down.group
    source = Raw(LOOP_VAR) if up.is_list else Raw(up.name)
    if exact and not (up.is_list and down.is_list):
        statement: Expr = BinOp(">>", (Raw(up.name), tag, Raw(down.name)))
    elif exact:
        statement = BinOp(">>", (source, tag, Raw(down.name)))
    else:
        statement = call_kw(f"{source.text}.set_downstream", [Raw(down.name)], [("edge_modifier", tag)])
    if up.is_list and (down.is_list or not exact):
        return ForEach(up.name, statement)
    return statement


def _merge_fan_ins(plain: dict[Operand, list[Operand]], first: dict[Operand, int]) -> list[tuple[int, Side, Side]]:
    """One statement per set of downstreams (upstreams with the same downstreams share it), with the
    index of its first edge."""
    by_downs: dict[frozenset[Operand], int] = {}
    statements: list[tuple[int, list[Operand], Side]] = []
    for up, downs in plain.items():
        key = frozenset(downs)
        if key in by_downs:
            statements[by_downs[key]][1].append(up)
        else:
            by_downs[key] = len(statements)
            statements.append((first[up], [up], tuple(downs)))
    return [(index, tuple(ups), downs) for index, ups, downs in statements]


def _chains(statements: list[tuple[int, Side, Side]]) -> list[tuple[int, list[Side]]]:
    """Join `X >> y` and `y >> Z` into `X >> y >> Z` (never two lists side by side)."""
    simple = [i for i, (_, ups, downs) in enumerate(statements) if not (_listy(ups) and _listy(downs))]
    by_ups = {frozenset(statements[i][1]): i for i in simple}
    nxt = {}
    for i in simple:
        j = by_ups.get(frozenset(statements[i][2]))
        if j is not None and j != i:
            nxt[i] = j
    targets = set(nxt.values())
    done: set[int] = set()
    chains = []
    for heads_only in (True, False):
        for i in simple:
            if i in done or (heads_only and i in targets):
                continue
            index, ups, downs = statements[i]
            chain = [ups, downs]
            done.add(i)
            while i in nxt and nxt[i] not in done:
                i = nxt[i]
                done.add(i)
                index = min(index, statements[i][0])
                chain.append(statements[i][2])
            chains.append((index, chain))
    return chains
