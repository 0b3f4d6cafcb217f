"""`chemaudit web --processes N` (and `serve --web-processes N`): N web processes on one port.

One Python process runs one event loop on one core; a node with more cores holds more sockets
with more processes. Each child is a whole `chemaudit web` of its own (its app, database pool,
LISTEN connection and hub: the multi-node design already lets independent web processes serve
one database, so N processes are N nodes that happen to share an address), listening on the
node's port with SO_REUSEPORT, so the kernel spreads new connections over them.

The parent serves nothing. It holds the port (bound with SO_REUSEPORT, never listening: the
kernel gives it no connections, but no process without the option can take the port while a
child restarts), keeps the N children running (service/ops/supervisor.py: a child that exits is
started again, with a backoff), and stops them all on SIGTERM or Ctrl-C, each with its own
graceful shutdown. A child gets SIGTERM when the parent dies, even by SIGKILL
(service/ops/parent_death.py), so none outlives it. Every child writes its metrics into the node's
metrics folder, and the one that answers /metrics adds them all up (service/ops/shared_metrics.py).

The kernel lets only processes of the same user join a SO_REUSEPORT port.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import weakref

from aiohttp import WSCloseCode, web

from chemaudit.cli_errors import CliError
from chemaudit.settings import Settings
from service.ops.metrics_dir import shared_metrics_dir
from service.ops.supervisor import WorkerSupervisor

log = logging.getLogger("chemaudit.web_processes")

REUSE_PORT_FLAG = "--reuse-port"  # the hidden `chemaudit web` option each child runs with
OPEN_SOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("open_sockets")


def check_count(count: int) -> None:
    if count < 1:
        raise CliError(f"the number of web processes must be at least 1, got {count}")
    if count > 1 and not hasattr(socket, "SO_REUSEPORT"):
        raise CliError("several web processes need SO_REUSEPORT, which this platform does not have")


def child_command(settings: Settings, cli_module: str) -> list[str]:
    """`chemaudit web` for one child, run as `python -m cli_module` (the module of the command)."""
    return [sys.executable, "-m", cli_module, "web", "--host", settings.host, "--port", str(settings.port),
            "--processes", "1", REUSE_PORT_FLAG]


def hold_port(host: str, port: int) -> list[socket.socket]:
    """Bind (not listen) SO_REUSEPORT sockets on every address the children will listen on."""
    held: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in socket.getaddrinfo(
                host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE):
            sock = socket.socket(family, kind, proto)
            held.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's listeners do
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in held:
            sock.close()
        raise CliError(f"cannot use port {port} on {host}: {exc}") from exc
    return held


def close_sockets_on_shutdown(app: web.Application) -> None:
    """A child's SIGTERM closes its sockets with 1001 (going away) at once, instead of aiohttp
    waiting up to a minute for them to end: their clients reconnect (to another process) with
    `?after_seq=N` and miss nothing."""
    app[OPEN_SOCKETS] = weakref.WeakSet[web.WebSocketResponse]()

    async def track(request: web.Request, response: web.StreamResponse) -> None:
        if isinstance(response, web.WebSocketResponse):
            request.app[OPEN_SOCKETS].add(response)

    async def close_all(app: web.Application) -> None:
        tracked = app[OPEN_SOCKETS]
        sockets = [ws for ws in tracked if not ws.closed]
        if sockets:
            log.info("closing %d sockets (going away)", len(sockets))
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server restart")
                               for ws in sockets), return_exceptions=True)

    app.on_response_prepare.append(track)
    app.on_shutdown.append(close_all)


class WebProcesses:
    """N `chemaudit web` children on one port, kept running until stop()."""

    def __init__(self, settings: Settings, env: dict[str, str], cli_module: str):
        check_count(settings.web_processes)
        self.settings = settings
        self.supervisor = WorkerSupervisor(settings.web_processes, 1, {**env, "CHEMAUDIT_WEB_PROCESSES": "1"},
                                           child_command(settings, cli_module), name="web process")  # 1: threads
        self._held: list[socket.socket] = []

    def start(self) -> None:
        self._held = hold_port(self.settings.host, self.settings.port)
        self.supervisor.start()
        log.info("%d web processes on http://%s:%d (SO_REUSEPORT): pids %s", self.settings.web_processes,
                 self.settings.host, self.settings.port, self.pids())

    def pids(self) -> list[int]:
        return self.supervisor.pids()

    def request_stop(self) -> None:
        """Signal-handler safe: make wait() return."""
        self.supervisor.request_stop()

    def wait(self) -> None:
        self.supervisor.wait()

    def stop(self) -> None:
        # Longer than a child's own graceful shutdown (its sockets closed, its pool and listener
        # released), so a SIGKILL ends only a child that hangs.
        self.supervisor.stop(timeout=30.0)
        for sock in self._held:
            sock.close()
        self._held = []


def run_web_processes(settings: Settings, env: dict[str, str], cli_module: str) -> None:
    """The foreground of `web --processes N` and `serve --web-processes N`: until SIGTERM or Ctrl-C."""
    with shared_metrics_dir() as directory:  # the serve's folder when it made one, else one of our own
        shared = {"PROMETHEUS_MULTIPROC_DIR": directory} if directory else {}
        processes = WebProcesses(settings, {**env, **shared}, cli_module)
        previous = signal.signal(signal.SIGTERM, lambda *_: processes.request_stop())
        try:
            processes.start()
            processes.wait()
        except KeyboardInterrupt:
            pass
        finally:
            processes.stop()
            signal.signal(signal.SIGTERM, previous)
    log.info("web processes stopped")

