"""Tenants from a database table, read at generation time: a real SQLite file, and a real PostgreSQL server
(a throwaway cluster started with initdb/pg_ctl on a free port, removed afterwards; marked slow)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from designer.analysis.rules.generation import lint_generation
from designer.generation import generate, parse_template, require_designs
from designer.generation_config import parse_config
from designer.storage import DesignError

TEMPLATE = """\
dag: {dag_id: "${{ tenant }}_${{ environment }}", schedule: "${{ env.schedule }}"}
tasks:
  - {id: load, operator: bash, args: {bash_command: "load ${{ env.region }} --batch ${{ env.batch_size }}"}}
"""
ROWS = [("acme", "eu", 100, 1, "@daily"), ("globex", "us", 500, 1, "@hourly"), ("initech", "eu", 50, 0, "@daily")]


def sqlite_file(folder: Path, rows=ROWS) -> Path:
    path = folder / "tenants.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE tenants (name TEXT, region TEXT, batch_size INTEGER, active INTEGER, schedule TEXT)")
        db.executemany("INSERT INTO tenants VALUES (?, ?, ?, ?, ?)", rows)
        db.commit()
    return path


def config_text(**source) -> str:
    return yaml.safe_dump({"environments": {"dev": {}, "prod": {}},
                           "tenant_source": {"table": "tenants", **source}}, sort_keys=False)


def test_tenants_come_from_a_sqlite_file(tmp_path):
    sqlite_file(tmp_path)
    cfg = parse_config(config_text(database="tenants.db", value_columns=["region", "batch_size", "schedule"],
                                   where_column="active", where_value=1), "c.yaml", base_dir=tmp_path)
    assert [t.name for t in cfg.tenants] == ["acme", "globex"]
    designs = {d.dag.dag_id: d for d in require_designs(generate(parse_template(TEMPLATE), cfg))}
    assert sorted(designs) == ["acme_dev", "acme_prod", "globex_dev", "globex_prod"]
    assert designs["globex_prod"].tasks[0].args["bash_command"] == "load us --batch 500"
    assert designs["globex_prod"].dag.schedule == "@hourly"


def test_every_column_is_a_value_by_default(tmp_path):
    sqlite_file(tmp_path)
    cfg = parse_config(config_text(database=str(tmp_path / "tenants.db")), "c.yaml")
    assert dict(cfg.tenants[0].values) == {"region": "eu", "batch_size": 100, "active": 1, "schedule": "@daily"}


@pytest.mark.parametrize(("source", "rows", "message"), [
    ({"database": "missing.db"}, ROWS, "does not exist"),
    ({"database": "tenants.db", "table": "nope"}, ROWS, "nope"),
    ({"database": "tenants.db", "value_columns": ["colour"]}, ROWS, "has no column(s) colour"),
    ({"database": "tenants.db"}, [("bad name", "eu", 1, 1, "@daily")], "'bad name' is not a valid name"),
    ({"database": "tenants.db"}, [(None, "eu", 1, 1, "@daily")], "has the name None"),
    ({"url_env": "DD_TEST_UNSET_URL"}, ROWS, "DD_TEST_UNSET_URL is not set"),
    ({"database": "nosuchdriver://x"}, ROWS, "tenant_source:"),
])
def test_database_problems_are_one_line_errors(tmp_path, source, rows, message):
    sqlite_file(tmp_path, rows)
    with pytest.raises(DesignError) as info:
        parse_config(config_text(**source), "c.yaml", base_dir=tmp_path)
    assert message in str(info.value) and str(info.value).startswith("c.yaml")
    assert "\n" not in str(info.value)


def test_secrets_in_database_rows_are_findings(tmp_path):
    path = tmp_path / "tenants.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE tenants (name TEXT, api_token TEXT, region TEXT, schedule TEXT, batch_size INT)")
        db.execute("INSERT INTO tenants VALUES ('acme', 's3cr3t', 'eu', '@daily', 1)")
        db.commit()
    cfg = parse_config(config_text(database="tenants.db"), "c.yaml", base_dir=tmp_path)
    findings = [f for f in lint_generation(generate(parse_template(TEMPLATE), cfg)) if f.code == "DD043"]
    assert [f.location for f in findings] == [("tenant_source", "acme", "api_token")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed (Debian package postgresql; scripts/setup.sh installs it)")
    return found[-1].parent


@contextlib.contextmanager
def postgres_cluster():
    """A throwaway PostgreSQL cluster on a free port (as user postgres when running as root: postgres
    refuses to run as root); yields its SQLAlchemy URL and removes everything afterwards."""
    bin_dir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="dd-pg-"))
    user = pwd.getpwnam("postgres") if os.getuid() == 0 else None
    prefix = ["runuser", "-u", "postgres", "--"] if user else []
    if user:
        os.chown(folder, user.pw_uid, user.pw_gid)
    port = _free_port()
    data = folder / "data"
    try:
        subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                       check=True, capture_output=True, timeout=300)
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
                        f"-p {port} -k {folder} -c listen_addresses=''", "start"],
                       check=True, capture_output=True, timeout=300)
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=300)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_tenants_come_from_a_postgresql_server(tmp_path, monkeypatch):
    with postgres_cluster() as url:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE tenants (name TEXT, region TEXT, batch_size NUMERIC, "
                                       "active BOOLEAN, schedule TEXT)"))
            for name, region, batch, active, schedule in ROWS:
                connection.execute(sa.text("INSERT INTO tenants VALUES (:n, :r, :b, :a, :s)"),
                                   {"n": name, "r": region, "b": batch, "a": bool(active), "s": schedule})
        engine.dispose()
        monkeypatch.setenv("DD_TENANTS_URL", url)
        cfg = parse_config(config_text(url_env="DD_TENANTS_URL", where_column="active", where_value=True), "c.yaml")
        assert [t.name for t in cfg.tenants] == ["acme", "globex"]
        designs = {d.dag.dag_id: d for d in require_designs(generate(parse_template(TEMPLATE), cfg))}
        assert designs["acme_prod"].tasks[0].args["bash_command"] == "load eu --batch 100"  # NUMERIC -> int
        assert lint_generation(generate(parse_template(TEMPLATE), cfg)) == []
