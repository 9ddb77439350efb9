"""Findings and the lint rule registry.

A rule is a small function registered under a stable code. It receives the analysis context and
yields findings; it never raises for a bad design. Each rule's docstring is its documentation: what
it catches, why it matters on Airflow, and what to do instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from designer.validity import format_location

if TYPE_CHECKING:
    from designer.analysis.report import Context

__all__ = ["RULES", "Finding", "KeyPath", "Rule", "Severity", "format_location", "rule"]

# A key path into the design file, e.g. ("tasks", 3, "args", "bash_command").
KeyPath = tuple[str | int, ...]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    subjects: tuple[str, ...] = ()  # Airflow task_ids, or group/task local ids, it is about
    location: KeyPath = ()

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "rule": RULES[self.code].name if self.code in RULES else self.code,
            "severity": str(self.severity),
            "message": self.message,
            "subjects": list(self.subjects),
            "location": format_location(self.location),
        }


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity  # the usual severity; a rule may raise or lower it for one finding
    check: Callable[[Context], Iterable[Finding]] = field(compare=False)
    reports_errors: bool = False  # whether any finding of the rule can be an error (which no setting silences)

    @property
    def doc(self) -> str:
        return (self.check.__doc__ or "").strip()


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity, *, may_error: bool = False):
    """Register a rule function under `code`; `may_error` marks a warning rule that raises some findings to
    errors."""

    def register(check: Callable[[Context], Iterable[Finding]]):
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, name, severity, check, severity is Severity.ERROR or may_error)
        return check

    return register
