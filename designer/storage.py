"""The designer's own file format (YAML or JSON) and its safe loading.

Loading never runs code and never expands hostile structure: files are capped in size, YAML aliases
are refused (alias bombs), nesting depth is capped, duplicate keys are errors, and every problem is
reported as a `DesignError` naming the file, line and key path. A loaded file also yields a
`LineIndex` so that lint findings can point at lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from designer.analysis.findings import KeyPath, format_location
from designer.model import SCHEMA_VERSION, Design

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64

# The YAML loader every read uses (libyaml's when available). Importers that need extra constructors
# (markers for tags, say) subclass it and pass the subclass to read_yaml.
SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    message: str
    path: KeyPath = ()
    line: int | None = None


class DesignError(Exception):
    """A design file that cannot be read. `str()` is one line: source, line, key path and message."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self._first_line())

    def _first_line(self) -> str:
        first = self.problems[0]
        where = self.source + (f":{first.line}" if first.line else "")
        key = f" {format_location(first.path)}:" if first.path else ""
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        return f"{where}:{key} {first.message}{more}"


@dataclass
class LineIndex:
    """Line numbers (1-based) of key paths in a loaded file."""

    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest enclosing key that has one."""
        for end in range(len(path), -1, -1):
            if (line := self.lines.get(tuple(path[:end]))) is not None:
                return line
        return None


def load_design(path: str | Path) -> Design:
    """Read a design file (.yaml, .yml or .json); raises DesignError when it cannot be read."""
    return load_design_with_lines(path)[0]


def load_design_with_lines(path: str | Path) -> tuple[Design, LineIndex]:
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise DesignError(source, [Problem(_too_big(size, "design files"))])
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DesignError(source, [Problem(f"cannot read the file: {exc.strerror or exc}")]) from None
    return parse_design(data, source)


def decode_text(data: bytes | str, source: str = "<text>", what: str = "design files") -> str:
    """`data` as text, checked the way every read checks it: at most MAX_FILE_BYTES, UTF-8 only, a
    leading BOM dropped. Raises DesignError naming `source` (and the line of a bad byte); `what` names
    the kind of file in the size message."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_FILE_BYTES:
        raise DesignError(source, [Problem(_too_big(len(raw), what))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DesignError(source, [Problem(f"is not UTF-8 text (byte {exc.start})", (), line)]) from None
    return text.removeprefix("\ufeff")


def read_yaml(data: bytes | str, source: str = "<text>", *, loader: type | None = None,
              what: str = "design files") -> tuple[Any, LineIndex]:
    """Safely read YAML (or JSON) text: size cap, UTF-8 only, no aliases, bounded nesting, no duplicate
    keys. Raises DesignError naming `source` and the line.

    The document is built with SafeLoader (plain data only), or with `loader`, a subclass of SafeLoader
    that adds constructors (e.g. markers for tags); the checks above run before it builds anything,
    whichever loader builds.
    """
    if loader is None:
        loader = SafeLoader
    elif not (isinstance(loader, type) and issubclass(loader, SafeLoader)):
        raise TypeError(f"loader must be a subclass of designer.storage.SafeLoader, not {loader!r}")
    return _read_yaml(decode_text(data, source, what), source, loader)


def parse_design(data: bytes | str, source: str = "<design>") -> tuple[Design, LineIndex]:
    """Parse and validate design text (YAML, of which JSON is a subset)."""
    document, index = read_yaml(data, source)
    if not isinstance(document, dict):
        raise DesignError(source, [Problem(
            f"must be a mapping with dag, tasks, groups and edges, not {_kind(document)}", (), 1)])
    version = document.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise DesignError(source, [Problem(
            f"schema_version {version!r} is not supported (this designer reads {SCHEMA_VERSION})",
            ("schema_version",), index.line_of(("schema_version",)))])
    try:
        return Design.model_validate(document), index
    except ValidationError as exc:
        problems = [
            Problem(err["msg"], tuple(err["loc"]), index.line_of(tuple(err["loc"])))
            for err in exc.errors(include_url=False)
        ]
        raise DesignError(source, problems) from None


def _read_yaml(text: str, source: str, loader_class: type) -> tuple[Any, LineIndex]:
    try:
        _check_events(text, source)
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            index = LineIndex()
            if node is not None:
                _index(node, (), index, source)
            return (loader.construct_document(node) if node is not None else None), index
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise DesignError(source, [Problem(f"is not valid YAML/JSON: {message}", (), line)]) from None
    except yaml.YAMLError as exc:
        raise DesignError(source, [Problem(f"is not valid YAML/JSON: {exc}")]) from None


def _check_events(text: str, source: str) -> None:
    """Refuse aliases and excessive nesting before anything is built from the text."""
    depth = 0
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise DesignError(source, [Problem("YAML aliases (*name) are not allowed",
                                               (), event.start_mark.line + 1)])
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise DesignError(source, [Problem(f"is nested more than {MAX_DEPTH} levels deep",
                                                   (), event.start_mark.line + 1)])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _index(node: yaml.Node, path: KeyPath, index: LineIndex, source: str) -> None:
    index.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DesignError(source, [Problem(f"key {key!r} appears twice (first on line {seen[key]})",
                                                   path, line)])
            seen[key] = line
            _index(value_node, (*path, key), index, source)
            index.lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), index, source)


def _too_big(size: int, what: str) -> str:
    return f"is {size / 1e6:.1f} MB; {what} are limited to {MAX_FILE_BYTES / 1e6:.0f} MB"


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "empty"}.get(type(value), type(value).__name__)


# --- writing -----------------------------------------------------------------------------------

def design_to_data(design: Design) -> dict[str, Any]:
    """The design as plain data, defaults left out, schema_version first."""
    data = design.model_dump(mode="json", exclude_defaults=True)
    data.pop("schema_version", None)
    return {"schema_version": SCHEMA_VERSION, **data}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # our own files never use aliases, and our loader refuses them


def dump_design(design: Design, fmt: str = "yaml") -> str:
    """Design file text in `fmt` ("yaml" or "json"); loading it gives back an equal design."""
    data = design_to_data(design)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt != "yaml":
        raise ValueError(f"unknown design format {fmt!r}")
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of design files, generated from the model (checked in as design.schema.json)."""
    schema = Design.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "DAG Designer design"
    return schema
