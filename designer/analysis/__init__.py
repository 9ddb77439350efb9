"""Analysis of designs: the task graph, metrics, cycles, lint findings and a simulated run."""

from designer.analysis.findings import RULES, Finding, Severity
from designer.analysis.report import Report, analyze

__all__ = ["RULES", "Finding", "Report", "Severity", "analyze"]
