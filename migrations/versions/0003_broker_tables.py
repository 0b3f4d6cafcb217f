"""The PostgreSQL broker's own tables (dramatiq-postgres, schema "dramatiq").

Revision ID: 0003
Revises: 0002

Created through the library's own idempotent initialiser (pinned version in pyproject.toml), so
a deployment that uses Redis as the broker simply has unused empty tables.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    import dramatiq_postgres

    raw = op.get_bind().connection.dbapi_connection
    with raw.cursor() as cursor:
        dramatiq_postgres.init(cursor, schema="dramatiq")


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS dramatiq CASCADE")
