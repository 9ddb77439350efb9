"""A design never changes once built, so the old designs undo holds stay exactly as they were.

Designs are generated (hypothesis, derandomized) with every container field filled: nested JSON in
args and param defaults, literal mapping lists, fan-out values, branches, tags, assets, lint switches.
(a) walks each design generically and tries every mutator on every list-, dict- or set-like value
it finds, so a mutable field added later fails here; (b) runs every pure edit and checks its input
against a deep snapshot; (c) checks copies, pickles and dump/validate round trips stay equal.
"""

from __future__ import annotations

import copy
import inspect
import json
import pickle
from collections.abc import Callable, MutableMapping, MutableSequence, MutableSet
from functools import partial
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from designer import dsl, edits, patterns
from designer.frozen import FrozenDict, FrozenList, freeze
from designer.model import AssetSchedule, Design, Group, LintSettings, Param, Task
from designer.storage import dump_design, parse_design
from designer.ui.canvas import edits as canvas_edits
from designer.ui.edit_panels import apply_table
from designer.validity import unloadable_values
from tests.test_export_python_property import JSON, designs

SETTINGS = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

KEYS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8)
NESTED = st.dictionaries(KEYS, JSON, min_size=1, max_size=3)  # always holds a container


@st.composite
def full_designs(draw) -> Design:
    """A structurally rich design (groups, edges, branches, fan-outs, mappings) with every free-data and
    name-list field filled as well."""
    design = draw(designs())
    tasks = tuple(t.model_copy(update={"args": {**t.args, "env": draw(NESTED)}}) for t in design.tasks)
    dag = design.dag.model_copy(update={
        "tags": draw(st.lists(st.sampled_from(["a", "b", "c"]), unique=True)),
        "params": {"data": Param(default=draw(JSON)), "nested": Param(default=draw(NESTED), type="object")},
        "schedule": draw(st.sampled_from([design.dag.schedule, AssetSchedule(assets=["s3://b/a", "s3://b/c"])])),
    })
    lint = LintSettings(disabled=draw(st.lists(st.sampled_from(["DD001", "DD007", "DD019"]), unique=True)))
    return design.model_copy(update={"tasks": tasks, "dag": dag, "lint": lint})


# --- (a) every container reachable from a design refuses change ---------------------------------

