"""Pure edits and the bitshift notation."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer import dsl
from designer.edits import (
    EditError,
    add_group,
    add_task,
    connect,
    move_to_group,
    remove,
    rename,
    set_positions,
    unique_id,
    update_task,
)
from designer.model import DynamicMapping, Group, Task, UpstreamOutput
from tests.shapes import NESTED_GROUPS, make


def edge_set(design):
    return {(e.upstream, e.downstream) for e in design.edges}


class TestEdits:
    def test_edits_return_new_designs_and_leave_the_old_one_alone(self):
        before = make("a>>b")
        after = connect(add_task(before, Task(id="c")), "b", "c")
        assert edge_set(before) == {("a", "b")} and edge_set(after) == {("a", "b"), ("b", "c")}

    def test_connect_is_idempotent_and_checks_ends(self):
        design = make("a>>b")
        assert connect(design, "a", "b") is design
        with pytest.raises(EditError, match="'zz' is not a task or group"):
            connect(design, "a", "zz")

    def test_new_ids_must_be_valid_and_free(self):
        with pytest.raises(EditError, match="already used"):
            add_task(make("a>>b"), Task(id="b"))
        with pytest.raises(EditError, match="ASCII"):
            add_group(make("a>>b"), Group(id="bad id"))
        assert unique_id(make("a>>b"), "a") == "a_2"

    def test_rename_updates_every_reference(self):
        design = make("src>>m, m>>g", groups={"g": None}, members={"x": "g"}, tasks=["x"],
                      task_fields={"m": {"operator": "branch_python", "branches": ["src"],
                                         "mapping": DynamicMapping(expand={"op_args": UpstreamOutput(task="src")})}})
        renamed = rename(rename(design, "src", "source"), "g", "grp")
        m = next(t for t in renamed.tasks if t.id == "m")
        assert m.branches == ("source",) and m.mapping.expand["op_args"].task == "source"
        assert edge_set(renamed) == {("source", "m"), ("m", "grp")}
        assert next(t for t in renamed.tasks if t.id == "x").group == "grp"

    def test_remove_reparents_members_and_drops_edges(self):
        design = remove(NESTED_GROUPS, ["inner", "start"])
        assert {t.id: t.group for t in design.tasks} == {"a": "g", "b": "g", "c": "g", "end": None}
        assert edge_set(design) == {("b", "c"), ("g", "end")}

    def test_move_to_group_refuses_nesting_a_group_in_itself(self):
        with pytest.raises(EditError, match="inside itself"):
            move_to_group(NESTED_GROUPS, "g", "inner")
        moved = move_to_group(NESTED_GROUPS, "start", "inner")
        assert next(t for t in moved.tasks if t.id == "start").group == "inner"

    def test_update_task_validates(self):
        design = update_task(make("a>>b"), "a", trigger_rule="one_failed", operator="bash")
        assert design.tasks[0].trigger_rule == "one_failed"
        with pytest.raises(ValueError):
            update_task(design, "a", trigger_rule="sometimes")

    def test_set_positions(self):
        design = set_positions(NESTED_GROUPS, {"a": (1, 2), "g": (3, 4), "ghost": (0, 0)})
        assert next(t for t in design.tasks if t.id == "a").position.x == 1
        assert next(g for g in design.groups if g.id == "g").position.y == 4


class TestDsl:
    def test_parse_chains_lists_and_reverse_shift(self):
        parsed = dsl.parse("extract >> [transform_a, transform_b] >> merge >> load  # comment\nreport << load; x")
        assert parsed.ids == ["extract", "transform_a", "transform_b", "merge", "load", "report", "x"]
        assert parsed.edges == [("extract", "transform_a"), ("extract", "transform_b"), ("transform_a", "merge"),
                                ("transform_b", "merge"), ("merge", "load"), ("load", "report")]

    @pytest.mark.parametrize(("text", "message"), [
        ("a >> ", "line 1, column 6: expected a task id or [list] here"),
        ("a >> [b, c", "the list is not closed"),
        ("a b", "line 1, column 3: expected >> or <<, found 'b'"),
        ("ok\na >> a", "line 2, column 3: 'a' cannot depend on itself"),
        ("a >> b:c", "found ':'"),
        ("a >> []", "empty list"),
    ])
    def test_errors_name_line_and_column(self, text, message):
        with pytest.raises(dsl.DslError, match=message.replace("[", r"\[")):
            dsl.parse(text)

    def test_apply_adds_tasks_and_edges(self):
        design = dsl.apply(make("a>>b"), "b >> [c, d] >> e", operator="bash")
        assert [t.id for t in design.tasks] == ["a", "b", "c", "d", "e"]
        assert design.tasks[2].operator == "bash" and design.tasks[0].operator == "empty"
        assert ("c", "e") in edge_set(design)

    def test_render_writes_the_person_style(self):
        assert dsl.render(make("a>>b, b>>c, c>>d")) == "a >> b >> c >> d\n"
        assert dsl.render(make("a>>b, a>>c, b>>d, c>>d")) == "a >> [b, c]\n[b, c] >> d\n"
        assert dsl.render(make("a>>b", tasks=["lonely"])) == "a >> b\nlonely\n"

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20), st.integers(0, 3))
    def test_render_then_parse_gives_the_same_edges(self, pairs, isolated):
        edges = ", ".join(f"t{a}>>t{b}" for a, b in pairs if a < b)
        design = make(edges, tasks=[f"iso{i}" for i in range(isolated)])
        parsed = dsl.parse(dsl.render(design))
        assert set(parsed.edges) == edge_set(design)
        assert set(parsed.ids) == {t.id for t in design.tasks}
