"""Rules about the design's own lint settings."""

from __future__ import annotations

from collections.abc import Iterator

from designer.analysis.findings import RULES, Finding, Severity, rule
from designer.analysis.report import Context

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@rule("DD026", "lint-settings", I)
def lint_settings(ctx: Context) -> Iterator[Finding]:
    """A code in `lint.disabled` that cannot be (fully) disabled, or that names no rule. `lint.disabled`
    hides warnings and infos only: an error means an export would be refused, unsafe or not load in
    Airflow, so errors are reported (and refuse the export) whatever the design says. Fix the error
    instead, or remove the code from the list."""
    for i, code in enumerate(ctx.design.lint.disabled):
        where = ("lint", "disabled", i)
        known = RULES.get(code)
        if known is None:
            yield Finding("DD026", W, f"lint.disabled lists {code[:20]!r}, which is not a rule code "
                          "(python -m designer rules lists them)", (), where)
        elif known.reports_errors:
            yield Finding("DD026", I, f"{code} ({known.name}) errors cannot be disabled: they are still reported and "
                          "still refuse the export; lint.disabled hides only its warnings and infos", (), where)
