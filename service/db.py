"""Running named queries on the web side's async psycopg pool."""

from __future__ import annotations

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from chemaudit.db.queries import Query

POOL_SIZE = 10  # connections per web node, shared by every request


def make_pool(dsn: str, max_size: int = POOL_SIZE) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        dsn, min_size=1, max_size=max_size, open=False, timeout=10,
        kwargs={"row_factory": dict_row, "autocommit": True},
    )


async def fetchone(pool: AsyncConnectionPool, query: Query) -> dict | None:
    async with pool.connection() as conn:
        cur = await conn.execute(query.sql, query.params)
        return await cur.fetchone()


async def fetchall(pool: AsyncConnectionPool, query: Query) -> list[dict]:
    async with pool.connection() as conn:
        cur = await conn.execute(query.sql, query.params)
        return await cur.fetchall()


async def run(conn, query: Query):
    """Execute on a connection the caller holds (inside its own transaction)."""
    return await conn.execute(query.sql, query.params)
