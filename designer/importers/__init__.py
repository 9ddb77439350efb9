"""Importers: other formats read into designs, with notes for whatever could not be carried over.

An importer never runs code from the file it reads and never drops anything silently: every construct
it cannot represent becomes an `ImportNote` naming the key path and line. Unreadable input (not UTF-8,
too big, not YAML, too many nodes counting aliases expanded, excessive nesting, numbers that cannot be
held) raises `designer.storage.DesignError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.analysis.findings import KeyPath, format_location


@dataclass(frozen=True)
class ImportNote:
    """Something in the imported file that the design does not carry (or carries differently)."""

    message: str
    path: KeyPath = ()
    line: int | None = None

    def __str__(self) -> str:
        """`line 3: key.path: message`, for showing notes without a file name."""
        where = ([f"line {self.line}"] if self.line else []) + ([format_location(self.path)] if self.path else [])
        return ": ".join([*where, self.message])

    def format(self, source: str) -> str:
        """`FILE:LINE: key.path: message` (line and key path left out when unknown)."""
        where = f"{source}:{self.line}" if self.line else source
        key = format_location(self.path)
        return f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"
