"""Acceptance: `chemaudit web` and `worker` refuse a database that is not at the code's head;
/api/v1/health shows the database's revision."""

from __future__ import annotations

import os
import subprocess

import psycopg
import pytest
from alembic.script import ScriptDirectory

from chemaudit.db import migrate
from service.app import create_app
from tests.acceptance import conftest as acceptance
from tests.support import pg

pytestmark = pytest.mark.acceptance


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrate.alembic_config(""))


def _one_before_head() -> str:
    scripts = _scripts()
    return scripts.get_revision(scripts.get_current_head()).down_revision


def _set_revision(url: str, revision: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = %s", (revision,))


@pytest.fixture
def empty_database(pg_admin_url):
    name = pg.unique_name("chemaudit_rev")
    url = pg.create_database(pg_admin_url, name)
    yield url
    pg.drop_database(pg_admin_url, name)


def _start(url: str, *args: str, timeout: float = 40) -> tuple[int | None, str]:
    """Run a server command; its exit code and stderr, or None if it was still running at `timeout`."""
    env = dict(os.environ, CHEMAUDIT_DATABASE_URL=url)
    process = subprocess.Popen(acceptance.chemaudit_command() + list(args), env=env, text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        _out, err = process.communicate(timeout=timeout)
        return process.returncode, err
    except subprocess.TimeoutExpired:
        process.terminate()
        _out, err = process.communicate(timeout=30)
        return None, err


SERVER_COMMANDS = [
    pytest.param(lambda: ["web", "--host", "127.0.0.1", "--port", str(acceptance.free_port())], id="web"),
    pytest.param(lambda: ["worker", "--workers", "1"], id="worker"),
]


@pytest.mark.parametrize("command", SERVER_COMMANDS)
@pytest.mark.parametrize("state", ["older", "unknown", "unmigrated"])
def test_server_commands_refuse_a_database_not_at_head(empty_database, command, state):
    if state == "older":
        migrate.upgrade(empty_database, _one_before_head())
    elif state == "unknown":
        migrate.upgrade(empty_database)
        _set_revision(empty_database, "ffffffffffff")
    code, err = _start(empty_database, *command())
    assert code is not None and code != 0, f"started against a database at an {state} revision"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "revision" in lines[0] and _scripts().get_current_head() in lines[0], lines[0]
    if state in ("older", "unmigrated"):
        assert "chemaudit migrate" in lines[0]


async def test_health_shows_the_schema_revision(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings))
    body = await (await client.get("/api/v1/health")).json()
    head = _scripts().get_current_head()
    assert body["schema_revision"] == head and body["schema_head"] == head
    _set_revision(settings.database_url, "ffffffffffff")
    body = await (await client.get("/api/v1/health")).json()
    assert body["schema_revision"] == "ffffffffffff" and body["schema_head"] == head
