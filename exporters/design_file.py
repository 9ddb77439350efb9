"""The designer's own format, which also saves designs that still have errors."""

from __future__ import annotations

from designer.model import Design
from designer.storage import dump_design
from exporters import ExportFiles, register
from exporters.naming import module_stem


@register("design")
def export_design(design: Design) -> ExportFiles:
    return {f"designs/{module_stem(design)}.design.yaml": dump_design(design)}
