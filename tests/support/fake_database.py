"""An in-memory `Database` for unit tests of what the worker decides (chemaudit/db/executor.py).

It answers named queries (`@reads` names each after its function) from answers the test gives,
and keeps every transaction's queries, committed or rolled back, so a test reads what the code
did. The SQL itself is tested against PostgreSQL in tests/integration; this tests the branches
around it: what happens when a claim finds nothing, a job stopped, the lock is held elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from chemaudit.db.executor import Rollback
from chemaudit.db.query import Query, Read

Answer = Callable[[dict[str, Any]], Any] | Any


def in_turn(*answers: Any) -> Callable[[dict[str, Any]], Any]:
    """One answer per call, in order (the last one repeated)."""
    left = list(answers)

    def next_answer(_params: dict[str, Any]) -> Any:
        return left.pop(0) if len(left) > 1 else left[0]

    return next_answer


class FakeSession:
    def __init__(self, database: InMemoryDatabase):
        self.database = database
        self.queries: list[tuple[str, dict[str, Any]]] = []

    def run(self, query: Query, read: Read | None = None) -> Any:
        if not query.name:
            raise AssertionError(f"an unnamed query reached the fake: {query.sql[:60]}")
        self.queries.append((query.name, query.params))
        if query.name in self.database.answers:
            answer = self.database.answers[query.name]
            return answer(query.params) if callable(answer) else answer
        if (read or query.read) in (Read.NOTHING, Read.ROWCOUNT):
            return None
        raise AssertionError(f"the test gave no answer to {query.name}")


class InMemoryDatabase:
    """A `Database` whose queries are answered by name: `answers[name]` is a value or a function of the params."""

    def __init__(self, **answers: Answer):
        self.answers: dict[str, Answer] = answers
        self.committed: list[list[tuple[str, dict[str, Any]]]] = []
        self.rolled_back: list[list[tuple[str, dict[str, Any]]]] = []

    @contextmanager
    def transaction(self) -> Iterator[FakeSession]:
        session = FakeSession(self)
        try:
            yield session
        except Rollback:
            self.rolled_back.append(session.queries)
            return
        except BaseException:
            self.rolled_back.append(session.queries)
            raise
        self.committed.append(session.queries)

    def committed_names(self) -> list[str]:
        """Names of the committed queries, in order."""
        return [name for queries in self.committed for name, _ in queries]

    def rolled_back_names(self) -> list[str]:
        return [name for queries in self.rolled_back for name, _ in queries]
