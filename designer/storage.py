"""The designer's own file format (YAML or JSON) and its safe loading.

Loading never runs code and never does unbounded work: at most MAX_FILE_BYTES are read from any
source, YAML and JSON are checked while they are parsed (node count, nesting, aliases, duplicate and
non-string keys, numbers that cannot be held; see designer/safe_yaml.py and designer/safe_json.py)
before anything is built, and the model bounds what a design expands to. Every problem is reported
as a `DesignError` naming the file, line and key path. A loaded file also yields a `LineIndex` so
that lint findings can point at lines.
"""

from __future__ import annotations

import json
import os
import select
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from designer.analysis.findings import KeyPath, format_location
from designer.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, READ_IDLE_SECONDS, Refused
from designer.model import SCHEMA_VERSION, Design
from designer.safe_json import load_json
from designer.safe_yaml import check_events, index_nodes, no_gc

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "DesignError", "LineIndex", "Problem", "SafeLoader",
           "decode_text", "design_from_document", "load_design", "load_design_with_lines", "parse_design",
           "read_document", "read_source", "read_yaml"]

# The YAML loader every read uses (libyaml's when available). Importers that need extra constructors
# (markers for tags, say) subclass it and pass the subclass to read_yaml.
SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    message: str
    path: KeyPath = ()
    line: int | None = None


class DesignError(Exception):
    """A design file that cannot be read. `str()` is one line: source, line, key path and message.
    `design_rule` is True when only the design files' own rules refuse it (aliases, keys that are not
    strings, YAML tags), so an importer of another tool's format might still read it."""

    def __init__(self, source: str, problems: list[Problem], *, design_rule: bool = False) -> None:
        self.source = source
        self.problems = problems
        self.design_rule = design_rule
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


