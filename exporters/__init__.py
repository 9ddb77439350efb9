"""Exporters: pure functions from a design to files (relative path -> text), in Airflow-repo layout.

Writing files, zips and download buttons belong to the CLI and the UI. Every exporter except the
design's own format refuses a design with error findings (`ExportError`), so nothing broken reaches
an Airflow repository.
"""

from __future__ import annotations

from collections.abc import Callable

from designer.model import Design

ExportFiles = dict[str, str]


class ExportError(ValueError):
    """The design cannot be exported; the message says what to fix and where."""


_REGISTRY: dict[str, Callable[[Design], ExportFiles]] = {}


def register(target: str):
    """Register an exporter function under a `--to` target name."""

    def add(fn: Callable[[Design], ExportFiles]):
        _REGISTRY[target] = fn
        return fn

    return add


def exporters() -> dict[str, Callable[[Design], ExportFiles]]:
    """All exporters by target name (importing their modules registers them)."""
    from exporters import design_file  # noqa: F401

    for module in ("python_module", "dag_factory", "tests_module"):
        try:
            __import__(f"exporters.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"exporters.{module}":
                raise
    return dict(_REGISTRY)


def export(design: Design, target: str) -> ExportFiles:
    """Files for `target`; raises ExportError for an unknown target or a design with errors."""
    available = exporters()
    if target not in available:
        raise ExportError(f"unknown export target {target!r}; choose one of {', '.join(sorted(available))}")
    return available[target](design)
