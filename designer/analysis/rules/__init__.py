"""The lint rules; importing this package registers them (see designer.analysis.findings)."""

from designer.analysis.rules import dag, lint_settings, shape, structure, targets, tasks  # noqa: F401
