"""Process figures from /proc (psutil is not needed): CPU seconds, peak RSS, process trees,
and where the machine's CPU went during a measurement."""

from __future__ import annotations

import contextlib
import os
import resource
import threading
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def parent_of(pid: int) -> int | None:
    fields_ = stat_fields(pid)
    return int(fields_[1]) if fields_ else None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    fields_ = stat_fields(pid)
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


def _cpu_ticks() -> list[int]:
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU seconds the whole machine spent busy (all cores), and of those the steal (the
    hypervisor ran other guests while this VM wanted the core), from one read of /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = _cpu_ticks()
    return (user + nice + system + irq + softirq + steal) / CLK_TCK, steal / CLK_TCK


class CpuAccount:
    """Where the machine's CPU went during a measurement: ours, PostgreSQL, everybody else.

    `ours` is a function returning the CPU seconds used so far by this benchmark's processes.
    """

    def __init__(self, ours):
        self.ours = ours
        self._start = self._read()
        self._wall = time.monotonic()

    def _read(self) -> dict[str, float]:
        busy, steal = machine_cpu_seconds()
        return {"machine": busy, "ours": self.ours(), "postgres": postgres_cpu_seconds(), "steal": steal}

    def stop(self) -> dict[str, float]:
        end, wall = self._read(), time.monotonic() - self._wall
        # Processes that ended in between take their CPU with them: clamp at zero.
        used = {key: max(0.0, end[key] - self._start[key]) for key in end}
        capacity = wall * (os.cpu_count() or 1)
        others = max(0.0, used["machine"] - used["ours"] - used["postgres"])
        return {"wall": wall, "busy": used["machine"] / capacity, "ours": used["ours"] / capacity,
                "postgres": used["postgres"] / capacity, "others": others / capacity,
                "steal": used["steal"] / capacity}

    @staticmethod
    def describe(split: dict[str, float]) -> str:
        return (f"machine busy {100 * split['busy']:.0f}% of {os.cpu_count()} cores: this benchmark "
                f"{100 * split['ours']:.0f}%, PostgreSQL {100 * split['postgres']:.0f}%, "
                f"other processes {100 * split['others']:.0f}% (of which the hypervisor's steal "
                f"{100 * split['steal']:.0f}%)")


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


