"""What a named query is: its SQL text, its parameters, how to read its result, and its name.

Every statement of the project is a function in a chemaudit/db/*queries* module returning a
`Query`; chemaudit/db/executor.py is the one place that runs one. `@reads(...)` on a query
function names the query after the function and says what its result is, so a caller never
chooses between fetchone and fetchall, and an in-memory fake can answer it by name.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec

P = ParamSpec("P")


class Read(enum.Enum):
    """How a query's result is read."""

    NOTHING = "nothing"  # run for its effect; the result is None
    ONE = "one"  # the first row as a dict, or None when there is none
    ALL = "all"  # every row, as a list of dicts
    ROWCOUNT = "rowcount"  # how many rows the statement touched


@dataclass(frozen=True, slots=True)
class Query:
    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    read: Read = Read.ALL
    name: str = ""  # the query function's name; empty for a query built without @reads


def reads(read: Read) -> Callable[[Callable[P, Query]], Callable[P, Query]]:
    """Declare a query function's result (`Read`) and name its queries after the function."""

    def declare(build: Callable[P, Query]) -> Callable[P, Query]:
        @functools.wraps(build)
        def named(*args: P.args, **kwargs: P.kwargs) -> Query:
            return dataclasses.replace(build(*args, **kwargs), read=read, name=build.__name__)

        return named

    return declare
