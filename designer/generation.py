"""Dynamic DAG generation: one template design rendered for every tenant x environment of a config.

`generate(template, config)` renders the raw template document (designer/templating.py) with each pair's
variables, drops the tasks, groups and edges whose `when:` is false, and validates the result as a Design
with the usual messages. Nothing raises for a bad pair: its problems are kept on its GeneratedDag (key path,
template line, tenant and environment in the message) so the app can show every pair at once;
`require_designs` raises them as one DesignError for the command line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designer.generation_config import GenerationConfig
from designer.model import Design
from designer.storage import DesignError, LineIndex, Problem, design_from_document, read_document, read_source
from designer.templating import Renderer, TemplateProblem, template_strings

WHEN = "when"
PRUNABLE = ("groups", "tasks", "edges")


CONFIG_SUFFIX = ".generate.yaml"  # NAME.yaml is a template design when NAME.generate.yaml lies beside it


def config_beside(path: str | Path) -> Path | None:
    """The generation config kept beside a template design (`NAME.generate.yaml` for `NAME.yaml`), or None.

    Examples
    --------
    >>> config_beside("sample_configs/linear_etl.yaml") is None, config_beside("x.generate.yaml") is None
    (True, True)
    >>> config_beside("sample_configs/multi_tenant.yaml").name
    'multi_tenant.generate.yaml'
    """
    path = Path(path)
    if path.name.endswith(CONFIG_SUFFIX):
        return None
    config = path.with_name(path.name.removesuffix(path.suffix) + CONFIG_SUFFIX)
    return config if config.is_file() else None


def is_config_file(path: str | Path) -> bool:
    """True for a generation config named as `config_beside` expects."""
    return Path(path).name.endswith(CONFIG_SUFFIX)


@dataclass(frozen=True)
class Template:
    """A template design as read: the raw document (strings may hold `${{ }}`), its lines and source."""

    document: dict[str, Any]
    lines: LineIndex = field(default_factory=LineIndex)
    source: str = "<template>"

    @property
    def stem(self) -> str:
        """The template's file name without suffixes (`multi_tenant.yaml` -> `multi_tenant`)."""
        name = Path(self.source).name
        return name.split(".")[0] or "template"


@dataclass(frozen=True)
class GeneratedDag:
    tenant: str
    environment: str
    design: Design | None
    problems: tuple[Problem, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.tenant} x {self.environment}"


@dataclass(frozen=True)
class Generation:
    template: Template
    config: GenerationConfig
    dags: tuple[GeneratedDag, ...]

    @property
    def problems(self) -> list[Problem]:
        return [p for dag in self.dags for p in dag.problems]

    @property
    def designs(self) -> list[Design]:
        return [dag.design for dag in self.dags if dag.design is not None]

    def find(self, tenant: str, environment: str) -> GeneratedDag | None:
        return next((d for d in self.dags if d.tenant == tenant and d.environment == environment), None)


def load_template(path: str | Path) -> Template:
    """Read a template design file (bounded, like every design file); DesignError when unreadable."""
    return parse_template(read_source(path, what="template designs"), str(path))


def parse_template(data: bytes | str, source: str = "<template>") -> Template:
    document, lines = read_document(data, source)
    if not isinstance(document, dict):
        raise DesignError(source, [Problem("must be a mapping with dag, tasks, groups and edges", (), 1)])
    return Template(document, lines, source)


def template_problems(template: Template, renderer: Renderer | None = None) -> list[Problem]:
    """Syntax errors and refused constructs in the template's strings (the same for every tenant)."""
    renderer = renderer or Renderer()
    problems = []
    for path, text in template_strings(template.document):
        try:
            renderer.compiled(text)
        except TemplateProblem as exc:
            problems.append(Problem(f"template {exc}", path, template.lines.line_of(path)))
    return sorted(problems, key=lambda p: (p.line or 0, [str(k) for k in p.path]))


def generate(template: Template, config: GenerationConfig) -> Generation:
    """Render `template` for every tenant x environment of `config` (see the module docstring)."""
    renderer = Renderer()
    syntax = template_problems(template, renderer)
    if syntax:  # the same for every pair: reported once
        return Generation(template, config, (GeneratedDag("*", "*", None, tuple(syntax)),))
    dags = [render_pair(template, config, tenant, env, renderer) for tenant, env in config.pairs()]
    return Generation(template, config, tuple(dags))


def render_pair(template: Template, config: GenerationConfig, tenant: Any, environment: str,
                renderer: Renderer | None = None) -> GeneratedDag:
    renderer = renderer or Renderer()
    who = f"tenant {tenant.name!r}, environment {environment!r}"
    problems: list[Problem] = []

    def on_problem(path: tuple, message: str) -> None:
        problems.append(Problem(f"{who}: {message}", path, template.lines.line_of(path)))

    rendered = renderer.render(template.document, config.variables(tenant, environment), on_problem)
    if problems:
        return GeneratedDag(tenant.name, environment, None, tuple(problems))
    document, kept = prune(rendered, problems, who, template.lines)
    if problems:
        return GeneratedDag(tenant.name, environment, None, tuple(problems))
    try:
        design = design_from_document(document, LineIndex(), template.source)
    except DesignError as exc:
        return GeneratedDag(tenant.name, environment, None, tuple(
            Problem(f"{who}: {p.message}", _template_path(p.path, kept), template.lines.line_of(
                _template_path(p.path, kept))) for p in exc.problems))
    return GeneratedDag(tenant.name, environment, design)


def prune(document: dict[str, Any], problems: list[Problem], who: str,
          lines: LineIndex) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The rendered document without items whose `when` is false (a dropped group takes its subgroups and
    tasks along, a dropped task or group the edges that name it); `kept[list][i]` is the template index
    of rendered item i. A `when` that is not true or false is a problem."""
    out = dict(document)
    kept: dict[str, list[int]] = {}
    dropped: set[str] = set()
    for key in PRUNABLE:
        items = document.get(key)
        if not isinstance(items, list):
            continue
        kept[key], result = [], []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                kept[key].append(i)
                result.append(item)
                continue
            when = item.get(WHEN, True)
            if not isinstance(when, bool):
                where = (key, i, WHEN)
                problems.append(Problem(f"{who}: `when` must render to true or false, not {when!r}"[:200], where,
                                        lines.line_of(where)))
                continue
            keep = when and not _depends_on(item, key, dropped)
            if not keep:
                if key != "edges" and isinstance(item.get("id"), str):
                    dropped.add(item["id"])
                continue
            kept[key].append(i)
            result.append({k: v for k, v in item.items() if k != WHEN})
        out[key] = result
    return out, kept


def _depends_on(item: dict[str, Any], key: str, dropped: set[str]) -> bool:
    if key == "groups":
        return item.get("parent") in dropped
    if key == "tasks":
        return item.get("group") in dropped
    return item.get("upstream") in dropped or item.get("downstream") in dropped


def _template_path(path: tuple, kept: dict[str, list[int]]) -> tuple:
    """A rendered document's key path as the template's (item indices shift when items are dropped)."""
    if len(path) >= 2 and path[0] in kept and isinstance(path[1], int) and path[1] < len(kept[path[0]]):
        return (path[0], kept[path[0]][path[1]], *path[2:])
    return path


def require_designs(generation: Generation) -> list[Design]:
    """Every generated design; DesignError (naming the template) listing every pair's problems."""
    problems = generation.problems
    if problems:
        raise DesignError(generation.template.source, problems)
    return generation.designs


def iter_values(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(key path, scalar) of every scalar in plain data."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from iter_values(item, (*path, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from iter_values(item, (*path, i))
    else:
        yield path, value
