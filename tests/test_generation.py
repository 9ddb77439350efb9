"""Generation configs and rendering: the schema's messages, value merging, `when:` parts, and bad configs
and templates reported with tenant, environment, key and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from designer.cli import main
from designer.generation import generate, parse_template, require_designs
from designer.generation_config import parse_config
from designer.storage import DesignError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_configs"

TEMPLATE = """\
schema_version: 1
dag:
  dag_id: "${{ tenant }}_${{ environment }}"
  schedule: "${{ env.schedule }}"
tasks:
  - {id: extract, operator: bash, args: {bash_command: "echo ${{ env.db_conn }} {{ ds }}"}}
  - {id: chunk, operator: empty, group: work, fan_out: {count: "${{ env.chunks }}"}}
  - {id: audit, operator: empty, when: "${{ env.audit }}"}
groups:
  - {id: work}
edges:
  - {upstream: extract, downstream: work}
  - {upstream: work, downstream: audit}
"""
CONFIG = {
    "defaults": {"schedule": "@daily", "chunks": 2, "audit": False},
    "environments": {"dev": {"db_conn": "wh_dev"}, "prod": {"db_conn": "wh_prod", "chunks": 4}},
    "tenants": [{"name": "client_a"}, {"name": "client_b", "audit": True,
                                        "environments": {"prod": {"chunks": 8, "schedule": "0 2 * * *"}}}],
}


def config(document=None, source="config.yaml"):
    return parse_config(yaml.safe_dump(CONFIG if document is None else document, sort_keys=False), source)


def generated(template=TEMPLATE, document=None):
    return generate(parse_template(template, "template.yaml"), config(document))


def test_every_tenant_and_environment_renders_with_merged_values():
    gen = generated()
    designs = {d.dag.dag_id: d for d in require_designs(gen)}
    assert sorted(designs) == ["client_a_dev", "client_a_prod", "client_b_dev", "client_b_prod"]
    chunks = {dag_id: sum(1 for t in d.tasks if t.fan_out for _ in range(t.fan_out.size))
              for dag_id, d in designs.items()}
    assert chunks == {"client_a_dev": 2, "client_a_prod": 4, "client_b_dev": 2, "client_b_prod": 8}
    assert designs["client_b_prod"].dag.schedule == "0 2 * * *"
    assert designs["client_a_prod"].dag.schedule == "@daily"
    assert designs["client_a_prod"].tasks[0].args["bash_command"] == "echo wh_prod {{ ds }}"
    # `when: false` drops the task and the edge that names it
    assert [t.id for t in designs["client_a_dev"].tasks] == ["extract", "chunk"]
    assert len(designs["client_a_dev"].edges) == 1
    assert [t.id for t in designs["client_b_dev"].tasks] == ["extract", "chunk", "audit"]


@pytest.mark.parametrize(("shape", "expected"), [
    ({"tenants": ["a", "b"]}, [("a", "default"), ("b", "default")]),
    ({"tenants": {"a": {}, "b": {"x": 1}}, "environments": ["dev", "prod"]},
     [("a", "dev"), ("a", "prod"), ("b", "dev"), ("b", "prod")]),
    ({"tenants": [{"name": "a"}], "environments": {"dev": {}, "staging": {}, "prod": {}}},
     [("a", "dev"), ("a", "staging"), ("a", "prod")]),
])
def test_common_shapes_are_expressible_directly(shape, expected):
    cfg = config(shape)
    assert [(t.name, e) for t, e in cfg.pairs()] == expected


def test_later_layers_win():
    cfg = config({"defaults": {"v": 0, "w": 0, "x": 0, "y": 0}, "environments": {"prod": {"w": 1, "x": 1, "y": 1}},
                  "tenants": [{"name": "a", "x": 2, "y": 2, "environments": {"prod": {"y": 3}}}]})
    assert cfg.values(cfg.tenants[0], "prod") == {"v": 0, "w": 1, "x": 2, "y": 3}
    assert cfg.variables(cfg.tenants[0], "prod")["env"]["name"] == "prod"


BAD_CONFIGS = [
    ({}, "needs exactly one of `tenants`"),
    ({"tenants": []}, "tenants"),
    ({"tenants": ["a b"]}, "'a b' is not a valid name"),
    ({"tenants": ["a"], "environment": ["dev"]}, "unknown key(s) 'environment'"),
    ({"tenants": ["a"], "environments": "dev"}, "must be one of: array, object"),
    ({"tenants": ["a"], "defaults": {"bad key": 1}}, "not a valid name"),
    ({"tenants": [{"name": "a", "environments": {"prod": {}}}], "environments": ["dev"]},
     "tenant 'a' has values for environment 'prod', which is not one of the environments (dev)"),
    ({"tenants": ["a", "a"]}, "tenant 'a' is listed twice"),
    ({"tenants": ["a"], "tenant_source": {"table": "t", "database": "x.db"}}, "needs exactly one of `tenants`"),
    ({"tenant_source": {"table": "t"}}, "tenant_source needs exactly one of `database`"),
    ({"tenants": ["a", "b", "c"], "environments": ["x", "y"], "max_dags": 5}, "make 6 DAGs; max_dags is 5"),
]


@pytest.mark.parametrize(("document", "message"), BAD_CONFIGS)
def test_bad_configs_are_reported_in_one_line_with_the_key(document, message):
    with pytest.raises(DesignError) as info:
        config(document)
    assert message in str(info.value)
    assert str(info.value).startswith("config.yaml")
    assert "\n" not in str(info.value)


def test_schema_problems_name_the_line():
    text = "tenants:\n  - client_a\n  - name: client_b\n    environments: 3\n"
    with pytest.raises(DesignError) as info:
        parse_config(text, "c.yaml")
    assert str(info.value).startswith("c.yaml:4: tenants[1].environments:")


def test_json_configs_and_sample_config_load():
    assert [t.name for t in parse_config(json.dumps(CONFIG), "c.json").tenants] == ["client_a", "client_b"]
    sample = parse_config((SAMPLE / "multi_tenant.generate.yaml").read_text(), "s.yaml")
    assert len(sample.pairs()) == 9


BAD_RENDERS = [
    (TEMPLATE.replace("env.db_conn", "env.db_connection"), "tasks[0].args.bash_command",
     "has no attribute 'db_connection'", 6),
    (TEMPLATE.replace("${{ tenant }}_", "${{ tenant "), "dag.dag_id", "template is not a valid template", 3),
    (TEMPLATE.replace("env.schedule", "''.__class__"), "dag.schedule", "unsafe", 4),
    (TEMPLATE.replace('"${{ env.audit }}"', '"${{ env.chunks }}"'), "tasks[2].when", "must render to true or false",
     8),
    (TEMPLATE.replace('"${{ env.chunks }}"', '"${{ env.db_conn }}"'), "tasks[1].fan_out.count",
     "valid integer", 7),
]


@pytest.mark.parametrize(("template", "key", "message", "line"), BAD_RENDERS)
def test_bad_templates_name_tenant_environment_key_and_line(template, key, message, line):
    gen = generated(template)
    with pytest.raises(DesignError) as info:
        require_designs(gen)
    first = str(info.value)
    assert first.startswith(f"template.yaml:{line}: {key}:")
    assert message in first
    if "template is not" not in message:  # syntax errors are the same for every pair: reported once
        assert "tenant 'client_a', environment 'dev'" in first
        assert len(info.value.problems) == 4


def test_dropped_group_takes_its_tasks_and_edges():
    template = TEMPLATE.replace("  - {id: work}", '  - {id: work, when: "${{ env.audit }}"}')
    designs = {d.dag.dag_id: d for d in require_designs(generated(template))}
    assert [t.id for t in designs["client_a_dev"].tasks] == ["extract"]
    assert designs["client_a_dev"].groups == () and designs["client_a_dev"].edges == ()


def run_cli(tmp_path, *args):
    return main(["generate", *map(str, args)])


@pytest.mark.parametrize("target", ["python", "factory", "dag-factory"])
def test_cli_writes_every_generated_dag(tmp_path, capsys, target):
    out = tmp_path / "out"
    code = main(["generate", str(SAMPLE / "multi_tenant.yaml"), "--config", str(SAMPLE / "multi_tenant.generate.yaml"),
                 "--to", target, "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    written = sorted(p.name for p in (out / "dags").iterdir())
    if target == "python":
        assert len(written) == 9 and "dag_client_b_prod_pipeline.py" in written
    else:
        assert [Path(n).suffix for n in written] == ([".json", ".py"] if target == "factory" else [".py", ".yaml"])
    assert "generated 9 DAG(s) for 3 tenant(s) x 3 environment(s)" in capsys.readouterr().out


def test_cli_exit_codes_and_one_line_errors(tmp_path, capsys):
    template = tmp_path / "t.yaml"
    template.write_text(TEMPLATE)
    good = tmp_path / "c.yaml"
    good.write_text(yaml.safe_dump(CONFIG))
    bad = tmp_path / "bad.yaml"
    bad.write_text("tenants: [a, a]\n")
    colliding = tmp_path / "collide.yaml"
    colliding.write_text(yaml.safe_dump({**CONFIG, "environments": {"dev": {"db_conn": "c"}},
                                        "tenants": ["Client_A", "client_a"]}))
    assert main(["generate", str(template), "--config", str(bad), "--to", "python", "-o", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    template.write_text(TEMPLATE.replace("${{ tenant }}_${{ environment }}", "pipeline_${{ tenant|lower }}"))
    assert main(["generate", str(template), "--config", str(colliding), "--to", "python", "-o", str(tmp_path / "o")]) \
        == 1
    captured = capsys.readouterr()
    assert "DD041" in captured.out and "error: the generation has 1 error(s)" in captured.err
    template.write_text(TEMPLATE)
    assert main(["generate", str(template), "--config", str(good), "--to", "python-env", "-o",
                 str(tmp_path / "o")]) == 1  # dag_id and schedule differ between environments
    assert "is not a templated argument" in capsys.readouterr().err
    assert main(["generate", str(template), "--config", str(good), "--to", "python", "-o", str(tmp_path / "o")]) == 0
