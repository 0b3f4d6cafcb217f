"""The real `chemaudit serve` in a subprocess, on a fresh database and a free port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import pg
from tests.support.health import wait_healthy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chemaudit_command() -> list[str]:
    script = shutil.which("chemaudit", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "service.ops.cli"]


class Service:
    def __init__(self, database_url: str, workers: int, log_path: Path, **extra_env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        env = dict(os.environ, CHEMAUDIT_DATABASE_URL=database_url, CHEMAUDIT_CHUNK_SIZE="100", **extra_env)
        self.log = log_path.open("wb")
        self.process = subprocess.Popen(
            chemaudit_command() + ["serve", "--host", "127.0.0.1", "--port", str(self.port),
                                   "--workers", str(workers)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_healthy(self, timeout: float = 60) -> None:
        wait_healthy(self.base, self.process, timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def service(pg_admin_url, tmp_path_factory):
    """One real server per test module (starting one costs seconds: migrations, RDKit, workers)."""
    name = pg.unique_name("chemaudit_acc")
    url = pg.create_database(pg_admin_url, name)
    running = Service(url, workers=2, log_path=tmp_path_factory.mktemp("serve") / "serve.log")
    try:
        running.wait_healthy()
        running.database_url = url
        yield running
    finally:
        running.stop()
        pg.drop_database(pg_admin_url, name)
