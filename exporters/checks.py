"""The gate in front of every code exporter: designs with error findings are not exported."""

from __future__ import annotations

from designer.analysis import Severity, analyze
from designer.analysis.findings import format_location
from designer.model import Design
from exporters import ExportError


def require_exportable(design: Design) -> None:
    """Raise ExportError listing every error finding of `design` (ids, references, cycles, ...)."""
    errors = [f for f in analyze(design, simulate_run=False).findings if f.severity == Severity.ERROR]
    if errors:
        lines = [f"{f.code} {format_location(f.location) or 'dag'}: {f.message}" for f in errors]
        raise ExportError(f"design {design.dag.dag_id!r} has {len(errors)} error(s) to fix before export:\n  "
                          + "\n  ".join(lines))
