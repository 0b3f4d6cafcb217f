"""The web side's async psycopg pool, and running named queries on it (chemaudit/db/executor.py)."""

from __future__ import annotations

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from chemaudit.db.executor import aexecute, arun
from chemaudit.db.queries import Query, Read

POOL_SIZE = 10  # connections per web node, shared by every request


def make_pool(dsn: str, max_size: int = POOL_SIZE) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        dsn, min_size=1, max_size=max_size, open=False, timeout=10,
        kwargs={"row_factory": dict_row, "autocommit": True},
    )


async def fetchone(pool: AsyncConnectionPool, query: Query) -> dict | None:
    async with pool.connection() as conn:
        return await arun(conn, query, Read.ONE)


async def fetchrow(pool: AsyncConnectionPool, query: Query) -> dict:
    """`fetchone` for a query that always returns a row (an aggregate, an INSERT ... RETURNING)."""
    row = await fetchone(pool, query)
    if row is None:
        raise LookupError(f"query {query.name or query.sql[:60]!r} returned no row")
    return row


async def fetchall(pool: AsyncConnectionPool, query: Query) -> list[dict]:
    async with pool.connection() as conn:
        return await arun(conn, query, Read.ALL)


async def run(conn, query: Query):
    """Execute on a connection the caller holds (inside its own transaction); returns the cursor."""
    return await aexecute(conn, query)
