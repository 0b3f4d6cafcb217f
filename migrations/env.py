"""Alembic environment: runs migrations online against CHEMAUDIT_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from chemaudit.db import queries as q
from chemaudit.db.schema import metadata
from chemaudit.settings import Settings

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url") or Settings.from_env().sync_database_url
    if not url:
        raise SystemExit("CHEMAUDIT_DATABASE_URL is not set (or run `chemaudit migrate`).")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _include_object(obj, name, type_, reflected, compare_to):
    # The broker's tables live in their own schema and are created by a migration, not the metadata.
    return not (type_ == "table" and getattr(obj, "schema", None) == "dramatiq")


def _execute(connection, query: q.Query) -> None:
    connection.exec_driver_sql(query.sql, query.params)


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Concurrent upgrades (two `migrate`, two `serve` on a fresh database) take turns on a
        # session-level advisory lock: the later ones find the schema at head and do nothing.
        # Taken before Alembic reads the current revision; it outlives the commit below and is
        # released at the end, or by the connection's close if a migration fails.
        _execute(connection, q.lock_migrations())
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_object=_include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        _execute(connection, q.unlock_migrations())
        connection.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; point CHEMAUDIT_DATABASE_URL at PostgreSQL.")
run_migrations_online()
