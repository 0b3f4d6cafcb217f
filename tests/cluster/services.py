"""The real `chemaudit web` and `chemaudit worker`, each started inside its host's namespace."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

from tests.acceptance.conftest import chemaudit_command
from tests.cluster.netns import Host
from tests.support.health import wait_healthy

REPO = Path(__file__).resolve().parents[2]
WEB_PORT = 8001
# Recovery settings scaled down together, so a fault plays out in seconds. The lease a worker
# holds is max(stale, molecule_timeout + ...), so the molecule budget comes down with it.
FAST_RECOVERY = {
    "CHEMAUDIT_CHUNK_SIZE": "40",
    "CHEMAUDIT_SWEEP_INTERVAL": "0.5",
    "CHEMAUDIT_STALE_CHUNK_SECONDS": "3",
    "CHEMAUDIT_MOLECULE_TIMEOUT": "2",
    "CHEMAUDIT_LISTENER_PROBE_INTERVAL": "0.5",
    "CHEMAUDIT_COMMIT_INTERVAL": "0.1",
    "CHEMAUDIT_VALIDATE_PROCESSES": "1",
}
STALE_CHUNK_SECONDS = float(FAST_RECOVERY["CHEMAUDIT_STALE_CHUNK_SECONDS"])


class Process:
    def __init__(self, host: Host, role: str, args: list[str], env: dict[str, str], log_dir: Path):
        self.host = host
        self.role = role
        self.log_path = log_dir / f"{role}-{host.name}.log"
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(host.exec_prefix() + chemaudit_command() + args, env=env,
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=15)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def log_tail(self, chars: int = 3000) -> str:
        return f"--- {self.log_path.name}\n" + self.log_path.read_text(errors="replace")[-chars:]


class Web(Process):
    def __init__(self, host: Host, env: dict[str, str], log_dir: Path):
        super().__init__(host, "web", ["web", "--host", host.address, "--port", str(WEB_PORT)], env, log_dir)
        self.base = f"http://{host.address}:{WEB_PORT}"
        self.ws_base = f"ws://{host.address}:{WEB_PORT}"

    def wait_healthy(self, timeout: float = 90) -> None:
        wait_healthy(self.base, self.popen, timeout)

    def health(self) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


class Services:
    """Web nodes and worker nodes on their hosts, all given one database URL."""

    def __init__(self, database_url: str, log_dir: Path, **extra_env: str):
        self.env = dict(os.environ, CHEMAUDIT_DATABASE_URL=database_url, PYTHONPATH=str(REPO),
                        **FAST_RECOVERY, **extra_env)
        self.log_dir = log_dir
        self.webs: list[Web] = []
        self.workers: list[Process] = []

    def start(self, web_hosts: list[Host], worker_hosts: list[Host]) -> Services:
        self.webs = [Web(host, self.env, self.log_dir) for host in web_hosts]
        self.workers = [Process(host, "worker", ["worker", "--workers", "1"], self.env, self.log_dir)
                        for host in worker_hosts]
        for web in self.webs:
            web.wait_healthy()
        return self

    def logs(self) -> str:
        return "\n".join(p.log_tail() for p in self.webs + self.workers)

    def stop(self) -> None:
        for process in self.webs + self.workers:
            process.stop()
