"""`analyze(design)`: graph, metrics, cycles, lint findings, complexity and a simulated run in one report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property

from designer.analysis.cycles import find_cycles
from designer.analysis.findings import RULES, Finding, Severity
from designer.analysis.graph import TaskGraph, build_task_graph
from designer.analysis.metrics import Metrics, compute_metrics
from designer.analysis.simulate import Simulation, simulate
from designer.model import Design
from designer.operators import OperatorSpec, operator_spec

GRADES = (("A", 10), ("B", 20), ("C", 40), ("D", 80), ("E", 160))


@dataclass
class Context:
    """What rules see: the design, its task graph, cycles and metrics."""

    design: Design
    tg: TaskGraph
    cycles: list[list[str]]
    metrics: Metrics

    @cached_property
    def task_index(self) -> dict[str, int]:
        """Local task id -> position in design.tasks (first occurrence), for finding locations."""
        index: dict[str, int] = {}
        for i, task in enumerate(self.design.tasks):
            index.setdefault(task.id, i)
        return index

    @cached_property
    def specs(self) -> list[OperatorSpec | None]:
        """The operator spec of each task, aligned with design.tasks (several rules need it)."""
        return [operator_spec(task.operator) for task in self.design.tasks]

    @cached_property
    def group_index(self) -> dict[str, int]:
        index: dict[str, int] = {}
        for i, group in enumerate(self.design.groups):
            index.setdefault(group.id, i)
        return index


@dataclass(frozen=True)
class Complexity:
    score: float
    grade: str


@dataclass(frozen=True)
class Report:
    metrics: Metrics
    cycles: list[list[str]]
    findings: list[Finding]
    complexity: Complexity
    simulation: Simulation | None

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def as_dict(self) -> dict:
        """The JSON shape printed by `python -m designer analyze --json`."""
        m = asdict(self.metrics)
        m["redundant_edges"] = None if m["redundant_edges"] is None else [list(e) for e in m["redundant_edges"]]
        return {
            **m,
            "cycles": self.cycles,
            "findings": [f.as_dict() for f in self.findings],
            "complexity": {"score": self.complexity.score, "grade": self.complexity.grade},
            "simulated_makespan": self.simulation.makespan if self.simulation else None,
            "simulation": self.simulation.as_dict() if self.simulation else None,
        }


def complexity(ctx: Context) -> Complexity:
    """One number for how hard the DAG is to follow, and a letter grade (A best, F worst).

    score = cyclomatic complexity + 2 x deepest group nesting + 5 x cycles
            + fan-in and fan-out above the design's thresholds, summed over tasks.
    """
    m, lint, tg = ctx.metrics, ctx.design.lint, ctx.tg
    excess = _excess(tg.pred, lint.max_fan_in) + _excess(tg.succ, lint.max_fan_out)
    score = float(max(m.cyclomatic_complexity, 0) + 2 * m.max_group_nesting + 5 * len(ctx.cycles) + excess)
    grade = next((letter for letter, limit in GRADES if score <= limit), "F")
    return Complexity(score, grade)


def _excess(adjacency: dict[str, dict], limit: int) -> int:
    """Neighbours above `limit`, summed over the nodes that have more."""
    return sum(n - limit for n in map(len, adjacency.values()) if n > limit)


def silenced(finding: Finding, design: Design) -> bool:
    """Whether `lint.disabled` hides `finding`. Only warnings and infos can be hidden: an error is what makes
    an export unsafe or unloadable, so the export gate never depends on a setting the design carries."""
    return finding.severity is not Severity.ERROR and finding.code in design.lint.disabled


def analyze(design: Design, *, simulate_run: bool = True) -> Report:
    """Everything the designer knows about `design`. Never raises for a broken design."""
    tg = build_task_graph(design)
    # Kahn's order reaches every node exactly when there is no cycle; only then can the search for
    # strongly connected components be skipped.
    cycles = [] if tg.generations is not None else find_cycles(tg.graph)
    metrics = compute_metrics(tg, acyclic=not cycles)
    ctx = Context(design, tg, cycles, metrics)
    findings = [f for rule in RULES.values() for f in rule.check(ctx) if not silenced(f, design)]
    score = complexity(ctx)
    sim = simulate(tg) if simulate_run and not cycles else None
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    findings.sort(key=lambda f: (order[f.severity], f.code, f.subjects, f.message))
    return Report(metrics, cycles, findings, score, sim)
