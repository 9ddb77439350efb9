"""The designer's own format, which also saves designs that still have errors."""

from __future__ import annotations

from designer.model import Design
from designer.storage import DesignError, dump_design, parse_design
from exporters import ExportError, ExportFiles, register
from exporters.naming import module_stem


@register("design")
def export_design(design: Design) -> ExportFiles:
    text = dump_design(design)
    guard_design_file(text)
    return {f"designs/{module_stem(design)}.design.yaml": text}


def guard_design_file(text: str) -> None:
    """Raise ExportError unless `text` reads back (with the designer's own safe loader) and writes again as
    the same text; compared as text, so a design holding NaN (which is not equal to itself) still saves."""
    try:
        again = dump_design(parse_design(text)[0])
    except DesignError as exc:
        raise ExportError(f"the design file does not read back: {exc}") from None
    if again != text:
        raise ExportError("the design file would not read back as this design: a value changes on the way (NaN "
                          "and infinity are stored as null, see DD027); fix the error findings and save again")
