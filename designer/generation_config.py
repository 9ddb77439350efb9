"""Generation configs: the tenants and environments a template design is rendered for.

A config is YAML or JSON, read with the designer's bounded readers and checked against
designer/schema/generation.schema.json; every schema problem is reported with its line and key path.
Values merge per tenant x environment, later winning: `defaults`, the environment's values, the tenant's
values, the tenant's values for that environment (`tenants[i].environments.<env>`). A config without
`environments` has one environment, `default`.

Tenants come from the config (a list of names, a list of mappings, or a table name -> values) or from a
database table (`tenant_source`, see designer/tenant_source.py), read when the config is resolved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from designer.frozen import FrozenDict
from designer.storage import DesignError, LineIndex, Problem, read_document, read_source

SCHEMA_PATH = Path(__file__).parent / "schema" / "generation.schema.json"
DEFAULT_ENVIRONMENT = "default"
MAX_DAGS = 10_000
_MAX_PROBLEMS = 50


@cache
def generation_schema() -> dict[str, Any]:
    """The JSON Schema of generation configs."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Tenant:
    name: str
    values: FrozenDict = field(default_factory=FrozenDict)
    environments: FrozenDict = field(default_factory=FrozenDict)  # environment -> values
    location: tuple = ()  # key path of the tenant in the config (for messages and findings)


@dataclass(frozen=True)
class GenerationConfig:
    """A checked config. `variables(tenant, environment)` gives what the template sees."""

    tenants: tuple[Tenant, ...]
    environments: tuple[str, ...]
    defaults: FrozenDict = field(default_factory=FrozenDict)
    environment_values: FrozenDict = field(default_factory=FrozenDict)  # environment -> values
    document: Any = None  # the config as read (for lints over its values)
    lines: LineIndex = field(default_factory=LineIndex)
    source: str = "<config>"
    max_dags: int = MAX_DAGS

    def values(self, tenant: Tenant, environment: str) -> dict[str, Any]:
        """The merged values of `tenant` in `environment`."""
        merged: dict[str, Any] = {}
        for layer in (self.defaults, self.environment_values.get(environment, {}), tenant.values,
                      tenant.environments.get(environment, {})):
            merged.update(_thaw(layer))
        return merged

    def variables(self, tenant: Tenant, environment: str) -> dict[str, Any]:
        """Template variables: `tenant` (its name), `environment` (its name) and `env` (the merged values,
        with `name` = the environment's name unless a value is called `name`)."""
        return {"tenant": tenant.name, "environment": environment,
                "env": {"name": environment, **self.values(tenant, environment)}}

    def pairs(self) -> list[tuple[Tenant, str]]:
        """Every tenant x environment, tenants in config order, then environments in config order."""
        return [(tenant, env) for tenant in self.tenants for env in self.environments]


def load_config(path: str | Path) -> GenerationConfig:
    """Read and check a generation config file; DesignError (file, line, key path) when it is not valid."""
    return parse_config(read_source(path, what="generation configs"), str(path), base_dir=Path(path).parent)


def parse_config(data: bytes | str, source: str = "<config>", base_dir: Path | None = None) -> GenerationConfig:
    """Check config text (JSON when `source` ends in .json, else YAML) and resolve its tenants."""
    document, lines = read_document(data, source)
    if document is None:
        raise DesignError(source, [Problem("is empty; a generation config needs tenants", (), 1)])
    problems = schema_problems(document, lines)
    if problems:
        raise DesignError(source, problems)
    return resolve(document, lines, source, base_dir or Path.cwd())


def schema_problems(document: Any, lines: LineIndex | None = None) -> list[Problem]:
    """Every place `document` breaks the schema, as Problems with the key path, line and what was expected."""
    lines = lines or LineIndex()
    validator = jsonschema.Draft202012Validator(generation_schema())
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        error, message = _describe(error)
        path = tuple(error.absolute_path)
        problems.append(Problem(message, path, lines.line_of(path)))
        if len(problems) >= _MAX_PROBLEMS:
            break
    return problems


