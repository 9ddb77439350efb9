"""A layered layout computed in Python, for designs too big for the browser's first ELK layout.

ELK in the browser takes seconds at 2,000 tasks (bench/ui.py); this takes a fraction of a second at
5,000 (bench/review.py), so a big design opens with every box already placed and the canvas runs no
layout at all. ELK stays what the toolbar's Re-layout and small designs use: its drawings are better.

Groups are laid out bottom-up as blocks. The members of a group (its tasks and the blocks of its
subgroups) are put in layers from left to right by the design's edges, ordered within each layer
towards their neighbours (barycenter sweeps), and a layer of more than `WRAP` boxes is wrapped into
several columns. A group's block is what its members take plus the canvas' group padding. Blocks never
overlap, so expanding or collapsing a group on the canvas never needs a re-layout. Box sizes mirror the
canvas (frontend/src/model.js `labelWidth`, style.js heights). Pure: no Streamlit import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from designer import edits
from designer.ids import Namespace
from designer.model import Design, Task
from designer.ui.canvas.payload import operator_label

TASK_HEIGHT = 40  # style.js: node.task height
EMPTY_GROUP = (120, 50)  # style.js: a group's min-width and min-height
GROUP_PADDING = (16, 38, 16, 16)  # left, top (room for the label), right, bottom: as layout.js gives ELK
LAYER_GAP = 50  # between layers, as ELK's nodeNodeBetweenLayers
NODE_GAP = 18  # between boxes of one layer, as ELK's nodeNode
WRAP = 12  # boxes per column: a wider layer is wrapped, so 100 parallel tasks do not make a 6,000 px column
SWEEPS = 4  # barycenter sweeps (down and up); more changes little on real DAGs

# A box: (width, height). An item of a container: a task id or a group id.
Size = tuple[int, int]


def box_width(task: Task) -> int:
    """The canvas' width of a task box: its longest label line (id, operator) at 6.6 px a character.

    Examples
    --------
    >>> box_width(Task(id="t", operator="bash")), box_width(Task(id="x" * 40, operator="bash"))
    (90, 290)
    """
    longest = max(len(task.id), len(operator_label(task.operator)))
    return max(90, round(longest * 6.6 + 26))


def layered_positions(design: Design) -> dict[str, tuple[int, int]]:
    """Centre positions {id: (x, y)} of every task and every group without members.

    Groups with members get none: the canvas draws them around their members. Deterministic, and no
    two boxes overlap (a group's block holds exactly its own members). Unknown groups and parent
    loops are treated as the top level, as `designer.ids.Namespace` treats them.

    Examples
    --------
    >>> d = Design.model_validate({"dag": {"dag_id": "d"}, "tasks": [{"id": "a"}, {"id": "b"}],
    ...                            "edges": [{"upstream": "a", "downstream": "b"}]})
    >>> layered_positions(d)
    {'a': (45, 20), 'b': (185, 20)}
    """
    ns = Namespace(design)
    containers: dict[str | None, list[str]] = defaultdict(list)  # container (None: top) -> items
    paths: dict[str, tuple[str, ...]] = {}  # item -> enclosing groups, outermost first, and itself
    for gid in ns.groups:
        chain = ns.chain(gid)
        paths[gid] = chain
        containers[chain[-2] if len(chain) > 1 else None].append(gid)
    for task in ns.tasks.values():
        chain = ns.chain(task.group)
        paths[task.id] = (*chain, task.id)
        containers[chain[-1] if chain else None].append(task.id)

    links: dict[str | None, set[tuple[str, str]]] = defaultdict(set)
    for edge in design.edges:  # each edge is laid out in the innermost container holding both ends
        up, down = paths.get(edge.upstream), paths.get(edge.downstream)
        if up is None or down is None or up == down:
            continue
        common = 0
        while common < min(len(up), len(down)) and up[common] == down[common]:
            common += 1
        if common == min(len(up), len(down)):
            continue  # a group and its own member: not a layering constraint
        links[up[common - 1] if common else None].add((up[common], down[common]))

    sizes: dict[str, Size] = {tid: (box_width(task), TASK_HEIGHT) for tid, task in ns.tasks.items()}
    sizes.update((gid, EMPTY_GROUP) for gid in ns.groups)  # a group with members is sized below
    offsets: dict[str, tuple[int, int]] = {}  # item -> top-left corner within its container's content
    # Deepest groups first, so a block's members are measured before the block is laid out.
    for container in sorted(containers, key=lambda c: -len(paths[c]) if c is not None else 0):
        corners, (width, height) = _arrange(containers[container], sizes, links[container])
        offsets.update(corners)
        if container is not None:
            left, top, right, bottom = GROUP_PADDING
            sizes[container] = (width + left + right, height + top + bottom)

    positions: dict[str, tuple[int, int]] = {}
    origins: dict[str | None, tuple[int, int]] = {None: (0, 0)}
    for item in sorted(paths, key=lambda i: len(paths[i])):  # parents before members
        path = paths[item]
        container = path[-2] if len(path) > 1 else None
        ox, oy = origins[container]
        x, y = ox + offsets[item][0], oy + offsets[item][1]
        width, height = sizes[item]
        if item in containers:
            origins[item] = (x + GROUP_PADDING[0], y + GROUP_PADDING[1])
        else:
            positions[item] = (x + width // 2, y + height // 2)
    return positions


def focus_positions(design: Design, focus: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Positions for focus mode: the tasks and groups in `focus` laid out on their own (with the edges
    between them), so a neighbourhood scattered over a big design is shown compact. A view only: the
    canvas shows them while focus mode is on and never stores them in the design."""
    keep = set(focus)
    part = Design.model_construct(  # a subset of a valid design: nothing new to validate
        dag=design.dag,
        tasks=tuple(t for t in design.tasks if t.id in keep),
        groups=tuple(g for g in design.groups if g.id in keep),
        edges=tuple(e for e in design.edges if e.upstream in keep and e.downstream in keep),
    )
    return layered_positions(part)


def with_layout(design: Design) -> Design:
    """`design` with every box placed by `layered_positions` (positions it had are replaced)."""
    return edits.set_positions(design, layered_positions(design))


def _arrange(items: list[str], sizes: dict[str, Size], links: Iterable[tuple[str, str]]
             ) -> tuple[dict[str, tuple[int, int]], Size]:
    """Top-left corners of `items` (boxes of `sizes`) laid out in layers by `links`, and the size taken."""
    layers = _layers(items, links)
    corners: dict[str, tuple[int, int]] = {}
    columns = [layer[i:i + WRAP] for layer in layers for i in range(0, len(layer), WRAP)]
    heights = [sum(sizes[i][1] for i in column) + NODE_GAP * (len(column) - 1) for column in columns]
    tallest = max(heights, default=0)
    x = 0
    for column, height in zip(columns, heights, strict=True):
        width = max(sizes[i][0] for i in column)
        y = (tallest - height) // 2  # columns are centred, so a chain runs along one line
        for item in column:
            w, h = sizes[item]
            corners[item] = (x + (width - w) // 2, y)
            y += h + NODE_GAP
        x += width + LAYER_GAP
    return corners, (max(x - LAYER_GAP, 0), tallest)


def _layers(items: list[str], links: Iterable[tuple[str, str]]) -> list[list[str]]:
    """`items` in layers (each item one layer after its latest upstream; edges that close a cycle are
    ignored), each layer ordered by its neighbours' places (barycenter sweeps)."""
    order = {item: n for n, item in enumerate(items)}
    succ: dict[str, list[str]] = {item: [] for item in items}
    pred: dict[str, list[str]] = {item: [] for item in items}
    for up, down in sorted(links, key=lambda link: (order[link[0]], order[link[1]])):
        succ[up].append(down)
        pred[down].append(up)
    forward = _acyclic(items, succ)
    layer: dict[str, int] = {}
    for item in _topological(items, forward):
        layer[item] = max((layer[u] + 1 for u in pred[item] if (u, item) in forward), default=0)
    layers: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for item in items:
        layers[layer[item]].append(item)
    place = {item: n for layer_items in layers for n, item in enumerate(layer_items)}
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        neighbours = pred if downward else succ
        for layer_items in (layers[1:] if downward else reversed(layers[:-1])):
            def barycenter(item: str, neighbours: dict[str, list[str]] = neighbours) -> float:
                seen = [place[n] for n in neighbours[item]]
                return sum(seen) / len(seen) if seen else place[item]
            layer_items.sort(key=barycenter)
            place.update((item, n) for n, item in enumerate(layer_items))
    return layers


def _acyclic(items: list[str], succ: dict[str, list[str]]) -> set[tuple[str, str]]:
    """The links that do not close a cycle (a depth-first search drops each edge back to its own path)."""
    keep: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in items:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) != 1:
                keep.add((node, child))
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
    return keep


def _topological(items: list[str], forward: set[tuple[str, str]]) -> list[str]:
    """`items` with every item after its upstreams along `forward` links (Kahn's order, stable)."""
    waiting = {item: 0 for item in items}
    below: dict[str, list[str]] = defaultdict(list)
    for up, down in forward:
        waiting[down] += 1
        below[up].append(down)
    ready = [item for item in items if not waiting[item]]
    out = []
    while ready:
        item = ready.pop()
        out.append(item)
        for down in below[item]:
            waiting[down] -= 1
            if not waiting[down]:
                ready.append(down)
    return out


LARGE_DESIGN = 300  # tasks: from here a design opens with groups collapsed and, if unplaced, laid out here
UNPLACED_SHARE = 0.25  # as the canvas (dagcanvas.js FULL_LAYOUT_SHARE): more unplaced boxes -> a full layout


def needs_layout(design: Design) -> bool:
    """True when the canvas would lay the whole design out: more than a quarter of its boxes (tasks and
    groups without members) have no position."""
    members = {task.group for task in design.tasks} | {group.parent for group in design.groups}
    boxes = [*design.tasks, *(g for g in design.groups if g.id not in members)]
    unplaced = sum(item.position is None for item in boxes)
    return unplaced > UNPLACED_SHARE * len(boxes) or (bool(boxes) and unplaced == len(boxes))


def opening_view(design: Design) -> tuple[Design, frozenset[str]]:
    """How a design is first shown: (design, groups to collapse).

    A design of LARGE_DESIGN tasks or more opens with every group collapsed (expanded one at a time on
    the canvas) and, when the canvas would lay it out, placed by `with_layout` instead. Smaller designs
    are shown as they are (ELK lays them out in the browser when needed)."""
    if len(design.tasks) < LARGE_DESIGN:
        return design, frozenset()
    placed = with_layout(design) if needs_layout(design) else design
    return placed, frozenset(group.id for group in design.groups)
