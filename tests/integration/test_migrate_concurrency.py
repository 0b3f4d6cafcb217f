"""Several upgrades at once on a fresh, empty database (two `migrate`, two `serve`): all succeed."""

from __future__ import annotations

import multiprocessing

import psycopg
import pytest
from alembic.script import ScriptDirectory

from chemaudit.db import migrate
from tests.support import pg

pytestmark = pytest.mark.integration

UPGRADES = 4


def _upgrade(url: str, barrier, outcomes) -> None:
    """In its own process (Alembic's context is process-global): start with the others, report."""
    from chemaudit.db import migrate as child_migrate

    barrier.wait(timeout=60)
    try:
        child_migrate.upgrade(url)
    except Exception as exc:  # noqa: BLE001 - the process boundary: hand the error to the test
        outcomes.put(f"{type(exc).__name__}: {exc}"[:500])
    else:
        outcomes.put("ok")


def test_concurrent_upgrades_of_an_empty_database_all_succeed(pg_admin_url):
    name = pg.unique_name("chemaudit_race")
    url = pg.create_database(pg_admin_url, name)
    try:
        context = multiprocessing.get_context("spawn")
        barrier, outcomes = context.Barrier(UPGRADES), context.Queue()
        workers = [context.Process(target=_upgrade, args=(url, barrier, outcomes)) for _ in range(UPGRADES)]
        for process in workers:
            process.start()
        results = [outcomes.get(timeout=120) for _ in workers]
        for process in workers:
            process.join(timeout=30)
        assert results == ["ok"] * UPGRADES
        with psycopg.connect(url) as conn:
            revisions = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
        head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
        assert revisions == [head]
        migrate.check(url)
    finally:
        pg.drop_database(pg_admin_url, name)
