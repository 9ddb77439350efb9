"""Images of a design rendered by Graphviz's `dot` binary (SVG, PNG), and the DOT source itself."""

from __future__ import annotations

import shutil
import subprocess

from designer.model import Design
from exporters import ExportError
from exporters.graphviz_dot import to_dot

FORMATS = ("svg", "png", "dot")
RENDER_TIMEOUT_S = 60


def render_image(design: Design, fmt: str) -> bytes:
    """The design as an image file's bytes; TaskGroups are drawn as clusters."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown image format {fmt!r}; choose one of {', '.join(FORMATS)}")
    source = to_dot(design)
    if fmt == "dot":
        return source.encode("utf-8")
    dot = shutil.which("dot")
    if dot is None:
        raise ExportError("Graphviz's `dot` is not installed (bash scripts/setup.sh installs it)")
    try:
        proc = subprocess.run([dot, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                              timeout=RENDER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ExportError(f"Graphviz took longer than {RENDER_TIMEOUT_S} s; try the DOT file instead") from None
    if proc.returncode != 0:
        raise ExportError(f"Graphviz failed: {proc.stderr.decode(errors='replace')[:300]}")
    return proc.stdout
