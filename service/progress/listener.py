"""The one dedicated LISTEN connection of a web process.

It is never pooled (a pool's reset would drop LISTEN). It is probed every few seconds; when it
dies it reconnects with backoff and then re-sends every watched job's state from the tables,
since NOTIFYs sent while it was down are gone for good.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar
from urllib.parse import quote, urlencode

import asyncpg
import psycopg
from psycopg.conninfo import conninfo_to_dict

from chemaudit.db.schema import NOTIFY_CHANNEL
from chemaudit.progress import progress_message
from service.ops.metrics_registry import stamp

log = logging.getLogger("chemaudit.listener")

Key = TypeVar("Key")  # what a feed is watched by: a job id (the hub) or a run id (analytics)


class Feed(Protocol[Key]):
    """Where the listener delivers messages: the progress hub, or the analytics feed."""

    def publish(self, message: dict) -> None: ...

    def watched_jobs(self) -> list[Key]: ...


CONNECT_TIMEOUT = 5.0
# libpq's client-side parameters that asyncpg does not know: it would send them to the server as
# settings, which refuses them ("unrecognized configuration parameter"), so LISTEN never connects.
LIBPQ_CLIENT_ONLY = frozenset({
    "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
    "tcp_user_timeout", "hostaddr", "gssencmode", "channel_binding", "requirepeer",
    "load_balance_hosts", "sslcompression", "replication", "fallback_application_name",
})


def asyncpg_dsn(dsn: str) -> tuple[str, float]:
    """The libpq conninfo (URL or `key=value` form, several hosts allowed) as a URL asyncpg reads
    the same way, and the connect timeout it gave (asyncpg takes that as an argument)."""
    params = {key: str(value) for key, value in conninfo_to_dict(dsn).items() if value is not None}
    timeout = float(params.get("connect_timeout") or CONNECT_TIMEOUT)
    user = quote(params.pop("user", ""), safe="")
    password = params.pop("password", None)
    auth = f"{user}:{quote(password, safe='')}@" if password is not None else (f"{user}@" if user else "")
    if params.get("host", "").startswith("/"):  # a socket folder: asyncpg reads it from the query
        netloc = ""
    else:
        hosts = params.pop("host", "").split(",")
        ports = params.pop("port", "").split(",")
        if len(ports) == 1:
            ports = ports * len(hosts)
        netloc = ",".join(f"[{h}]:{p}" if ":" in h else (f"{h}:{p}" if p else h)
                          for h, p in zip(hosts, ports, strict=True))
    database = quote(params.pop("dbname", ""), safe="")
    query = urlencode({k: v for k, v in params.items() if k not in LIBPQ_CLIENT_ONLY})
    return f"postgresql://{auth}{netloc}/{database}" + (f"?{query}" if query else ""), timeout


class ProgressListener(Generic[Key]):
    channel = NOTIFY_CHANNEL  # a subclass listens on another channel (service/progress/analytics_socket.py)

    def __init__(self, dsn: str, hub: Feed[Key], snapshot: Callable[[Key], Awaitable[dict | None]],
                 probe_interval: float = 2.0):
        self.dsn, self.connect_timeout = asyncpg_dsn(dsn)
        self.hub = hub
        self.snapshot = snapshot
        self.probe_interval = probe_interval
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()

    @property
    def is_up(self) -> bool:
        return self.connected.is_set()

    async def run(self) -> None:
        """Listen forever: connect, resync, watch the connection, reconnect on loss."""
        backoff = 0.1
        first = True
        while True:
            try:
                await self._connect()
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError) as exc:
                await self._drop()
                log.warning("LISTEN connection failed (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff * (1 + random.random() / 2))
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.1
            if not first:
                self.reconnects += 1
                log.info("LISTEN connection restored; resyncing %d jobs", len(self.hub.watched_jobs()))
            first = False
            await self._resync()
            await self._watch()
            await self._drop()

    async def _connect(self) -> None:
        self._lost.clear()
        conn = await asyncpg.connect(self.dsn, timeout=self.connect_timeout,
                                     server_settings={"application_name": "chemaudit-listener"})
        self._conn = conn  # owned from here on, so a failure below still closes it
        conn.add_termination_listener(lambda _conn: self._lost.set())
        await conn.add_listener(self.channel, self._on_notify)
        self.connected.set()

    async def _resync(self) -> None:
        for job_id in self.hub.watched_jobs():
            try:
                message = await self.snapshot(job_id)
            except (OSError, psycopg.Error) as exc:
                log.warning("resync of %s failed: %s", job_id, exc)
                continue
            if message is not None:
                self.hub.publish(message)

    async def _watch(self) -> None:
        conn = self._conn
        assert conn is not None, "_watch runs after _connect"
        while not self._lost.is_set():
            try:
                await asyncio.wait_for(self._lost.wait(), timeout=self.probe_interval)
                return
            except TimeoutError:
                pass
            try:
                await conn.fetchval("SELECT 1", timeout=self.probe_interval)
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("LISTEN connection probe failed: %s", exc)
                return

    async def _drop(self) -> None:
        self.connected.clear()
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            message = self.decode(str(payload))  # a NOTIFY payload is always text
        except (ValueError, AttributeError):  # not JSON, or not an object
            log.warning("ignoring malformed progress payload %.200r", payload)
            return
        stamp(message)
        self.hub.publish(message)

    def decode(self, payload: str) -> dict:
        return progress_message(json.loads(payload))

    async def close(self) -> None:
        await self._drop()
