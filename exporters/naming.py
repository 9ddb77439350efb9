"""File names of exported artefacts, built only from validated ids."""

from __future__ import annotations

import re

from designer.model import Design


def module_stem(design: Design) -> str:
    """`dag_<dag_id>` folded to lower-case ASCII `[a-z0-9_]`.

    The prefix keeps a generated module from shadowing a real one (the DAG folder is on sys.path,
    so `json.py` would), and case folding keeps names unique on case-insensitive file systems.
    """
    return "dag_" + slug(design.dag.dag_id)


def slug(name: str) -> str:
    """`name` folded to lower-case ASCII `[a-z0-9_]` (file names unique on case-insensitive file systems)."""
    return re.sub(r"[^a-z0-9_]", "_", name.lower())
