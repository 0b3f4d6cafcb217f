"""Real receivers for notification tests: an aiohttp webhook receiver that checks signatures, an
aiosmtpd SMTP server, the sender as a process of its own (`python -m tasks.notify`), and the
outbox read back from PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import psycopg
from aiohttp import web
from aiosmtpd.controller import Controller
from psycopg.rows import dict_row

from chemaudit.notify.payload import verify

ROOT = Path(__file__).parents[2]
SECRET = "test-webhook-secret-0123456789"
# Fast retries for tests; 127.0.0.0/8 is where the receivers listen.
FAST = {"notify_poll_interval": 0.1, "notify_retry_base": 0.3, "notify_retry_max": 1.0,
        "notify_timeout": 5.0, "webhook_secret": SECRET, "webhook_allow_networks": "127.0.0.0/8"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def signed(self) -> bool:
        return verify(SECRET, self.body, self.headers.get("X-Signature", ""))


class Receiver:
    """A webhook endpoint on 127.0.0.1: answers the next statuses in `answers`, then 200. An
    answer may be (status, seconds) to answer that much later."""

    def __init__(self, port: int | None = None, answers: list | None = None):
        self.port = port or free_port()
        self.answers = list(answers or [])
        self.received: list[Received] = []
        self.runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/chemaudit"

    async def _handle(self, request: web.Request) -> web.Response:
        answer = self.answers.pop(0) if self.answers else 200
        status, delay = answer if isinstance(answer, tuple) else (answer, 0)
        self.received.append(Received(request.path, dict(request.headers), await request.read(), status))
        await asyncio.sleep(delay)
        return web.Response(status=status, text="ok" if status < 300 else "try later")

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.answered < 300]


class Mailbox:
    """aiosmtpd's SMTP server in its thread; the first `refuse` messages get a 451."""

    def __init__(self, refuse: int = 0):
        self.messages: list = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = refuse
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 mailbox busy, try again later"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    @property
    def port(self) -> int:
        return self.controller.port

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class SenderProcess:
    """`python -m tasks.notify` on the test database: a sender that can be killed and restarted."""

    def __init__(self, database_url: str, log_path: Path, **settings):
        env = {f"CHEMAUDIT_{k.upper()}": str(v) for k, v in {**FAST, **settings}.items()}
        self.env = dict(os.environ, CHEMAUDIT_DATABASE_URL=database_url, **env)
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> SenderProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "tasks.notify"], cwd=ROOT, env=self.env,
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def deliveries(database_url: str, job_id: str | None = None) -> list[dict]:
    """Outbox rows (of one job, or all) with their attempts, oldest first."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        rows = conn.execute(
            "SELECT o.*, (SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.attempt), '[]'::jsonb)"
            "  FROM notification_attempts a WHERE a.outbox_id = o.id) AS tries"
            " FROM notification_outbox o WHERE %(job)s::uuid IS NULL OR o.job_id = %(job)s::uuid ORDER BY o.id",
            {"job": job_id}).fetchall()
    return rows


async def eventually(check, timeout: float = 60):
    """Poll `check()` until it returns something truthy; that value."""
    async with asyncio.timeout(timeout):
        while True:
            value = check()
            if value:
                return value
            await asyncio.sleep(0.1)

