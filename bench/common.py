"""What every benchmark shares that is not the server: result rows, formatting, the machine, files."""

from __future__ import annotations

import contextlib
import gzip
import itertools
import os
import platform
import resource
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from rdkit import RDConfig

ADMIN_ENV = "CHEMAUDIT_BENCH_DATABASE_URL"
DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
NCI_SMI = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"
TERMINAL = {"complete", "failed", "cancelled"}


def admin_url() -> str:
    """The PostgreSQL where the benchmarks create (and drop) their databases."""
    return os.environ.get(ADMIN_ENV) or DEFAULT_ADMIN


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


def window(samples, begin: float, end: float) -> list:
    """The (time, ...) samples taken within [begin, end]."""
    return [s for s in samples if begin <= s[0] <= end]


def largest_gap(times: list[float], begin: float, end: float) -> float:
    """Largest gap between consecutive times, counting gaps that overlap [begin, end]."""
    inside = [t for t in times if begin <= t <= end]
    before = [t for t in times if t < begin][-1:]
    after = [t for t in times if t > end][:1]
    points = before + inside + after
    if len(points) < 2:
        return float("nan")
    return max(b - a for a, b in zip(points, points[1:]))
