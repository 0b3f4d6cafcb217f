"""The server under test: a fresh database, a real `chemaudit serve`, and the HTTP/WebSocket calls.

The server runs in its own session (process group); `Server.stop()` ends that whole group, so
no web or worker process outlives a benchmark, even when the benchmark itself fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench.common import ADMIN_ENV, OUT, ROOT, TERMINAL, admin_url, say, write_smiles
from bench.procs import (
    bench_cpu,
    cmdline,
    cpu_seconds,
    descendants,
    group_members,
    parent_of,
    stat_fields,
    status_kib,
)

# Databases --------------------------------------------------------------------------------------

def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _check_local(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1", ""):
        raise SystemExit(f"{ADMIN_ENV} must point at a local server (127.0.0.1), not {host!r}.")


def create_database(prefix: str) -> tuple[str, str]:
    admin = admin_url()
    _check_local(admin)
    name = f"chemaudit_bench_{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, _with_database(admin, name)


def drop_database(name: str) -> None:
    with psycopg.connect(admin_url(), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# The server -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chemaudit_command() -> list[str]:
    """`chemaudit` as `python -m service.ops.cli`, run from this checkout (cwd=ROOT): the code under
    test is always the one next to these benchmarks, installed or not."""
    return [sys.executable, "-m", "service.ops.cli"]


# Settings the benchmarks change on every server they start (everything else: defaults or the
# caller's own CHEMAUDIT_* environment). The rate limit would refuse the benchmarks' bursts.
BENCH_ENV = {"CHEMAUDIT_WORKERS": "2", "CHEMAUDIT_UPLOAD_RATE_PER_MINUTE": "100000"}


class Server:
    """`chemaudit serve` on a fresh database and a free loopback port, in its own process group."""

    def __init__(self, label: str, env: dict[str, str] | None = None, workers: int = 2,
                 api_key: str | None = None, serve_args: list[str] | None = None):
        self.label = label
        self.serve_args = list(serve_args or [])  # more `chemaudit serve` options, e.g. --web-processes 2
        self.api_key = api_key  # for the smoke job when the server has keys on
        self.workers = workers
        self.extra_env = dict(env or {})
        self.db_name = ""
        self.database_url = ""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = OUT / f"{label}-serve.log"
        self._log = None
        self._known: set[int] = set()

    # lifecycle
    def __enter__(self) -> Server:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, timeout: float = 180) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        self.db_name, self.database_url = create_database(self.label)
        env = {**os.environ, **BENCH_ENV, **self.extra_env,
               "CHEMAUDIT_DATABASE_URL": self.database_url, "CHEMAUDIT_WORKERS": str(self.workers)}
        env.setdefault("PYTHONUNBUFFERED", "1")
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            chemaudit_command() + ["serve", "--host", "127.0.0.1", "--port", str(self.port),
                                   "--workers", str(self.workers), *self.serve_args],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT,
        )
        started = time.monotonic()
        self._wait_healthy(started + timeout)
        self._wait_workers(started + timeout)
        self._smoke()
        nice = int(os.environ.get("CHEMAUDIT_BENCH_WORKER_NICE", "0") or 0)
        if nice:
            # An experiment, not a setting of the service: workers below the web process for the CPU.
            for pid in self.worker_pids():
                os.setpriority(os.PRIO_PROCESS, pid, nice)
            say(f"  [{self.label}] workers reniced to {nice} (CHEMAUDIT_BENCH_WORKER_NICE)")
        say(f"  [{self.label}] chemaudit serve ready on :{self.port} in {time.monotonic() - started:.1f} s "
            f"(web pid {self.web_pid}, workers {self.worker_pids()}); log {self.log_path.relative_to(ROOT)}")

    def _wait_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chemaudit serve exited with {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=2) as response:
                    if response.status == 200:
                        return
            time.sleep(0.2)
        raise TimeoutError(f"chemaudit serve did not become healthy; see {self.log_path}")

    def _wait_workers(self, deadline: float) -> None:
        """Workers are ready once each has booted (RDKit caches warmed) and heartbeated."""
        with psycopg.connect(self.database_url, autocommit=True, connect_timeout=10) as conn:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"chemaudit serve exited; see {self.log_path}")
                count = conn.execute("SELECT count(*) FROM dramatiq.worker").fetchone()[0]
                if count >= self.workers and len(self.worker_pids()) >= self.workers:
                    return
                time.sleep(0.2)
        raise TimeoutError(f"the workers did not start; see {self.log_path}")

    def _smoke(self, count: int = 20, timeout: float = 90) -> None:
        """One tiny job end to end, so a benchmark never times a server whose workers cannot work."""
        path = write_smiles(count, f"{self.label}-smoke.smi")

        async def go():
            async with session_factory(headers={"X-API-Key": self.api_key} if self.api_key else None) as session:
                job = await upload(session, self.base, path)
                return await follow(session, self.ws_base, job.job_id, timeout)

        try:
            messages = asyncio.run(go())
        except TimeoutError:
            raise RuntimeError(f"the smoke job did not finish in {timeout:.0f} s; see {self.log_path}") from None
        if not messages or messages[-1][1]["status"] != "complete":
            raise RuntimeError(f"the smoke job ended {messages[-1][1] if messages else None}; see {self.log_path}")

    @property
    def web_pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The processes that run actors: children of each `dramatiq` supervisor process."""
        tree = descendants(self.web_pid)
        self._known.update(tree)
        return sorted(pid for pid, depth in tree.items()
                      if depth == 2 and "dramatiq" in cmdline(pid))

    def tree_pids(self) -> list[int]:
        tree = descendants(self.web_pid)
        self._known.update(tree)
        return [self.web_pid, *tree]

    def peak_kib(self) -> dict[str, int]:
        """VmHWM (peak resident set since start) of the web process and the largest worker."""
        return {"web": status_kib(self.web_pid, "VmHWM"),
                "worker": max((status_kib(pid, "VmHWM") for pid in self.worker_pids()), default=0)}

    def cpu(self) -> dict[str, float]:
        return {"web": cpu_seconds(self.web_pid),
                "workers": sum(cpu_seconds(pid) for pid in self.worker_pids())}

    def tree_cpu(self) -> float:
        """CPU seconds of the server tree plus the bench and its other processes."""
        self.tree_pids()
        return bench_cpu()

    def log_text(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")
        return ""

    def stop(self) -> None:
        """SIGTERM the whole process group, SIGKILL whatever is left after a grace period."""
        if self.process is None:
            return
        pgid = self.process.pid
        if self.process.poll() is None:
            self.tree_pids()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + 10
        while group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        left = [pid for pid in self._known if Path(f"/proc/{pid}").exists() and parent_of(pid) is not None
                and stat_fields(pid)[0] != "Z" and os.getpgid(pid) == pgid]
        if left:
            say(f"  [{self.label}] WARNING: processes still alive after stop: {left}")

    def close(self) -> None:
        try:
            self.stop()
        finally:
            if self._log is not None:
                self._log.close()
            if self.db_name:
                try:
                    drop_database(self.db_name)
                except psycopg.Error as exc:
                    say(f"  [{self.label}] could not drop database {self.db_name}: {exc}")


# HTTP and WebSocket helpers (aiohttp, the project's own dependency) ------------------------------

@dataclass
class Upload:
    job_id: str
    total: int
    seconds: float
    started: float  # time.time() when the request began
    body: dict = field(default_factory=dict)


async def upload(session, base: str, path: Path, *, filename: str | None = None,
                 timeout: float = 900, fields: dict[str, str] | None = None) -> Upload:
    import aiohttp

    started_wall, started = time.time(), time.perf_counter()
    with path.open("rb") as handle:
        form = aiohttp.FormData()
        for name, value in (fields or {}).items():
            form.add_field(name, value)
        form.add_field("file", handle, filename=filename or path.name,
                       content_type="application/octet-stream")
        async with session.post(f"{base}/api/v1/batch/upload", data=form,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            body = await response.json()
            if response.status != 202:
                raise RuntimeError(f"upload refused: {response.status} {body}")
    return Upload(body["job_id"], body["total_molecules"], time.perf_counter() - started, started_wall, body)


async def follow(session, ws_base: str, job_id: str, timeout: float) -> list[tuple[float, dict]]:
    """Every progress message of a job as (time.time() at receipt, message), until terminal."""
    import aiohttp

    seen: list[tuple[float, dict]] = []
    async with asyncio.timeout(timeout):
        async with session.ws_connect(f"{ws_base}/ws/batch/{job_id}", heartbeat=None,
                                      autoclose=True, max_msg_size=1 << 20) as ws:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                data = json.loads(msg.data)
                seen.append((time.time(), data))
                if data["status"] in TERMINAL:
                    break
    return seen


async def cancel(session, base: str, job_id: str) -> dict:
    async with session.delete(f"{base}/api/v1/batch/{job_id}") as response:
        return await response.json()


def session_factory(limit: int = 0, headers: dict | None = None):
    import aiohttp

    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit, force_close=False),
                                 headers=headers)


_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) ")


def log_time(line: str) -> float | None:
    """time.time() of a serve log line in the default plain format."""
    match = _LOG_TIME.match(line)
    if not match:
        return None
    stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
    return stamp.timestamp() + int(match.group(2)) / 1000