def _reachable(value: Any, path: str = "design"):
    """(path, value) for `value` and everything inside it: model fields, items and mapping entries."""
    yield path, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _reachable(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _reachable(item, f"{path}[{key!r}]")
    elif isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            yield from _reachable(item, f"{path}[{i}]")


MUTATORS: dict[type, list[tuple[str, tuple]]] = {
    MutableMapping: [("__setitem__", ("k", 1)), ("__delitem__", ("k",)), ("pop", ("k", None)), ("popitem", ()),
                     ("clear", ()), ("update", ({"k": 1},)), ("setdefault", ("k", 1)), ("__ior__", ({"k": 1},)),
                     ("__init__", ({"k": 1},))],
    MutableSequence: [("__setitem__", (0, 1)), ("__delitem__", (0,)), ("append", (1,)), ("extend", ([1],)),
                      ("insert", (0, 1)), ("pop", ()), ("remove", (1,)), ("clear", ()), ("sort", ()),
                      ("reverse", ()), ("__iadd__", ([1],)), ("__imul__", (2,)), ("__init__", ([1],))],
    MutableSet: [("add", (1,)), ("discard", (1,)), ("remove", (1,)), ("pop", ()), ("clear", ()),
                 ("update", ({1},)), ("__ior__", ({1},)), ("__isub__", ({1},))],
}


def _mutation_offenders(design: Design) -> list[str]:
    offenders = []
    for path, value in list(_reachable(design)):  # all found first: a plain container may be emptied below
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                try:
                    setattr(value, name, None)
                    offenders.append(f"{path}.{name} = ... was accepted")
                except ValidationError:
                    pass
            continue
        try:
            hash(value)
        except TypeError:
            offenders.append(f"{path} is an unhashable {type(value).__name__}")
        for kind, calls in MUTATORS.items():
            if not isinstance(value, kind):
                continue
            before = copy.deepcopy(list(value.items()) if isinstance(value, dict) else list(value))
            for method, args in calls:
                try:
                    getattr(value, method)(*copy.deepcopy(args))
                    if method != "__init__":
                        offenders.append(f"{path}.{method}() was accepted")
                except TypeError:
                    pass
                except Exception as exc:  # IndexError, KeyError...: the mutator ran
                    offenders.append(f"{path}.{method}() ran and raised {type(exc).__name__}")
            after = list(value.items()) if isinstance(value, dict) else list(value)
            if after != before:
                offenders.append(f"{path} changed")
    return offenders


@SETTINGS
@given(full_designs())
def test_every_container_reachable_from_a_design_refuses_change(design):
    assert _mutation_offenders(design) == []


def test_the_walk_finds_a_mutable_container_where_one_hides():
    """The check above can fail: a plain list or dict smuggled past validation is reported, with its path."""
    task = Task.model_construct(id="t", args={"env": {"k": [1]}}, branches=["b"])
    offenders = _mutation_offenders(Design.model_construct(dag=None, tasks=(task,)))
    assert "design.tasks[0].branches.append() was accepted" in offenders
    assert "design.tasks[0].args['env']['k'].append() was accepted" in offenders
    assert "design.tasks[0].args.__setitem__() was accepted" in offenders


@SETTINGS
@given(JSON)
def test_free_data_is_frozen_deeply_and_reads_and_writes_like_plain_data(data):
    frozen = freeze(data)
    assert frozen == data
    assert json.dumps(frozen) == json.dumps(data)
    assert repr(frozen) == repr(data)
    for dumper in (yaml.SafeDumper, yaml.Dumper, getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
        assert yaml.dump(frozen, Dumper=dumper) == yaml.dump(data, Dumper=dumper)
    assert _mutation_offenders(Param(default=data)) == []
    assert pickle.loads(pickle.dumps(frozen)) == frozen and hash(copy.deepcopy(frozen)) == hash(frozen)


def test_model_copy_validates_its_update():
    task = Task(id="t")
    copied = task.model_copy(update={"branches": ["a"], "args": {"x": [1]}})
    assert copied.branches == ("a",) and type(copied.args) is FrozenDict and type(copied.args["x"]) is FrozenList
    with pytest.raises(ValidationError, match="retries"):
        task.model_copy(update={"retries": 1})  # not a Task field: pydantic's own model_copy would store it


@pytest.mark.parametrize("value, kind", [(bytearray(b"x"), "bytearray"), ({1: [bytearray()]}, "bytearray")])
def test_a_value_that_can_change_in_place_is_refused_by_name(value, kind):
    with pytest.raises(ValidationError, match=f"a {kind} value cannot be stored in a design"):
        Task(id="t", args={"x": value})


# --- (b) every pure edit leaves its input as it was ----------------------------------------------

def _ids(design: Design) -> list[str]:
    return [t.id for t in design.tasks] + [g.id for g in design.groups]


def _stamp(stamp: Callable[..., Design], d: Design, h: Callable) -> Design:
    return stamp(d, after=h(_ids(d)))


def _canvas(op: str, d: Design, h: Callable) -> Design:
    """The canvas op `op`, with every key any op reads filled from the design."""
    return canvas_edits.apply_edit(d, {
        "op": op, "upstream": h(_ids(d)), "downstream": h(_ids(d)), "positions": {h(_ids(d)): {"x": 1, "y": 2}},
        "id": h(_ids(d)), "group": d.groups[0].id if d.groups else None, "ids": [h(_ids(d))],
        "edges": [{"upstream": e.upstream, "downstream": e.downstream} for e in d.edges[:1]]})


# One entry per public edit: how to call it on a design (h(options) draws one of the options).
EDITS: dict[str, Callable[[Design, Callable], Design]] = {
    "edits.add_task": lambda d, h: edits.add_task(d, Task(id=edits.unique_id(d, "new"), args={"a": [1, {"b": 2}]})),
    "edits.add_group": lambda d, h: edits.add_group(d, Group(id=edits.unique_id(d, "grp"))),
    "edits.connect": lambda d, h: edits.connect(d, h(_ids(d)), h(_ids(d))),
    "edits.disconnect": lambda d, h: edits.disconnect(d, d.edges[0].upstream, d.edges[0].downstream) if d.edges else d,
    "edits.update_task": lambda d, h: edits.update_task(d, d.tasks[0].id, args={"env": {"k": [1]}}, branches=["x"]),
    "edits.update_group": lambda d, h: edits.update_group(d, d.groups[0].id, tooltip="t") if d.groups else d,
    "edits.update_dag": lambda d, h: edits.update_dag(d, tags=["z"], params={"p": {"default": [1, {"a": 2}]}}),
    "edits.move_to_group": lambda d, h: edits.move_to_group(d, d.tasks[-1].id, d.groups[0].id if d.groups else None),
    "edits.set_positions": lambda d, h: edits.set_positions(d, {i: (1.0, 2.0) for i in _ids(d)}),
    "edits.remove": lambda d, h: edits.remove(d, [h(_ids(d))]),
    "edits.rename": lambda d, h: edits.rename(d, h(_ids(d)), edits.unique_id(d, "renamed")),
    **{f"patterns.{stamp.__name__}": partial(_stamp, stamp) for stamp in patterns.STAMPS.values()},
    "dsl.apply": lambda d, h: dsl.apply(d, f"{h(_ids(d))} >> brand_new >> {h(_ids(d))}"),
    **{f"canvas.{op}": partial(_canvas, op) for op in canvas_edits._HANDLERS},
    "ui.apply_table": lambda d, h: apply_table(d, [{"id": t.id, "trigger_rule": "all_done", "retries": 2, "pool": "p",
                                                    "estimated_minutes": 3.0, "group": ""} for t in d.tasks]),
}


def _public_edits() -> set[str]:
    """Every public function of the edit modules that takes a Design first and returns one."""
    found = set()
    for prefix, module in (("edits", edits), ("patterns", patterns), ("dsl", dsl)):
        for name, func in inspect.getmembers(module, inspect.isfunction):
            params = list(inspect.signature(func).parameters.values())
            if (func.__module__ == module.__name__ and not name.startswith("_") and params
                    and params[0].annotation in (Design, "Design") and func.__annotations__.get("return")
                    in (Design, "Design")):
                found.add(f"{prefix}.{name}")
    return found | {f"canvas.{op}" for op in canvas_edits._HANDLERS}


def test_every_public_edit_is_exercised_below():
    assert _public_edits() <= set(EDITS), f"add to EDITS: {sorted(_public_edits() - set(EDITS))}"


@SETTINGS
@given(full_designs(), st.data())
def test_every_edit_leaves_its_input_design_unchanged(design, data):
    snapshot = design.model_dump()
    for name, edit in EDITS.items():
        try:
            new = edit(design, lambda options: data.draw(st.sampled_from(options)))
        except ValueError:  # EditError or a refused value: the input must still be untouched
            new = None
        assert design.model_dump() == snapshot, name
        if new is not None:
            assert _mutation_offenders(new) == [], name


# --- (c) copies and round trips keep designs equal -------------------------------------------------

@SETTINGS
@given(full_designs())
def test_copies_pickles_and_round_trips_give_equal_designs(design):
    # A date in free data has no JSON text (no export writes it: DD027); the other copies still hold.
    plain = not any(True for _ in unloadable_values(design))
    copies = {
        "copy": copy.copy(design), "deepcopy": copy.deepcopy(design), "pickle": pickle.loads(pickle.dumps(design)),
        "model_copy(deep)": design.model_copy(deep=True),
        "python dump": Design.model_validate(design.model_dump()),
    }
    if plain:
        copies |= {
            "json dump": Design.model_validate(design.model_dump(mode="json")),
            "json text": Design.model_validate_json(design.model_dump_json()),
            "yaml file": parse_design(dump_design(design, "yaml"))[0],
            "json file": Design.model_validate(json.loads(dump_design(design, "json"))),
        }
    for how, other in copies.items():
        assert other == design, how
        assert hash(other) == hash(design), how
        assert _mutation_offenders(other) == [], how


@pytest.mark.parametrize("number", [1e-05, 5e-324, 1e16])
def test_a_json_design_file_keeps_floats_written_with_an_exponent(number):
    design = Design.model_validate({"dag": {"dag_id": "d", "params": {"p": {"default": [number]}}}})
    assert parse_design(dump_design(design, "json"), "design.json")[0] == design  # read as JSON, by its name
