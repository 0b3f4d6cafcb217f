"""Running the Alembic migrations programmatically (for `chemaudit migrate`, `serve` and tests),
and checking that a database is at the revision this code expects (for `web` and `worker`)."""

from __future__ import annotations

from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

import migrations
from chemaudit.db import queries as q
from chemaudit.db.executor import run

CONNECT_TIMEOUT = 10


class SchemaMismatch(RuntimeError):
    """The database's schema revision is not this code's head; the message says what to do."""


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raise if the models and the migrated database differ."""
    command.check(alembic_config(database_url))


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(""))


def head_revision() -> str:
    """The newest revision of the migrations shipped with this code (read from the scripts now)."""
    return _scripts().get_current_head() or ""  # never empty: the migrations ship with a head


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def database_revision(database_url: str) -> str | None:
    """The database's Alembic revision; None when it was never migrated."""
    with psycopg.connect(database_url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as conn:
        try:
            row = run(conn, q.schema_revision())
        except psycopg.errors.UndefinedTable:
            return None
    return row["version_num"] if row else None


def require_head(database_url: str) -> str:
    """The database's revision if it is this code's head; else SchemaMismatch (older or unknown)."""
    head, revision = head_revision(), database_revision(database_url)
    if revision == head:
        return revision
    if revision is None:
        raise SchemaMismatch(f"the database has no ChemAudit schema (this code needs revision {head}):"
                             " run `chemaudit migrate` first")
    if revision in known_revisions():
        raise SchemaMismatch(f"the database schema is at revision {revision}, older than this code's"
                             f" {head}: run `chemaudit migrate` first")
    raise SchemaMismatch(f"the database schema is at revision {revision}, unknown to this code (head"
                         f" {head}): it was migrated by a newer release; run that release here")
