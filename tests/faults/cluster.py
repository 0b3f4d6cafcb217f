"""A real deployment in subprocesses: `chemaudit web` and `chemaudit worker`, separately killable."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil

from tests.acceptance.conftest import chemaudit_command, free_port
from tests.support.health import wait_healthy

FAST_RECOVERY = {
    "CHEMAUDIT_CHUNK_SIZE": "50",
    "CHEMAUDIT_SWEEP_INTERVAL": "0.5",
    "CHEMAUDIT_STALE_CHUNK_SECONDS": "3",
    "CHEMAUDIT_LISTENER_PROBE_INTERVAL": "0.5",
    "CHEMAUDIT_COMMIT_INTERVAL": "0.1",
    # A chunk's lease outlasts the slowest molecule allowed (60 s by default), so a killed
    # worker's chunk would wait that long for another worker; NCI molecules take milliseconds.
    "CHEMAUDIT_MOLECULE_TIMEOUT": "8",
}


class Cluster:
    def __init__(self, database_url: str, log_dir: Path, **env: str):
        self.database_url = database_url
        self.log_dir = log_dir
        self.env = {**os.environ, "CHEMAUDIT_DATABASE_URL": database_url, **FAST_RECOVERY, **env}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.port}"
        self.web: subprocess.Popen | None = None
        self.workers: subprocess.Popen | None = None
        self._logs = []

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = (self.log_dir / f"{name}-{len(self._logs)}.log").open("wb")
        self._logs.append(log)
        return subprocess.Popen(chemaudit_command() + args, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def start_web(self) -> Cluster:
        self.web = self._spawn("web", ["web", "--host", "127.0.0.1", "--port", str(self.port)])
        self.wait_healthy()
        return self

    def start_workers(self, count: int = 2) -> Cluster:
        self.workers = self._spawn("worker", ["worker", "--workers", str(count)])
        return self

    def wait_healthy(self, timeout: float = 60) -> None:
        wait_healthy(self.base, self.web, timeout)

    def worker_pids(self) -> list[int]:
        """The processes that actually run audit actors (dramatiq's worker children; not the
        analytics pool's, which `chemaudit worker` starts beside them)."""
        if self.workers is None:
            return []
        pids = []
        for child in psutil.Process(self.workers.pid).children(recursive=True):
            try:
                cmdline = " ".join(child.cmdline())
            except psutil.NoSuchProcess:
                continue
            if "analytics_worker" in cmdline:
                continue
            if "dramatiq" in cmdline and child.parent() and "dramatiq" in " ".join(child.parent().cmdline()):
                pids.append(child.pid)
        return pids

    def wait_worker_pids(self, count: int, timeout: float = 60) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) >= count:
                return pids
            time.sleep(0.1)
        raise TimeoutError(f"fewer than {count} worker processes came up")

    @staticmethod
    def _kill_group(process: subprocess.Popen | None, sig: int) -> None:
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def kill_workers(self, sig: int = signal.SIGKILL) -> None:
        self._kill_group(self.workers, sig)
        self.workers = None

    def kill_web(self, sig: int = signal.SIGKILL) -> None:
        self._kill_group(self.web, sig)
        self.web = None

    def stop(self) -> None:
        self.kill_web(signal.SIGTERM)
        self.kill_workers(signal.SIGTERM)
        for log in self._logs:
            log.close()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in sorted(self.log_dir.glob("*.log")))
