"""Every generation rule: a template + config that trips it and a near-identical one that does not.

The table is data (rule code -> failing case, passing case, expected location); a rule without a row fails
`test_every_generation_rule_has_cases`.
"""

from __future__ import annotations

import pytest
import yaml

from designer.analysis.rules.generation import (
    GENERATION_RULES,
    PARSE_WARN_SECONDS,
    estimated_parse_seconds,
    lint_generation,
)
from designer.generation import generate, parse_template
from designer.generation_config import parse_config
from exporters import ExportError
from exporters.generation import export_generation

TEMPLATE = """\
dag: {dag_id: "${{ tenant }}_${{ environment }}", schedule: "@daily"}
tasks:
  - {id: a, operator: bash, args: {bash_command: "echo ${{ env.note }}"}}
  - {id: b, operator: empty, fan_out: {count: "${{ env.copies }}"}}
edges: [{upstream: a, downstream: b}]
"""
BASE = {"defaults": {"note": "hi", "copies": 1}, "environments": ["dev", "prod"], "tenants": ["acme", "globex"]}


def case(config=None, template=TEMPLATE):
    document = {**BASE, **(config or {})}
    return generate(parse_template(template, "t.yaml"), parse_config(yaml.safe_dump(document, sort_keys=False)))


MANY = {"tenants": [f"t{i}" for i in range(200)], "defaults": {"note": "x", "copies": 400}, "max_dags": 1000}
CASES = {
    "DD040": (case(MANY), case({**MANY, "defaults": {"note": "x", "copies": 5}}), ()),
    "DD041": (case(template=TEMPLATE.replace("_${{ environment }}", "")), case(), ("dag", "dag_id")),
    "DD042": (case({"defaults": {"note": "Variable.get('x')", "copies": 1}}),
              case({"defaults": {"note": "{{ var.value.x }}", "copies": 1}}), ("defaults", "note")),
    "DD043": (case({"defaults": {"note": "hi", "copies": 1, "db_password": "hunter2"}}),
              case({"defaults": {"note": "hi", "copies": 1, "db_password_conn_id": "warehouse"}}),
              ("defaults", "db_password")),
}
MORE_SECRETS = [
    ({"api_key": "abc"}, True), ({"token": "t"}, True), ({"secret": "s"}, True),
    ({"uri": "postgres://u:pw@h/db"}, True),
    ({"api_key": ""}, False), ({"token_conn_id": "c"}, False), ({"uri": "postgres://h/db"}, False),
    ({"password_var": "name"}, False), ({"passes": 3}, False),
]


def test_every_generation_rule_has_cases():
    assert set(CASES) == set(GENERATION_RULES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fails_and_passes(code):
    failing, passing, location = CASES[code]
    found = [f for f in lint_generation(failing) if f.code == code]
    assert found and found[0].location == location
    assert found[0].severity == GENERATION_RULES[code].severity
    assert not [f for f in lint_generation(passing) if f.code == code]


@pytest.mark.parametrize(("values", "secret"), MORE_SECRETS)
def test_secret_detection(values, secret):
    generation = case({"defaults": {"note": "hi", "copies": 1, **values}})
    assert any(f.code == "DD043" for f in lint_generation(generation)) == secret


@pytest.mark.parametrize("code", [c for c in sorted(CASES) if GENERATION_RULES[c].reports_errors])
def test_error_rules_refuse_every_export(code):
    for target in ("python", "factory", "dag-factory"):
        with pytest.raises(ExportError, match=code):
            export_generation(CASES[code][0], target)


def test_parse_estimate_grows_with_tasks_and_one_file_layouts_cross_the_threshold():
    assert estimated_parse_seconds([10] * 10, "python") < estimated_parse_seconds([100] * 10, "python")
    assert estimated_parse_seconds([50] * 500, "dag-factory") > PARSE_WARN_SECONDS
    assert estimated_parse_seconds([50] * 10, "factory") < PARSE_WARN_SECONDS
