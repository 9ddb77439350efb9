"""The layout computed in Python for big designs (designer/ui/canvas/layout.py): every box placed, no two
boxes or group blocks overlapping (so expanding a collapsed group never needs a re-layout), edges
running left to right, deterministic, and broken designs (cycles, unknown groups, parent loops) laid
out rather than refused."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.designs import layered_design
from designer.ids import Namespace
from designer.model import Design
from designer.ui.canvas.layout import (
    EMPTY_GROUP,
    GROUP_PADDING,
    LARGE_DESIGN,
    TASK_HEIGHT,
    box_width,
    layered_positions,
    needs_layout,
    opening_view,
    with_layout,
)

Box = tuple[float, float, float, float]  # x1, y1, x2, y2


@st.composite
def designs(draw) -> Design:
    """Small designs with nested groups, tasks in known and unknown groups, and random edges between
    tasks and groups (cycles, group-to-member edges and parent loops included)."""
    n_groups = draw(st.integers(0, 5))
    group_ids = [f"g{i}" for i in range(n_groups)]
    groups = [{"id": gid, "parent": draw(st.sampled_from([None, "nowhere", *group_ids[:i],
                                                          *(group_ids if draw(st.booleans()) else [])]))}
              for i, gid in enumerate(group_ids)]
    tasks = [{"id": f"t{i}", "operator": draw(st.sampled_from(["empty", "bash", "a.b.AVeryLongOperatorName"])),
              "group": draw(st.sampled_from([None, "missing", *group_ids]))}
             for i in range(draw(st.integers(1, 14)))]
    ids = [t["id"] for t in tasks] + group_ids
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=25, unique=True))
    edges = [{"upstream": u, "downstream": d} for u, d in pairs if u != d]
    return Design.model_validate({"dag": {"dag_id": "d"}, "tasks": tasks, "groups": groups, "edges": edges})


def blocks(design: Design, positions: dict[str, tuple[int, int]]) -> tuple[dict[str, Box], dict[str | None, list]]:
    """The box of every item as the canvas draws it (a group: its members' boxes plus padding), and the
    items of each container (None: the top level), by the same nesting the layout assumes."""
    ns = Namespace(design)
    container: dict[str, str | None] = {}
    for gid in ns.groups:
        chain = ns.chain(gid)
        container[gid] = chain[-2] if len(chain) > 1 else None
    for task in ns.tasks.values():
        chain = ns.chain(task.group)
        container[task.id] = chain[-1] if chain else None
    items: dict[str | None, list] = {}
    for item, holder in container.items():
        items.setdefault(holder, []).append(item)
    box: dict[str, Box] = {}
    for tid, task in ns.tasks.items():
        x, y = positions[tid]
        box[tid] = (x - box_width(task) / 2, y - TASK_HEIGHT / 2, x + box_width(task) / 2, y + TASK_HEIGHT / 2)

    def group_box(gid: str) -> Box:
        if gid not in box:
            members = [group_box(i) if i in ns.groups else box[i] for i in items.get(gid, [])]
            if members:
                left, top, right, bottom = GROUP_PADDING
                box[gid] = (min(b[0] for b in members) - left, min(b[1] for b in members) - top,
                            max(b[2] for b in members) + right, max(b[3] for b in members) + bottom)
            else:
                (x, y), (w, h) = positions[gid], EMPTY_GROUP
                box[gid] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        return box[gid]

    for gid in ns.groups:
        group_box(gid)
    return box, items


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@settings(max_examples=150, deadline=None)
@given(designs())
def test_every_box_is_placed_and_no_two_siblings_overlap(design):
    positions = layered_positions(design)
    ns = Namespace(design)
    expected = set(ns.tasks) | {gid for gid in ns.groups if not any(True for _ in _members(ns, gid))}
    assert set(positions) == expected
    box, items = blocks(design, positions)
    offenders = [(a, b) for siblings in items.values() for i, a in enumerate(siblings) for b in siblings[i + 1:]
                 if overlap(box[a], box[b])]
    assert not offenders, offenders


def _members(ns: Namespace, gid: str):
    """Items whose innermost container is `gid`."""
    for other in ns.groups:
        chain = ns.chain(other)
        if len(chain) > 1 and chain[-2] == gid:
            yield other
    for task in ns.tasks.values():
        chain = ns.chain(task.group)
        if chain and chain[-1] == gid:
            yield task.id


@settings(max_examples=100, deadline=None)
@given(designs())
def test_layout_is_deterministic_and_leaves_nothing_for_the_canvas_to_lay_out(design):
    once = layered_positions(design)
    assert layered_positions(Design.model_validate(design.model_dump())) == once
    placed = with_layout(design)
    assert not needs_layout(placed)
    assert {t.id: (t.position.x, t.position.y) for t in placed.tasks} == {t.id: once[t.id] for t in design.tasks}


def test_edges_run_left_to_right_between_the_blocks_they_join():
    design = layered_design(600)  # acyclic, groups of 50, some nested
    positions = layered_positions(design)
    box, _ = blocks(design, positions)
    ns = Namespace(design)
    backwards = []
    for edge in design.edges:
        up, down = (*ns.chain(ns.tasks[edge.upstream].group), edge.upstream), \
                   (*ns.chain(ns.tasks[edge.downstream].group), edge.downstream)
        common = next(i for i, (a, b) in enumerate(zip(up, down, strict=False)) if a != b)
        if box[up[common]][2] >= box[down[common]][0]:
            backwards.append((edge.upstream, edge.downstream))
    assert not backwards, backwards[:5]


def test_a_wide_layer_is_wrapped_into_columns():
    tasks = [{"id": "src"}] + [{"id": f"p{i}"} for i in range(30)]
    design = Design.model_validate({"dag": {"dag_id": "d"}, "tasks": tasks,
                                    "edges": [{"upstream": "src", "downstream": f"p{i}"} for i in range(30)]})
    positions = layered_positions(design)
    columns = {positions[f"p{i}"][0] for i in range(30)}
    assert len(columns) == 3  # 30 parallel tasks: columns of at most 12
    assert all(positions["src"][0] < x for x in columns)


def test_a_cycle_is_laid_out_and_the_chain_stays_on_one_line():
    design = Design.model_validate({"dag": {"dag_id": "d"}, "tasks": [{"id": i} for i in "abc"],
                                    "edges": [{"upstream": u, "downstream": d} for u, d in ["ab", "bc", "ca"]]})
    positions = layered_positions(design)
    assert positions["a"][0] < positions["b"][0] < positions["c"][0]
    assert len({y for _, y in positions.values()}) == 1


def test_opening_view_lays_out_and_folds_only_big_unplaced_designs():
    small = layered_design(LARGE_DESIGN - 1)
    assert opening_view(small) == (small, frozenset())
    big = layered_design(LARGE_DESIGN)
    shown, folded = opening_view(big)
    assert folded == {g.id for g in big.groups}
    assert shown == with_layout(big) and not needs_layout(shown)
    again, _ = opening_view(shown.model_copy(update={"tasks": tuple(
        t.model_copy(update={"position": {"x": 1, "y": i}}) for i, t in enumerate(shown.tasks))}))
    assert [t.position.y for t in again.tasks] == list(range(len(big.tasks)))  # positions it had are kept


NEEDS_LAYOUT = [  # (positions given to tasks t0..t3, empty group placed?, expected)
    ((True, True, True, True), True, False),
    ((True, True, True, False), True, False),  # one box of five unplaced: the canvas places it
    ((True, True, False, False), True, True),  # two of five: more than a quarter
    ((False, False, False, False), False, True),
]


def test_needs_layout_follows_the_canvas_rule():
    for placed, group_placed, expected in NEEDS_LAYOUT:
        tasks = [{"id": f"t{i}", **({"position": {"x": i, "y": 0}} if p else {})} for i, p in enumerate(placed)]
        groups = [{"id": "empty", **({"position": {"x": 9, "y": 9}} if group_placed else {})}]
        design = Design.model_validate({"dag": {"dag_id": "d"}, "tasks": tasks, "groups": groups})
        assert needs_layout(design) is expected, (placed, group_placed)
