"""Opening a file that holds designs: the designer's own format or dag-factory YAML, told apart by content.

The UI's upload and `python -m designer diff` both open files through here, so a file opens the same
way everywhere, with the command line's bounds and messages. Nothing is run: dag-factory YAML is read by
designer.importers.dag_factory, never by dag-factory itself. Every problem is a `DesignError` (one line:
file, line, key path, message).
"""

from __future__ import annotations

from pydantic import ValidationError

from designer.importers import ImportNote
from designer.model import Design
from designer.storage import DesignError, Problem, design_from_document, read_document


def is_design_document(document: object) -> bool:
    """A design file is recognised by its `dag` mapping; anything else is read as dag-factory YAML."""
    return isinstance(document, dict) and isinstance(document.get("dag"), dict)


def read_designs(data: bytes | str, name: str) -> tuple[list[Design], list[ImportNote]]:
    """Every design in file bytes, with notes on what an import could not carry over.

    A design file gives one design and no notes; a dag-factory file gives each DAG it holds, in file
    order. A file that reads as a design only under the importer's looser rules (aliases, keys that are
    not strings) gets the design reader's error. DesignError (naming `name`) when the file cannot be read
    or holds no DAG."""
    from designer.importers.dag_factory import import_dag_factory
    from designer.importers.dag_factory_values import read_yaml as read_dag_factory

    strict: DesignError | None = None
    try:
        document, index = read_document(data, name)
    except DesignError as exc:
        # Only what the importer's rules allow is worth a second read (each read is bounded).
        if not exc.design_rule or name.lower().endswith(".json") or is_design_document(read_dag_factory(data, name)[0]):
            raise
        strict = exc
    else:
        if is_design_document(document):
            return [design_from_document(document, index, name)], []
    try:
        designs, notes = import_dag_factory(data, name)
    except ValidationError as exc:  # a value the importer has to keep (a DAG or task id) is unusable
        first = exc.errors(include_url=False)[0]
        raise DesignError(name, [Problem(f"cannot be imported: {first['msg']}", tuple(first["loc"]))]) from None
    if not designs:
        raise strict or DesignError(name, [Problem("holds neither a design (a dag mapping) nor a dag-factory DAG")])
    return designs, notes


def open_file(data: bytes | str, name: str) -> tuple[Design, list[str]]:
    """One design from file bytes, for opening in the UI: a dag-factory file holding several DAGs opens
    its first, and the notes say so (followed by the import notes)."""
    designs, notes = read_designs(data, name)
    extra = [f"{name} holds {len(designs)} DAGs; opened {designs[0].dag.dag_id}"] if len(designs) > 1 else []
    return designs[0], extra + [str(n) for n in notes]
