"""Analysis of designs: the task graph, metrics, cycles, lint findings and a simulated run."""

from designer.analysis.findings import RULES, Finding, Severity  # noqa: I001  (rules last: it needs report)
from designer.analysis.report import Report, analyze
from designer.analysis import rules  # noqa: E402,F401  (registers the rules; needs report first)

__all__ = ["RULES", "Finding", "Report", "Severity", "analyze"]
