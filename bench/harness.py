"""What every benchmark shares: a fresh database, a real `chemaudit serve`, process figures, files.

The server runs in its own session (process group); `Server.stop()` ends that whole group, so
no web or worker process outlives a benchmark, even when the benchmark itself fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import itertools
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from rdkit import RDConfig

ADMIN_ENV = "CHEMAUDIT_BENCH_DATABASE_URL"
DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
NCI_SMI = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"
CLK_TCK = os.sysconf("SC_CLK_TCK")
TERMINAL = {"complete", "failed", "cancelled"}


# Results ---------------------------------------------------------------------------------------

@dataclass
class Row:
    """One line of the summary table."""

    bench: str
    figure: str
    value: str
    target: str = ""
    verdict: str = ""


def verdict(value: float, target: float, higher_is_better: bool) -> str:
    """'met' or 'NOT met' with the distance to the target in percent."""
    if higher_is_better:
        if value >= target:
            return "met"
        return f"NOT met ({100 * (target - value) / target:.0f}% short)"
    if value <= target:
        return "met"
    return f"NOT met ({100 * (value - target) / target:.0f}% over)"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (what p99 of N receipts means: 99% were at most this)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def mb(kib: float) -> str:
    return f"{kib / 1024:.0f} MB"


def say(message: str) -> None:
    print(message, flush=True)


# The machine -----------------------------------------------------------------------------------

def machine() -> dict:
    info = {"date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "nproc": os.cpu_count(), "usable cpus": len(os.sched_getaffinity(0)),
            "python": platform.python_version(), "kernel": platform.release()}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    with contextlib.suppress(Exception):
        import rdkit

        info["rdkit"] = rdkit.__version__
    with contextlib.suppress(Exception):
        with psycopg.connect(admin_url(), connect_timeout=5) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    return info


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def raise_open_files(wanted: int) -> int:
    """Raise the soft RLIMIT_NOFILE towards `wanted` (never above the hard limit); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


# Molecule files --------------------------------------------------------------------------------

def nci_molecules() -> list[tuple[str, str]]:
    """(smiles, NCI id) of RDKit's Data/NCI/first_5K.smi (real molecules)."""
    out = []
    for line in NCI_SMI.read_text().splitlines():
        fields_ = line.split()
        if len(fields_) >= 2:
            out.append((fields_[0], fields_[1]))
    return out


def smiles_lines(count: int) -> list[str]:
    """`count` SMILES lines, cycling the NCI set with distinct names (NCI id + running number)."""
    base = nci_molecules()
    return [f"{smi}\tNCI{nci}-{n:07d}" for n, (smi, nci) in zip(range(count), itertools.cycle(base))]


def write_smiles(count: int, name: str | None = None, offset: int = 0) -> Path:
    """A SMILES file of `count` molecules under bench/out (rewritten each time: it is cheap).

    `offset` starts elsewhere in the NCI cycle, so several files hold different molecules.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / (name or f"nci_{count}.smi")
    base = nci_molecules()
    start = offset % len(base)
    cycle = itertools.cycle(base[start:] + base[:start])
    with path.open("w") as handle:
        for n, (smi, nci) in zip(range(offset, offset + count), cycle):
            handle.write(f"{smi}\tNCI{nci}-{n:07d}\n")
    return path


def gzip_file(path: Path) -> Path:
    packed = path.with_name(path.name + ".gz")
    with path.open("rb") as src, gzip.open(packed, "wb", compresslevel=6) as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
    return packed


# Processes (from /proc: psutil is not needed) ------------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def parent_of(pid: int) -> int | None:
    fields_ = _stat(pid)
    return int(fields_[1]) if fields_ else None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    fields_ = _stat(pid)
    if not fields_:
        return 0.0
    return (int(fields_[11]) + int(fields_[12])) / CLK_TCK


def status_kib(pid: int, key: str) -> int:
    """A /proc/<pid>/status memory field in KiB (VmRSS, VmHWM); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def descendants(root: int) -> dict[int, int]:
    """{pid: depth} of every live descendant of `root`."""
    children: dict[int, list[int]] = {}
    for pid in all_pids():
        parent = parent_of(pid)
        if parent is not None:
            children.setdefault(parent, []).append(pid)
    found, todo = {}, [(root, 0)]
    while todo:
        pid, depth = todo.pop()
        for child in children.get(pid, ()):
            found[child] = depth + 1
            todo.append((child, depth + 1))
    return found


def group_members(pgid: int) -> list[int]:
    out = []
    for pid in all_pids():
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == pgid:
                out.append(pid)
    return out


