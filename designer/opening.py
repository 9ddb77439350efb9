"""Opening a file that holds designs: the designer's own format or dag-factory YAML, told apart by content.

The UI's upload and `python -m designer diff` both open files through here, so a file opens the same
way everywhere. Nothing is run: dag-factory YAML is read by designer.importers.dag_factory, never by
dag-factory itself. Every problem is a `DesignError` (one line: file, line, key path, message).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from designer.importers import ImportNote
from designer.model import Design
from designer.storage import MAX_FILE_BYTES, DesignError, Problem, parse_design, read_yaml


def read_path(path: str | Path) -> bytes:
    """The bytes of the file at `path`, reading at most MAX_FILE_BYTES + 1 (so a device or pipe that never
    ends is refused too). DesignError when it cannot be read or is too big."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DesignError(str(path), [Problem(f"cannot read the file: {exc.strerror or exc}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise DesignError(str(path), [Problem(f"is larger than {MAX_FILE_BYTES / 1e6:.0f} MB, the limit for files")])
    return data


def is_design_document(document: object) -> bool:
    """A design file is recognised by its `dag` mapping; anything else is read as dag-factory YAML."""
    return isinstance(document, dict) and isinstance(document.get("dag"), dict)


def read_designs(data: bytes | str, name: str) -> tuple[list[Design], list[ImportNote]]:
    """Every design in file bytes, with notes on what an import could not carry over.

    A design file gives one design and no notes; a dag-factory file gives each DAG it holds, in file
    order. DesignError (naming `name`) when the file cannot be read or holds no DAG."""
    document, _ = read_yaml(data, name)
    if is_design_document(document):
        return [parse_design(data, name)[0]], []
    from designer.importers.dag_factory import import_dag_factory

    try:
        designs, notes = import_dag_factory(data, name)
    except ValidationError as exc:  # a value the importer has to keep (a DAG or task id) is unusable
        first = exc.errors(include_url=False)[0]
        raise DesignError(name, [Problem(f"cannot be imported: {first['msg']}", tuple(first["loc"]))]) from None
    if not designs:
        raise DesignError(name, [Problem("holds no DAG")])
    return designs, notes


def open_file(data: bytes | str, name: str) -> tuple[Design, list[str]]:
    """One design from file bytes, for opening in the UI: a dag-factory file holding several DAGs opens
    its first, and the notes say so (followed by the import notes)."""
    designs, notes = read_designs(data, name)
    extra = [f"{name} holds {len(designs)} DAGs; opened {designs[0].dag.dag_id}"] if len(designs) > 1 else []
    return designs[0], extra + [str(n) for n in notes]
