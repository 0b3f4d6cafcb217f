"""The one way to run a `Query`: on a psycopg connection or cursor (sync or async), or on a session.

`run(on, query)` executes the query and reads its result as the query declares (`Read`);
`execute(on, query)` gives the cursor, for callers that stream rows. Rows are dicts.

The seam for tests: code that runs queries inside transactions takes a `Database`, whose
`transaction()` yields a `Session` (anything with `run(query, read)`). `PoolDatabase` is the
real one, over a psycopg pool; an in-memory one that answers queries by name
(tests/support/fake_database.py) lets the worker's decisions be unit-tested, as procrastinate's
InMemoryConnector does for its jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, runtime_checkable

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from chemaudit.db.query import Query, Read


class Rollback(Exception):
    """Raised inside `Database.transaction()`: discard the transaction's work, quietly."""


@runtime_checkable
class Session(Protocol):
    """Runs queries inside one transaction."""

    def run(self, query: Query, read: Read | None = None) -> Any: ...


@runtime_checkable
class Database(Protocol):
    """Opens transactions: leaving the block commits, an exception rolls back (`Rollback` quietly)."""

    def transaction(self) -> AbstractContextManager[Session]: ...


SyncTarget = psycopg.Connection[Any] | psycopg.Cursor[Any]
AsyncTarget = psycopg.AsyncConnection[Any] | psycopg.AsyncCursor[Any]


def _read(cursor: psycopg.Cursor | psycopg.AsyncCursor, read: Read) -> Any:
    if read is Read.ONE:
        return cursor.fetchone()
    if read is Read.ALL:
        return cursor.fetchall()
    if read is Read.ROWCOUNT:
        return cursor.rowcount
    return None


def execute(on: SyncTarget, query: Query) -> psycopg.Cursor[Any]:
    """Execute on a cursor (its own row factory) or a connection (a new cursor of dict rows)."""
    cursor = on.cursor(row_factory=dict_row) if isinstance(on, psycopg.Connection) else on
    return cursor.execute(query.sql, query.params)


def run(on: SyncTarget | Session, query: Query, read: Read | None = None) -> Any:
    """Run the query and read its result as it declares (or as `read` says)."""
    if not isinstance(on, (psycopg.Connection, psycopg.Cursor)):
        return on.run(query, read)
    return _read(execute(on, query), read or query.read)


async def aexecute(on: AsyncTarget, query: Query) -> psycopg.AsyncCursor[Any]:
    """The async `execute`."""
    cursor = on.cursor(row_factory=dict_row) if isinstance(on, psycopg.AsyncConnection) else on
    return await cursor.execute(query.sql, query.params)


async def arun(on: AsyncTarget, query: Query, read: Read | None = None) -> Any:
    """The async `run`."""
    cursor = await aexecute(on, query)
    read = read or query.read
    if read in (Read.ONE, Read.ALL):
        return await _read(cursor, read)
    return _read(cursor, read)


class CursorSession:
    """A `Session` over a psycopg cursor."""

    def __init__(self, cursor: psycopg.Cursor[Any]):
        self.cursor = cursor

    def run(self, query: Query, read: Read | None = None) -> Any:
        return run(self.cursor, query, read)


class PoolDatabase:
    """The real `Database`: each transaction on a connection of a psycopg pool."""

    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.pool.connection() as conn:
            try:
                with conn.transaction(), conn.cursor(row_factory=dict_row) as cursor:
                    yield CursorSession(cursor)
            except Rollback:
                pass


def as_database(pool_or_database: ConnectionPool | Database) -> Database:
    """A `Database` as given, or the pool's."""
    if isinstance(pool_or_database, Database):
        return pool_or_database
    return PoolDatabase(pool_or_database)