def postgres_cpu_seconds() -> float:
    """CPU seconds of every `postgres` process of the machine's server (backends included).

    The server is shared, so this also counts other users' queries: read it as an upper bound.
    """
    total = 0.0
    for pid in all_pids():
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm in ("postgres", "postmaster") and "pgserver" not in cmdline(pid):
            total += cpu_seconds(pid)
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    fields_ = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields_[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


class CpuAccount:
    """Where the machine's CPU went during a measurement: ours, PostgreSQL, everybody else.

    `ours` is a function returning the CPU seconds used so far by this benchmark's processes.
    """

    def __init__(self, ours):
        self.ours = ours
        self._start = self._read()
        self._wall = time.monotonic()

    def _read(self) -> dict[str, float]:
        return {"machine": machine_busy_seconds(), "ours": self.ours(), "postgres": postgres_cpu_seconds()}

    def stop(self) -> dict[str, float]:
        end, wall = self._read(), time.monotonic() - self._wall
        # Processes that ended in between take their CPU with them: clamp at zero.
        used = {key: max(0.0, end[key] - self._start[key]) for key in end}
        capacity = wall * (os.cpu_count() or 1)
        others = max(0.0, used["machine"] - used["ours"] - used["postgres"])
        return {"wall": wall, "busy": used["machine"] / capacity, "ours": used["ours"] / capacity,
                "postgres": used["postgres"] / capacity, "others": others / capacity}

    @staticmethod
    def describe(split: dict[str, float]) -> str:
        return (f"machine busy {100 * split['busy']:.0f}% of {os.cpu_count()} cores: this benchmark "
                f"{100 * split['ours']:.0f}%, PostgreSQL {100 * split['postgres']:.0f}%, "
                f"other processes {100 * split['others']:.0f}%")


def bench_cpu() -> float:
    """CPU seconds of this process, its reaped children and every live descendant (servers,
    workers, client and monitor processes): everything the benchmark itself runs."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    live = sum(cpu_seconds(pid) for pid in descendants(os.getpid()))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime + live


class RssSampler(threading.Thread):
    """Samples VmRSS of some processes every `interval` seconds; keeps each one's peak."""

    def __init__(self, pids_of: dict[str, callable], interval: float = 0.1):
        super().__init__(name="rss-sampler", daemon=True)
        self.pids_of = pids_of  # role -> function returning the pids of that role now
        self.interval = interval
        self.peak_kib: dict[str, int] = {role: 0 for role in pids_of}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        for role, pids in self.pids_of.items():
            for pid in pids():
                self.peak_kib[role] = max(self.peak_kib[role], status_kib(pid, "VmRSS"))

    def stop(self) -> dict[str, int]:
        self._halt.set()
        self.join(2)
        self.sample()
        return self.peak_kib


# Databases --------------------------------------------------------------------------------------

def admin_url() -> str:
    return os.environ.get(ADMIN_ENV) or DEFAULT_ADMIN


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
    """`chemaudit` as `python -m service.cli`, run from this checkout (cwd=ROOT): the code under
    test is always the one next to these benchmarks, installed or not."""
    return [sys.executable, "-m", "service.cli"]


# Settings the benchmarks change on every server they start (everything else: defaults or the
# caller's own CHEMAUDIT_* environment). The rate limit would refuse the benchmarks' bursts.
BENCH_ENV = {"CHEMAUDIT_WORKERS": "2", "CHEMAUDIT_UPLOAD_RATE_PER_MINUTE": "100000"}


class Server:
    """`chemaudit serve` on a fresh database and a free loopback port, in its own process group."""

    def __init__(self, label: str, env: dict[str, str] | None = None, workers: int = 2):
        self.label = label
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
    def __enter__(self) -> "Server":
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
                                   "--workers", str(self.workers)],
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
            async with session_factory() as session:
                job = await upload(session, self.base, path)
                return await follow(session, self.ws_base, job.job_id, timeout)

        try:
            messages = asyncio.run(go())
        except (TimeoutError, asyncio.TimeoutError):
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
                and _stat(pid)[0] != "Z" and os.getpgid(pid) == pgid]
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
                 timeout: float = 900) -> Upload:
    import aiohttp

    started_wall, started = time.time(), time.perf_counter()
    with path.open("rb") as handle:
        form = aiohttp.FormData()
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


def session_factory(limit: int = 0):
    import aiohttp

    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit, force_close=False))


_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) ")


def log_time(line: str) -> float | None:
    """time.time() of a serve log line in the default plain format."""
    match = _LOG_TIME.match(line)
    if not match:
        return None
    stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
    return stamp.timestamp() + int(match.group(2)) / 1000
