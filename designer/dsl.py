"""Airflow's bitshift notation as a text format: `extract >> [transform_a, transform_b] >> merge >> load`.

`parse` reads statements (one per line or separated by `;`, `#` starts a comment) into edges;
`apply` adds the tasks and edges they name to a design; `render` writes a design back in the notation,
collapsing chains and fan-ins the way a person would write them. Lists on both sides of `>>` connect
every pair (Airflow itself would need `cross_downstream` for that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from designer.edits import all_ids, connect
from designer.model import Design, Task

_TOKEN = re.compile(r"\s*(?:(?P<op>>>|<<)|(?P<punct>[\[\],])|(?P<id>[A-Za-z0-9_][A-Za-z0-9_.-]*)|(?P<bad>\S))")


class DslError(ValueError):
    """Text that is not bitshift notation; the message names the line and column."""


@dataclass(frozen=True)
class Parsed:
    ids: list[str]  # every id named, in order of first appearance
    edges: list[tuple[str, str]]  # (upstream, downstream), in order, without repeats


def parse(text: str) -> Parsed:
    ids: dict[str, None] = {}
    edges: dict[tuple[str, str], None] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        offset = 0
        for statement in code.split(";"):
            _statement(statement, line_no, offset, ids, edges)
            offset += len(statement) + 1
    return Parsed(list(ids), list(edges))


def _statement(text: str, line: int, offset: int, ids: dict, edges: dict) -> None:
    tokens = [(m.lastgroup, m.group(m.lastgroup), m.start(m.lastgroup) + offset + 1) for m in _TOKEN.finditer(text)
              if m.lastgroup]
    if not tokens:
        return
    pos = 0

    def fail(message: str, column: int) -> DslError:
        return DslError(f"line {line}, column {column}: {message}")

    def operand() -> list[str]:
        nonlocal pos
        if pos >= len(tokens):
            raise fail("expected a task id or [list] here", len(text) + offset + 1)
        kind, value, col = tokens[pos]
        if kind == "id":
            pos += 1
            return [value]
        if value != "[":
            raise fail(f"expected a task id or [list], found {value!r}", col)
        pos += 1
        names: list[str] = []
        while pos < len(tokens) and tokens[pos][1] != "]":
            kind, value, col = tokens[pos]
            if kind != "id":
                raise fail(f"expected a task id in the list, found {value!r}", col)
            names.append(value)
            pos += 1
            if pos < len(tokens) and tokens[pos][1] == ",":
                pos += 1
        if pos >= len(tokens):
            raise fail("the list is not closed with ]", len(text) + offset + 1)
        pos += 1
        if not names:
            raise fail("empty list", col)
        return names

    left = operand()
    for name in left:
        ids.setdefault(name)
    while pos < len(tokens):
        kind, value, col = tokens[pos]
        if kind != "op":
            raise fail(f"expected >> or <<, found {value!r}", col)
        pos += 1
        right = operand()
        for name in right:
            ids.setdefault(name)
        ups, downs = (left, right) if value == ">>" else (right, left)
        for u in ups:
            for d in downs:
                if u == d:
                    raise fail(f"{u!r} cannot depend on itself", col)
                edges.setdefault((u, d))
        left = right


def apply(design: Design, text: str, operator: str = "empty") -> Design:
    """Add the tasks (as `operator`, at the top level) and edges that `text` names. Groups may be named
    as edge ends; existing tasks keep their settings."""
    parsed = parse(text)
    known = all_ids(design)
    new_tasks = tuple(Task(id=name, operator=operator) for name in parsed.ids if name not in known)
    design = design.model_copy(update={"tasks": (*design.tasks, *new_tasks)})
    for up, down in parsed.edges:
        design = connect(design, up, down)
    return design


def render(design: Design) -> str:
    """The design's edges in bitshift notation, one statement per line; isolated tasks on lines of their own."""
    downs: dict[str, list[str]] = {}
    ups: dict[str, list[str]] = {}
    for e in design.edges:
        downs.setdefault(e.upstream, []).append(e.downstream)
        ups.setdefault(e.downstream, []).append(e.upstream)
    order = [t.id for t in design.tasks] + [g.id for g in design.groups]
    rank = {name: i for i, name in enumerate(order)}
    done: set[tuple[str, str]] = set()
    lines = []

    def fmt(names: list[str]) -> str:
        return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"

    for start in sorted(downs, key=lambda n: rank.get(n, len(rank))):
        if all((start, d) in done for d in downs[start]):
            continue
        # A fan-in `[a, b] >> c`: a and b lead only to c, and c's upstreams are exactly them.
        left = [start]
        targets = [d for d in downs[start] if (start, d) not in done]
        if len(targets) == 1 and len(downs[start]) == 1:
            sources = ups[targets[0]]
            if len(sources) > 1 and all(downs.get(s) == targets for s in sources) and \
                    not any((s, targets[0]) in done for s in sources):
                left = sources
        parts = [fmt(left)]
        current = targets
        for u in left:
            done.update((u, d) for d in current)
        # Extend a chain while the last step is one task whose only upstream is the step before.
        while True:
            parts.append(fmt(current))
            if len(current) != 1:
                break
            node = current[0]
            nxt = [d for d in downs.get(node, []) if (node, d) not in done]
            if not nxt or len(ups.get(node, [])) != len(left) or len(downs[node]) != len(nxt):
                break
            if any(len(ups[d]) != 1 for d in nxt) and len(nxt) > 1:
                break
            done.update((node, d) for d in nxt)
            left, current = [node], nxt
        lines.append(" >> ".join(parts))
    linked = {e.upstream for e in design.edges} | {e.downstream for e in design.edges}
    lines += [t.id for t in design.tasks if t.id not in linked]
    return "\n".join(lines) + ("\n" if lines else "")
