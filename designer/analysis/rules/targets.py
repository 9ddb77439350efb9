"""Rules about export targets other than the Python module for Airflow 3."""

from __future__ import annotations

from collections.abc import Iterator

from designer.analysis.findings import Finding, Severity, rule
from designer.analysis.report import Context
from designer.target_limits import airflow2_limits, dag_factory_limits

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@rule("DD030", "export-target-limits", W)
def export_target_limits(ctx: Context) -> Iterator[Finding]:
    """What the dag-factory export or the Python export for Airflow 2 cannot write, although Airflow 3
    takes it: for dag-factory 1.1 a dag_id it reserves (`default`, `task_groups`, `__type__`, ...), a
    group with prefix_group_id false, keys it turns into Python objects (`__type__`, `__args__`, ...)
    in params, arguments and values, custom-operator arguments it reads itself, `.output` references
    it misreads, an execution_delta that is not whole seconds, two tasks or groups with the same Airflow
    id within their groups (dag-factory names them by it, in one namespace per DAG); for Airflow 2 the trigger rule
    all_done_min_one_success and non-ASCII asset URIs. That exporter refuses the design with the same
    message (the bundle leaves its variant out); the Python export for Airflow 3 is unaffected."""
    for target, limits in (("dag-factory", dag_factory_limits), ("python-airflow2", airflow2_limits)):
        for where, subjects, message in limits(ctx.design):
            yield Finding("DD030", W, f"the {target} export cannot write this: {message}", subjects, where)
