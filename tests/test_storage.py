"""The design file format: round trips, the JSON Schema, and safe loading of hostile files."""

import ast
import json

import jsonschema
import pytest
import yaml

from designer.storage import (
    MAX_DEPTH,
    DesignError,
    SafeLoader,
    design_to_data,
    dump_design,
    json_schema,
    load_design,
    load_design_with_lines,
    parse_design,
    read_yaml,
)
from tests.conftest import ROOT, sample_paths

SCHEMA_FILE = ROOT / "designer" / "schema" / "design.schema.json"


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_every_sample_round_trips(path, fmt):
    design = load_design(path)
    text = dump_design(design, fmt)
    again, _ = parse_design(text, f"{path.name}.{fmt}")
    assert again == design
    assert dump_design(again, fmt) == text  # and the text is stable


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.stem)
def test_every_sample_validates_against_the_checked_in_schema(path):
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    jsonschema.validate(design_to_data(load_design(path)), schema)


def test_checked_in_schema_matches_the_model():
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema(), (
        "refresh it: .venv/bin/python -m designer schema > designer/schema/design.schema.json"
    )


def test_schema_rejects_what_the_model_rejects():
    schema = json.loads(SCHEMA_FILE.read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"dag": {"dag_id": "x"}, "tasks": [{"id": "a", "trigger_rule": "sometimes"}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"dag": {"dag_id": "x"}, "surprise": 1}, schema)


def error_of(text: str | bytes) -> DesignError:
    with pytest.raises(DesignError) as info:
        parse_design(text, "d.yaml")
    return info.value


def test_validation_errors_name_file_line_and_key_path():
    text = "dag:\n  dag_id: x\ntasks:\n  - id: a\n  - id: b\n    trigger_rule: sometimes\n"
    assert str(error_of(text)).startswith("d.yaml:6: tasks[1].trigger_rule: Input should be")


def test_several_problems_are_all_kept():
    err = error_of("dag: {dag_id: x}\ntasks:\n  - {id: a, retries: 1}\n  - {}\n")
    assert len(err.problems) == 2 and "(and 1 more problems)" in str(err)
    assert {p.line for p in err.problems} == {3, 4}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dag: {dag_id: x}\ndag: {dag_id: y}\n", "key 'dag' appears twice (first on line 1)"),
        ("a: &x [1]\nb: *x\n", "aliases"),
        ("- 1\n- 2\n", "must be a mapping"),
        ("dag: {dag_id: x}\nschema_version: 7\n", "schema_version 7 is not supported"),
        ("dag: [unclosed\n", "is not valid YAML/JSON"),
        ("x: !!python/name:os.system\n", "is not valid YAML/JSON"),
        ("", "must be a mapping"),
    ],
)
def test_unreadable_files_give_one_clear_line(text, expected):
    message = str(error_of(text))
    assert expected in message and "\n" not in message


def test_alias_bomb_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    assert "aliases" in str(error_of("\n".join(lines)))


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 10_000])
def test_deep_nesting_is_refused_before_recursion(depth):
    # libyaml's own scanner stops first past its limit; either way the message says it is nesting.
    for text in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        message = str(error_of(text))
        assert f"more than {MAX_DEPTH} levels" in message or "maximum nesting depth" in message


def test_non_utf8_bytes_are_refused_with_their_line():
    assert str(error_of(b"dag:\n  dag_id: \xff\xfe\n")) == "d.yaml:2: is not UTF-8 text (byte 15)"


def test_oversized_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    with pytest.raises(DesignError, match="is 52.4 MB; design files are limited to 5 MB"):
        load_design(big)


def test_missing_file(tmp_path):
    with pytest.raises(DesignError, match="cannot read the file"):
        load_design(tmp_path / "nope.yaml")


def test_json_files_load_and_index_lines(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"dag": {"dag_id": "x"}, "tasks": [{"id": "a"}, {"id": "b"}]}, indent=2))
    design, lines = load_design_with_lines(path)
    assert [t.id for t in design.tasks] == ["a", "b"]
    assert lines.line_of(("tasks", 1, "id")) == 10
    assert lines.line_of(("tasks", 1, "no_such_key")) == 9  # falls back to the enclosing item


def test_bom_is_ignored_and_unquoted_dates_become_datetimes():
    design, _ = parse_design("\ufeffdag: {dag_id: x, start_date: 2024-03-01}\n".encode())
    assert design.dag.start_date.isoformat() == "2024-03-01T00:00:00"


class _Marker:
    def __init__(self, tag: str) -> None:
        self.tag = tag


class _MarkingLoader(SafeLoader):
    """A loader with an extra constructor, the way the dag-factory importer extends the safe loader."""


_MarkingLoader.add_multi_constructor("", lambda _loader, _suffix, node: _Marker(node.tag))


def test_a_custom_loader_builds_with_its_constructors():
    document, index = read_yaml("x: !!python/name:os.system\ny: 1\n", "f.yaml", loader=_MarkingLoader)
    assert isinstance(document["x"], _Marker) and document["x"].tag == "tag:yaml.org,2002:python/name:os.system"
    assert document["y"] == 1 and index.line_of(("y",)) == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("a: &x [1]\nb: *x\n", "aliases"),
    ("a: 1\nb: 2\na: 3\n", "key 'a' appears twice"),
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"more than {MAX_DEPTH} levels"),
    ("a: 1\n" + "#" * 6_000_000, "files are limited to 5 MB"),
    (b"a: \xff\n", "not UTF-8"),
])
def test_a_custom_loader_keeps_every_safeguard(text, expected):
    with pytest.raises(DesignError, match=expected):
        read_yaml(text, "f.yaml", loader=_MarkingLoader)


@pytest.mark.parametrize("loader", [yaml.UnsafeLoader, yaml.FullLoader, yaml.Loader, "CSafeLoader", None.__class__])
def test_read_yaml_refuses_a_loader_that_is_not_the_safe_one(loader):
    with pytest.raises(TypeError, match="SafeLoader"):
        read_yaml("a: 1\n", "f.yaml", loader=loader)


def test_importers_use_only_the_public_storage_api():
    # Private helpers of designer.storage may change without notice; the importer's safeguards come
    # through read_yaml / decode_text / SafeLoader.
    for path in sorted((ROOT / "designer" / "importers").glob("*.py")):
        tree = ast.parse(path.read_text())
        private = [f"{path.name}:{n.lineno}: storage.{n.attr}" for n in ast.walk(tree)
                   if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "storage"
                   and n.attr.startswith("_")]
        private += [f"{path.name}:{n.lineno}: {a.name}" for n in ast.walk(tree)
                    if isinstance(n, ast.ImportFrom) and n.module == "designer.storage"
                    for a in n.names if a.name.startswith("_")]
        assert not private, private
