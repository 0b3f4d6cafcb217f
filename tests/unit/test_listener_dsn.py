"""The LISTEN connection reads the same database setting as libpq: several hosts, libpq-only options."""

from __future__ import annotations

# asyncpg's own parser (private, but it is what decides which server the listener reaches)
from asyncpg.connect_utils import _parse_connect_dsn_and_args

from service.progress.listener import asyncpg_dsn


def _parsed(dsn: str):
    url, timeout = asyncpg_dsn(dsn)
    addrs, params = _parse_connect_dsn_and_args(
        dsn=url, host=None, port=None, user=None, password=None, passfile=None, database=None,
        ssl=None, service=None, servicefile=None, direct_tls=None,
        server_settings=None, target_session_attrs=None, krbsrvname=None, gsslib=None)
    return url, timeout, addrs, params


def test_two_hosts_with_libpq_options_keep_hosts_and_drop_what_the_server_would_refuse():
    url, timeout, addrs, params = _parsed(
        "postgresql://postgres:p%40ss@10.0.0.2:5432,10.0.0.3:5433/chem"
        "?target_session_attrs=read-write&connect_timeout=3&keepalives_idle=10&application_name=x")
    assert timeout == 3.0
    assert addrs == [("10.0.0.2", 5432), ("10.0.0.3", 5433)]
    assert (params.user, params.password, params.database) == ("postgres", "p@ss", "chem")
    assert str(params.target_session_attrs.value) == "read-write"
    assert params.server_settings == {"application_name": "x"}  # no connect_timeout, no keepalives


def test_keyword_form_with_one_port_for_every_host():
    url, timeout, addrs, params = _parsed(
        "host=db-a,db-b port=6432 dbname=chem user=svc target_session_attrs=read-write")
    assert addrs == [("db-a", 6432), ("db-b", 6432)]
    assert params.database == "chem" and timeout == 5.0


def test_socket_folder_host():
    url, _, addrs, _ = _parsed("host=/var/run/postgresql dbname=chem user=postgres")
    assert addrs == ["/var/run/postgresql/.s.PGSQL.5432"]
