"""Rules about a generation (a template rendered for every tenant x environment of a config).

They see the whole generation, not one design, so they have their own registry (GENERATION_RULES) and
finding type (GenerationFinding: which file, template or config, the location is in). Each generated design
is still linted by the design rules (designer.analysis.analyze).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from designer.analysis.findings import Finding, Rule, Severity, format_location

if TYPE_CHECKING:
    from designer.generation import Generation

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

# Measured DagBag parse time of generated files on Airflow 3.3.2 (docs/reference figures, bench/generate.py
# re-measures them): seconds per file and per task. A factory module or dag-factory document parses every
# generated DAG in one file, which Airflow must finish within dagbag_import_timeout (30 s by default).
PARSE_COST = {"python": (0.003, 0.00009), "factory": (0.003, 0.00012), "dag-factory": (0.030, 0.0006)}
PARSE_PER_DAG = {"python": 0.0, "factory": 0.001, "dag-factory": 0.004}
PARSE_WARN_SECONDS = 10.0  # a third of dagbag_import_timeout: one slow parse away from a timeout
SECRET_KEY = re.compile(r"(pass(word|wd)?|pwd|secret|token|api_?key|private_?key|access_?key|credentials?)$",
                        re.IGNORECASE)
CONNECTION_KEY = re.compile(r"(conn|connection)(_id)?$|_conn_id$|_(var|variable)$", re.IGNORECASE)
CREDENTIAL_URI = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
VARIABLE_GET = re.compile(r"\bVariable\s*\.\s*(get|get_variable)\s*\(")


@dataclass(frozen=True)
class GenerationFinding(Finding):
    """A finding about a generation; `location` is a key path in `file` ("template" or "config")."""

    file: Literal["template", "config"] = "template"

    def as_dict(self) -> dict:
        rule = GENERATION_RULES.get(self.code)
        return {**super().as_dict(), "rule": rule.name if rule else self.code, "file": self.file}


GENERATION_RULES: dict[str, Rule] = {}


def generation_rule(code: str, name: str, severity: Severity):
    def register(check: Callable[[Generation], Iterable[GenerationFinding]]):
        if code in GENERATION_RULES:
            raise ValueError(f"rule code {code} registered twice")
        GENERATION_RULES[code] = Rule(code, name, severity, check, severity is E)  # type: ignore[arg-type]
        return check

    return register


def lint_generation(generation: Generation) -> list[GenerationFinding]:
    """Every generation finding, errors first."""
    order = {E: 0, W: 1, I: 2}
    findings = [f for rule in GENERATION_RULES.values() for f in rule.check(generation)]  # type: ignore[arg-type]
    return sorted(findings, key=lambda f: (order[f.severity], f.code, f.subjects, f.message))


def estimated_parse_seconds(task_counts: list[int], layout: str) -> float:
    """Estimated DagBag parse time (s) of the generated DAGs with `task_counts` tasks each: summed over
    files for `python` (one module per DAG), for the one file of `factory` and `dag-factory`."""
    per_file, per_task = PARSE_COST[layout]
    files = len(task_counts) if layout == "python" else 1
    return files * per_file + len(task_counts) * PARSE_PER_DAG[layout] + sum(task_counts) * per_task


@generation_rule("DD040", "too-many-generated-dags", W)
def too_many_generated_dags(generation: Generation) -> Iterator[GenerationFinding]:
    """The generated DAGs would take Airflow long to parse: the estimate (from measured per-task parse cost)
    for the factory module or the dag-factory document, which parse every DAG in one file, is over 10 s,
    a third of the default dagbag_import_timeout (30 s). The DAG processor re-parses files every
    min_file_process_interval, so slow files delay every DAG. Split the config into several generations,
    use one static module per DAG, or make the DAGs smaller."""
    counts = [len(build_count) for build_count in _task_ids(generation)]
    if not counts:
        return
    estimates = {layout: estimated_parse_seconds(counts, layout) for layout in ("factory", "dag-factory")}
    slow = {layout: s for layout, s in estimates.items() if s > PARSE_WARN_SECONDS}
    if slow:
        listed = ", ".join(f"{layout} about {s:.0f} s" for layout, s in slow.items())
        yield GenerationFinding("DD040", W, f"{len(counts)} generated DAGs with {sum(counts):,} tasks: one file "
                                f"would take Airflow long to parse ({listed}; the python export parses about "
                                f"{estimated_parse_seconds(counts, 'python'):.1f} s over {len(counts)} files)",
                                (), (), "config")


def _task_ids(generation: Generation) -> list[list[str]]:
    from designer.analysis.graph import build_task_graph

    return [list(build_task_graph(design).graph) for design in generation.designs]


@generation_rule("DD041", "generated-dag-id-collision", E)
def dag_id_collision(generation: Generation) -> Iterator[GenerationFinding]:
    """Two tenant x environment pairs render the same dag_id, or dag_ids that differ only in case or
    punctuation (their exported files would have the same name). Airflow keeps one of two DAGs with the same
    id and silently drops the other. Put `${{ tenant }}` and `${{ environment }}` in the template's dag_id."""
    from exporters.naming import slug

    by_stem: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for dag in generation.dags:
        if dag.design is not None:
            by_stem[slug(dag.design.dag.dag_id)].append((dag.design.dag.dag_id, dag.tenant, dag.environment))
    for entries in by_stem.values():
        if len(entries) > 1:
            pairs = "; ".join(f"tenant {t!r}, environment {e!r} -> {d!r}" for d, t, e in entries[:4])
            same = len({d for d, _, _ in entries}) == 1
            what = "the same dag_id" if same else "dag_ids that give the same file name"
            yield GenerationFinding("DD041", E, f"{len(entries)} generated DAGs have {what}: {pairs}",
                                    tuple(d for d, _, _ in entries), ("dag", "dag_id"), "template")


