"""Versioned SQL files that migrations load (a migration's SQL must never change once released).

A file here is named `<what>_v<N>.sql` and is never edited after a migration loads it: a change
is a new file `<what>_v<N+1>.sql` and a new migration that loads it, so upgrading from any
revision replays the same statements.
"""

from __future__ import annotations

from importlib.resources import files


def load(name: str) -> str:
    """The text of chemaudit/db/sql/<name>.sql."""
    return files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8")
