"""PostgreSQL servers of the test's own, each in its host's namespace, on the host's address.

Made with Debian's binaries (initdb, postgres, pg_basebackup) under the `postgres` user, in a
temporary folder; never the machine's own cluster (its socket folder and 127.0.0.1:5432 are not
used: these listen on their namespace's address and put their socket in their data folder).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.cluster.netns import Host

BIN = Path(os.environ.get("CHEMAUDIT_PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT = 5432
HBA = "local all all trust\nhost all all 0.0.0.0/0 trust\nhost replication all 0.0.0.0/0 trust\n"
# A killed process (not a lost machine) is the fault here, so fsync buys nothing but slowness
# on a shared machine; what survives the primary's death is what synchronous replication sent.
SETTINGS = {"fsync": "off", "full_page_writes": "off", "wal_level": "replica",
            "max_wal_senders": "4", "hot_standby": "on", "max_connections": "200",
            "shared_buffers": "32MB", "log_min_messages": "warning"}


def binaries_available() -> str | None:
    if not (BIN / "initdb").exists():
        return f"no PostgreSQL binaries in {BIN} (set CHEMAUDIT_PG_BIN)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no `postgres` user to run a PostgreSQL server as"
    return None


def _as_postgres(host: Host, *command: str) -> list[str]:
    return host.exec_prefix() + ["runuser", "-u", "postgres", "--", *command]


class Server:
    def __init__(self, host: Host, root: Path, name: str):
        self.host = host
        self.data = root / name
        self.log_path = root / f"{name}.log"
        self.sockets = root / f"{name}-sockets"  # not in the data folder: a base backup would copy its lock
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"{self.host.address}:{PORT}"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{self.address}/{database}"

    def init(self) -> Server:
        subprocess.run(_as_postgres(self.host, str(BIN / "initdb"), "-D", str(self.data), "-U",
                                    "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"),
                       check=True, capture_output=True)
        (self.data / "pg_hba.conf").write_text(HBA)
        return self

    def init_standby_of(self, primary: Server) -> Server:
        subprocess.run(_as_postgres(self.host, str(BIN / "pg_basebackup"), "-h", primary.host.address,
                                    "-p", str(PORT), "-U", "postgres", "-D", str(self.data), "-X",
                                    "stream", "-R", "--no-sync"),
                       check=True, capture_output=True)
        return self

    def start(self, **extra: str) -> Server:
        self.sockets.mkdir(exist_ok=True)
        shutil.chown(self.sockets, "postgres", "postgres")
        options = []
        for key, value in {**SETTINGS, "listen_addresses": self.host.address, "port": str(PORT),
                           "unix_socket_directories": str(self.sockets), **extra}.items():
            options += ["-c", f"{key}={value}"]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(_as_postgres(self.host, str(BIN / "postgres"), "-D",
                                                     str(self.data), *options),
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log_path.read_text()[-2000:]}")
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the postmaster and its backends at once: the server dies, the host stays up."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def promote(self) -> None:
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as conn:
            conn.execute("SELECT pg_promote(wait => true)")


class ServerRoot:
    """The temporary folder the servers' data lives in (readable by `postgres`); removed at close."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="chemaudit-cluster-pg-"))
        entry = pwd.getpwnam("postgres")
        os.chown(self.path, entry.pw_uid, entry.pw_gid)
        self.servers: list[Server] = []

    def server(self, host: Host, name: str) -> Server:
        server = Server(host, self.path, name)
        self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        shutil.rmtree(self.path, ignore_errors=True)