def read_source(path: str | Path, what: str = "design files", idle_seconds: float = READ_IDLE_SECONDS) -> bytes:
    """The bytes of `path`, whatever it is (file, pipe, FIFO, device), reading at most
    MAX_FILE_BYTES + 1 of them. Raises DesignError for a directory, an unreadable path, a source
    over the cap, or a pipe or device that stays silent for `idle_seconds` (a FIFO with no writer:
    it is opened without waiting for one, then polled)."""
    source = str(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise DesignError(source, [Problem(f"cannot read the file: {exc.strerror or exc}")]) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise DesignError(source, [Problem("is a directory, not a file")])
        regular = stat.S_ISREG(info.st_mode)
        if regular and info.st_size > MAX_FILE_BYTES:  # refused unread
            raise DesignError(source, [Problem(_too_big(info.st_size, what))])
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while total <= MAX_FILE_BYTES:
            if not regular:
                _wait_readable(fd, source, idle_seconds)
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise DesignError(source, [Problem(f"cannot read the file: {exc.strerror or exc}")]) from None
    finally:
        os.close(fd)
    if total > MAX_FILE_BYTES:
        raise DesignError(source, [Problem(f"is larger than {MAX_FILE_BYTES / 1e6:.0f} MB; {what} are limited to "
                                           f"{MAX_FILE_BYTES / 1e6:.0f} MB")])
    return b"".join(chunks)


def _wait_readable(fd: int, source: str, idle_seconds: float) -> None:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    deadline = time.monotonic() + idle_seconds
    while not poller.poll(max(0, deadline - time.monotonic()) * 1000):
        if time.monotonic() >= deadline:
            raise DesignError(source, [Problem(
                f"no data arrived for {idle_seconds:g} s (a pipe or FIFO with no writer?)")])


def load_design(path: str | Path) -> Design:
    """Read a design file (.yaml, .yml or .json); raises DesignError when it cannot be read."""
    return load_design_with_lines(path)[0]


def load_design_with_lines(path: str | Path) -> tuple[Design, LineIndex]:
    return parse_design(read_source(path), str(path))


def decode_text(data: bytes | str, source: str = "<text>", what: str = "design files") -> str:
    """`data` as text, checked the way every read checks it: at most MAX_FILE_BYTES, UTF-8 only, a
    leading BOM dropped. Raises DesignError naming `source` (and the line of a bad byte); `what` names
    the kind of file in the size message."""
    if isinstance(data, str):
        if len(data) > MAX_FILE_BYTES:  # at least as many bytes; no need to encode all of it to know
            raise DesignError(source, [Problem(_too_big(len(data), what))])
        raw = data.encode("utf-8", "surrogatepass")
    else:
        raw = data
    if len(raw) > MAX_FILE_BYTES:
        raise DesignError(source, [Problem(_too_big(len(raw), what))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DesignError(source, [Problem(f"is not UTF-8 text (byte {exc.start})", (), line)]) from None
    return text.removeprefix("\ufeff")


def read_yaml(data: bytes | str, source: str = "<text>", *, loader: type | None = None,
              what: str = "design files", aliases: bool = False, string_keys: bool = True) -> tuple[Any, LineIndex]:
    """Safely read YAML text: size cap, UTF-8 only, bounded nodes and nesting, no duplicate keys,
    numbers that can be held. Raises DesignError naming `source`, the line and the key path.

    Design files refuse aliases and keys that are not strings (`yes:`, `1:`, `~:`); importers of
    other tools' files may allow both: `aliases=True` accepts anchors, aliases and merge keys
    (`<<: *defaults`), an alias counting as its whole subtree against the node cap, and
    `string_keys=False` accepts keys of other types (duplicates are still found by value).

    The document is built with SafeLoader (plain data only), or with `loader`, a subclass of SafeLoader
    that adds constructors (e.g. markers for tags); the checks above run before it builds anything,
    whichever loader builds.
    """
    if loader is None:
        loader = SafeLoader
    elif not (isinstance(loader, type) and issubclass(loader, SafeLoader)):
        raise TypeError(f"loader must be a subclass of designer.storage.SafeLoader, not {loader!r}")
    text = decode_text(data, source, what)
    with no_gc():
        return _read_yaml(text, source, loader, aliases, string_keys)


def read_document(data: bytes | str, source: str = "<design>") -> tuple[Any, LineIndex]:
    """A design file's document and line index: JSON when `source` ends in .json (read as JSON: NaN,
    Infinity and duplicate keys refused), YAML otherwise, with every check of `read_yaml`."""
    if not source.lower().endswith(".json"):
        return read_yaml(data, source)
    text = decode_text(data, source)
    try:
        with no_gc():
            document, lines = load_json(text)
    except Refused as exc:
        raise DesignError(source, [Problem(exc.message, exc.path, exc.line)]) from None
    return document, LineIndex(lines)


def parse_design(data: bytes | str, source: str = "<design>") -> tuple[Design, LineIndex]:
    """Parse and validate design text (JSON when `source` ends in .json, else YAML)."""
    document, index = read_document(data, source)
    return design_from_document(document, index, source), index


def design_from_document(document: Any, index: LineIndex, source: str) -> Design:
    """The design a document read by `read_document` describes; DesignError naming lines and keys."""
    if not isinstance(document, dict):
        raise DesignError(source, [Problem(
            f"must be a mapping with dag, tasks, groups and edges, not {_kind(document)}", (), 1)])
    version = document.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise DesignError(source, [Problem(
            f"schema_version {version!r} is not supported (this designer reads {SCHEMA_VERSION})",
            ("schema_version",), index.line_of(("schema_version",)))])
    try:
        with no_gc():
            return Design.model_validate(document)
    except ValidationError as exc:
        problems = [
            Problem(err["msg"].removeprefix("Value error, "), tuple(err["loc"]), index.line_of(tuple(err["loc"])))
            for err in exc.errors(include_url=False)[:_MAX_PROBLEMS]
        ]
        if exc.error_count() > _MAX_PROBLEMS:
            problems.append(Problem(f"... and {exc.error_count() - _MAX_PROBLEMS} more"))
        raise DesignError(source, problems) from None


_MAX_PROBLEMS = 100


def _read_yaml(text: str, source: str, loader_class: type, aliases: bool,
               string_keys: bool) -> tuple[Any, LineIndex]:
    try:
        check_events(text, aliases)
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, LineIndex({(): 1})
            index = LineIndex(index_nodes(node, string_keys, aliases))
            return loader.construct_document(node), index
        finally:
            loader.dispose()
    except Refused as exc:
        raise DesignError(source, [Problem(exc.message, exc.path, exc.line)], design_rule=exc.design_rule) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        tag = isinstance(exc, yaml.constructor.ConstructorError) and "could not determine a constructor" in message
        raise DesignError(source, [Problem(f"is not valid YAML/JSON: {message}", (), line)], design_rule=tag) from None
    except yaml.YAMLError as exc:
        raise DesignError(source, [Problem(f"is not valid YAML/JSON: {exc}")]) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a value no check above foresaw
        raise DesignError(source, [Problem(f"has a value that cannot be read ({exc})")]) from None


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
