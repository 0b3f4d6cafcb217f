"""The cut-detection options reach the kernel: a real connection's socket carries them."""

from __future__ import annotations

import socket

import psycopg
import pytest

pytestmark = pytest.mark.integration


def test_a_service_connection_socket_has_the_user_timeout_and_keepalives(settings):
    with psycopg.connect(settings.sync_database_url) as conn:
        if conn.info.host.startswith("/"):
            pytest.skip("the test database is on a Unix socket, where TCP options do not apply")
        sock = socket.socket(fileno=conn.pgconn.socket)
        try:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 10_000
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 6
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 2
        finally:
            sock.detach()  # the fd is libpq's
