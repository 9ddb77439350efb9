"""Tenants read from a database table at generation time (`tenant_source` in a generation config).

`database` is a SQLite file (relative to the config; opened read-only) or any SQLAlchemy URL;
`url_env` names an environment variable holding the URL instead, so a password never sits in the config.
The table is reflected and read with SQLAlchemy's query builder (no SQL text from the config), at most
MAX_DAGS + 1 rows. Each row is a tenant: `name_column` (default `name`) is its name, `value_columns` (default:
every other column) its values. Only the generator reads the database: generated DAG files never do.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
from pathlib import Path
from typing import Any

from designer.frozen import FrozenDict
from designer.generation_config import MAX_DAGS, Tenant
from designer.storage import DesignError, Problem

WHERE = ("tenant_source",)


def database_url(source: dict[str, Any], base_dir: Path) -> str:
    """The SQLAlchemy URL of a tenant_source: a SQLite file path becomes a read-only sqlite URL."""
    if "url_env" in source:
        url = os.environ.get(source["url_env"])
        if not url:
            raise ValueError(f"the environment variable {source['url_env']} is not set")
        return url
    database = source["database"]
    if "://" in database:
        return database
    path = (base_dir / database).resolve()
    if not path.is_file():
        raise ValueError(f"the SQLite file {str(path)!r} does not exist")
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def read_tenants(source: dict[str, Any], base_dir: Path, config_source: str = "<config>") -> list[Tenant]:
    """The tenants in the table `source` describes; DesignError (one line, naming the config) when the
    database cannot be reached or read, or a row is not a valid tenant."""
    import sqlalchemy as sa

    try:
        url = database_url(source, base_dir)
        engine = sa.create_engine(url)
    except (ValueError, sa.exc.ArgumentError, ImportError) as exc:
        raise DesignError(config_source, [Problem(f"tenant_source: {_one_line(exc)}", WHERE)]) from None
    name_column = source.get("name_column", "name")
    try:
        with engine.connect() as connection:
            table = sa.Table(source["table"], sa.MetaData(), autoload_with=connection)
            columns = source.get("value_columns") or [c.name for c in table.columns if c.name != name_column]
            missing = [c for c in [name_column, *columns] if c not in table.columns]
            if missing:
                raise ValueError(f"table {source['table']!r} has no column(s) {', '.join(missing)}")
            query = sa.select(table.c[name_column], *(table.c[c] for c in columns))
            if "where_column" in source:
                query = query.where(table.c[source["where_column"]] == source.get("where_value"))
            rows = connection.execute(query.order_by(table.c[name_column]).limit(MAX_DAGS + 1)).all()
    except (ValueError, sa.exc.SQLAlchemyError) as exc:
        raise DesignError(config_source, [Problem(f"tenant_source: {_one_line(exc)}", WHERE)]) from None
    finally:
        engine.dispose()
    tenants = []
    for row in rows:
        name, *values = row
        if not isinstance(name, str) or not name:
            raise DesignError(config_source, [Problem(
                f"tenant_source: a row of {source['table']!r} has the name {name!r}, not text", WHERE)])
        tenants.append(Tenant(name, FrozenDict({c: _plain(v) for c, v in zip(columns, values, strict=True)}),
                              FrozenDict(), ("tenant_source", name)))
    from designer.generation_config import schema_problems

    problems = schema_problems({"tenants": [{"name": t.name, **t.values} for t in tenants]})
    if problems:
        first = problems[0]
        raise DesignError(config_source, [Problem(f"tenant_source: {first.message} (row {first.path})", WHERE)])
    return tenants


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
