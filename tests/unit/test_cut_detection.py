"""The libpq options that bound how long a silently cut link holds a database connection."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from chemaudit.db.cut_detection import cut_detection_options, with_cut_detection
from chemaudit.settings import Settings
from service.progress.listener import asyncpg_dsn


def test_ten_seconds_drops_unacknowledged_data_and_dead_idle_connections_within_ten():
    options = cut_detection_options(10)
    assert options["tcp_user_timeout"] == "10000"
    idle, interval, count = (int(options[k]) for k in ("keepalives_idle", "keepalives_interval", "keepalives_count"))
    assert options["keepalives"] == "1"
    assert idle + interval * count == 10


def test_zero_leaves_the_kernel_defaults():
    assert cut_detection_options(0) == {}
    url = "postgresql://u@h/db"
    assert with_cut_detection(url, 0) == url


@pytest.mark.parametrize("dsn", [
    "postgresql://u:p@h:5432/db",
    "postgresql://u@a:5432,b:5433/db?target_session_attrs=read-write",
    "host=a,b port=5432 dbname=db user=u target_session_attrs=read-write",
    "postgresql://postgres@/postgres?host=/tmp/socket-dir",
])
def test_every_form_gets_the_options_and_keeps_what_it_had(dsn):
    before = conninfo_to_dict(dsn)
    after = conninfo_to_dict(with_cut_detection(dsn, 6))
    assert {k: v for k, v in after.items() if k in before} == before
    assert {k: after[k] for k in cut_detection_options(6)} == cut_detection_options(6)


def test_an_option_the_operator_set_is_left_alone():
    url = "postgresql://u@h/db?tcp_user_timeout=2500&keepalives=0"
    params = conninfo_to_dict(with_cut_detection(url, 10))
    assert params["tcp_user_timeout"] == "2500" and params["keepalives"] == "0"
    assert params["keepalives_idle"] == "6"


def test_settings_give_every_connection_the_options_by_default():
    url = Settings(database_url="postgres://u@h/db").sync_database_url
    assert url.startswith("postgresql://u@h/db?")
    assert conninfo_to_dict(url)["tcp_user_timeout"] == "10000"
    assert "tcp_user_timeout" not in conninfo_to_dict(
        Settings(database_url="postgres://u@h/db", database_tcp_timeout=0).sync_database_url)


def test_the_listener_url_leaves_them_out():
    dsn, _ = asyncpg_dsn(Settings(database_url="postgresql://u@h/db").sync_database_url)
    assert "keepalives" not in dsn and "tcp_user_timeout" not in dsn