def _describe(error: jsonschema.ValidationError) -> tuple[jsonschema.ValidationError, str]:
    """The error that explains `error` best and what was expected, in words (jsonschema's own oneOf
    messages quote whole documents). For a choice of shapes: the deepest problem, else one that is not
    about the type (the shape whose type matched), else the list of accepted types."""
    if error.validator == "oneOf" and not error.absolute_path and isinstance(error.instance, dict) and \
            {"tenants", "tenant_source"} & set(error.instance) in (set(), {"tenants", "tenant_source"}):
        return error, "needs exactly one of `tenants` (listed here) or `tenant_source` (read from a database)"
    if error.validator == "oneOf" and isinstance(error.instance, dict) and "table" in error.instance:
        return error, "tenant_source needs exactly one of `database` (a SQLite file or SQLAlchemy URL) or `url_env`"
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) > len(error.absolute_path):
            return _describe(deepest)
        if relevant := [e for e in error.context if e.validator != "type"]:
            return _describe(relevant[0])
        kinds = sorted({str(e.validator_value) for e in error.context})
        return error, f"must be one of: {', '.join(kinds)}"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return error, (f"unknown key(s) {', '.join(map(repr, extra[:5]))}; expected "
                       f"{', '.join(sorted(error.schema.get('properties', {})))}")
    if error.validator == "pattern":
        return error, f"{str(error.instance)[:60]!r} is not a valid name (letters, digits, `_` and `-`; see the schema)"
    if error.validator == "type":
        return error, f"must be {error.validator_value}, not {type(error.instance).__name__}"
    return error, error.message[:200]


def resolve(document: dict[str, Any], lines: LineIndex, source: str, base_dir: Path) -> GenerationConfig:
    """The GenerationConfig of a schema-valid document (tenant_source read here)."""
    envs_doc = document.get("environments")
    if envs_doc is None:
        environments: tuple[str, ...] = (DEFAULT_ENVIRONMENT,)
        env_values: dict[str, Any] = {}
    elif isinstance(envs_doc, list):
        environments, env_values = tuple(envs_doc), {}
    else:
        environments, env_values = tuple(envs_doc), dict(envs_doc)
    if "tenant_source" in document:
        from designer.tenant_source import read_tenants

        tenants = read_tenants(document["tenant_source"], base_dir, source)
    else:
        tenants = _tenants(document["tenants"])
    problems = []
    seen: dict[str, tuple] = {}
    for tenant in tenants:
        if tenant.name in seen:
            problems.append(Problem(f"tenant {tenant.name!r} is listed twice", tenant.location,
                                    lines.line_of(tenant.location)))
        seen[tenant.name] = tenant.location
        for env in tenant.environments:
            if env not in environments:
                where = (*tenant.location, "environments", env)
                problems.append(Problem(f"tenant {tenant.name!r} has values for environment {env!r}, which is not "
                                        f"one of the environments ({', '.join(environments)})", where,
                                        lines.line_of(where)))
    max_dags = document.get("max_dags", MAX_DAGS)
    if len(tenants) * len(environments) > max_dags:
        problems.append(Problem(f"{len(tenants)} tenants x {len(environments)} environments make "
                                f"{len(tenants) * len(environments):,} DAGs; max_dags is {max_dags:,}"))
    if problems:
        raise DesignError(source, problems)
    return GenerationConfig(tuple(tenants), environments, FrozenDict(document.get("defaults", {})),
                            FrozenDict(env_values), document, lines, source, max_dags)


def _tenants(doc: list | dict) -> list[Tenant]:
    if isinstance(doc, dict):
        entries = [({"name": name, **values}, ("tenants", name)) for name, values in doc.items()]
    else:
        entries = [({"name": item} if isinstance(item, str) else item, ("tenants", i)) for i, item in enumerate(doc)]
    out = []
    for entry, where in entries:
        values = {k: v for k, v in entry.items() if k not in ("name", "environments")}
        out.append(Tenant(entry["name"], FrozenDict(values), FrozenDict(entry.get("environments", {})), where))
    return out


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value
