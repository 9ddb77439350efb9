"""Pattern stamps insert a valid, editable TaskGroup."""

import pytest

from designer.analysis import Severity, analyze
from designer.patterns import STAMPS, branch_and_rejoin, chunked_batch, fan_out_fan_in
from tests.shapes import make


@pytest.mark.parametrize("name", sorted(STAMPS))
def test_each_stamp_adds_one_group_and_no_errors_even_twice(name):
    base = make("start>>end")
    once = STAMPS[name](base, after="start")
    twice = STAMPS[name](once, after="start")
    assert len(once.groups) == 1 and len(twice.groups) == 2
    ids = [t.id for t in twice.tasks] + [g.id for g in twice.groups]
    assert len(ids) == len(set(ids))
    errors = [f for f in analyze(twice).findings if f.severity is Severity.ERROR]
    assert errors == []
    group = once.groups[0].id
    assert any(e.upstream == "start" and e.downstream == group for e in once.edges)
    assert all(t.group == group for t in once.tasks if t.id not in {"start", "end"})


def test_fan_out_makes_n_static_copies():
    report = analyze(fan_out_fan_in(make("", tasks=["x"]), n=5))
    assert report.metrics.static_fan_out_tasks == 5 and report.metrics.width == 5


def test_branch_join_has_the_right_trigger_rule():
    design = branch_and_rejoin(make("", tasks=["x"]))
    assert not [f for f in analyze(design).findings if f.code in ("DD020", "DD021")]
    join = next(t for t in design.tasks if t.id == "join")
    assert join.trigger_rule == "none_failed_min_one_success"


def test_chunked_batch_covers_every_row_once():
    design = chunked_batch(make("", tasks=["x"]), chunks=3, rows=10)
    values = next(t for t in design.tasks if t.fan_out).fan_out.values
    assert values == ["echo rows 0-3", "echo rows 4-7", "echo rows 8-9"]