@generation_rule("DD042", "variable-get-in-value", W)
def variable_get(generation: Generation) -> Iterator[GenerationFinding]:
    """A value holds `Variable.get(...)`. DAG Designer writes values as literals, so it would never be called;
    and calling Variable.get at module top level queries the metadata database on every parse of the file
    (every DAG of a factory module, every min_file_process_interval). Use `{{ var.value.name }}` in a
    templated argument (read at run time), a generation value in the config, or the python-env export,
    which picks the environment from an Airflow Variable at run time."""
    from designer.generation import iter_values

    for file, document in (("template", generation.template.document), ("config", generation.config.document)):
        for path, value in iter_values(document):
            if isinstance(value, str) and VARIABLE_GET.search(value):
                yield GenerationFinding("DD042", W, f"{format_location(path)} calls Variable.get, which would "
                                        "never run (values are literals); use {{ var.value.<name> }} in a templated "
                                        "argument instead", (), path, file)


@generation_rule("DD043", "secret-in-config", E)
def secret_in_config(generation: Generation) -> Iterator[GenerationFinding]:
    """A config value (or a tenant row from the database) looks like a secret: a key such as `password`,
    `token`, `api_key` or `secret` with a value, or a URL with a password (`postgres://user:pw@host`).
    Generated DAG files and their JSON are plain text in the DAG folder, in git and in the Airflow UI. Put
    credentials in an Airflow connection and pass its connection id (a key ending in `conn_id`)."""
    from designer.generation import iter_values

    sources = [((), generation.config.document)]
    sources += [(tenant.location, dict(tenant.values)) for tenant in generation.config.tenants
                if tenant.location and tenant.location[0] == "tenant_source"]
    for base, document in sources:
        for path, value in iter_values(document):
            key = next((p for p in reversed(path) if isinstance(p, str)), "")
            full = (*base, *path)
            if isinstance(value, str) and value and SECRET_KEY.search(key) and not CONNECTION_KEY.search(key):
                yield GenerationFinding("DD043", E, f"{format_location(full)} looks like a secret ({key}); keep "
                                        "credentials in an Airflow connection and give its connection id", (),
                                        full, "config")
            elif isinstance(value, str) and CREDENTIAL_URI.search(value):
                yield GenerationFinding("DD043", E, f"{format_location(full)} is a URL with a password; keep "
                                        "credentials in an Airflow connection and give its connection id", (),
                                        full, "config")
