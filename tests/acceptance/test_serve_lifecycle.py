"""Acceptance: what a real `chemaudit serve` leaves behind when it is killed or stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.acceptance import conftest as acceptance

pytestmark = pytest.mark.acceptance


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _wait_workers(service: acceptance.Service, count: int, timeout: float = 60) -> list[psutil.Process]:
    """Every descendant of `serve`, once `count` Dramatiq worker processes (children of a dramatiq main) run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes = _descendants(service.process.pid)
        mains = {p.pid for p in processes if _is_dramatiq(p)}
        workers = [p for p in processes if _is_dramatiq(p) and _parent_pid(p) in mains]
        if len(workers) >= count:
            return processes
        time.sleep(0.2)
    raise TimeoutError(f"fewer than {count} worker processes came up")


def _is_dramatiq(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return "dramatiq" in " ".join(process.cmdline())
    return False


def _parent_pid(process: psutil.Process) -> int | None:
    with contextlib.suppress(psutil.Error):
        return process.ppid()
    return None


def _kill_leftovers(service: acceptance.Service, processes: list[psutil.Process]) -> None:
    """Whatever the test started and is still running (the group outlives a killed leader)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(service.process.pid, signal.SIGKILL)
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


def _temp_dir(tmp_path) -> dict[str, str]:
    """The serve's own temp directory (TMPDIR), so the test sees exactly what it leaves there."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {"TMPDIR": str(tmp_path / "tmp")}


def _metrics_dirs(tmp_path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").glob("chemaudit-metrics-*"))


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_workers_die_when_serve_is_killed(fresh_database, tmp_path):
    service = acceptance.Service(fresh_database, workers=2, log_path=tmp_path / "serve.log", **_temp_dir(tmp_path))
    processes: list[psutil.Process] = []
    try:
        service.wait_healthy()
        processes = _wait_workers(service, 2)
        os.kill(service.process.pid, signal.SIGKILL)
        service.process.wait(timeout=10)
        _gone, alive = psutil.wait_procs(processes, timeout=15)
        assert not alive, f"still running after serve was killed: {[p.pid for p in alive]}"
    finally:
        _kill_leftovers(service, processes)
        service.stop()


def test_serve_removes_its_metrics_folder_and_stale_ones(fresh_database, tmp_path):
    env = _temp_dir(tmp_path)
    stale = tmp_path / "tmp" / f"chemaudit-metrics-{_dead_pid()}-gone"
    stale.mkdir()
    (stale / "counter_1.db").write_bytes(b"x")
    live = tmp_path / "tmp" / f"chemaudit-metrics-{os.getpid()}-alive"  # owned by a running process
    live.mkdir()
    service = acceptance.Service(fresh_database, workers=1, log_path=tmp_path / "serve.log", **env)
    try:
        service.wait_healthy()
        own = [name for name in _metrics_dirs(tmp_path) if name not in (stale.name, live.name)]
        assert not stale.exists(), "a folder whose owner is gone was left"
        assert live.exists(), "a folder of a running process was removed"
        assert len(own) == 1 and str(service.process.pid) in own[0], _metrics_dirs(tmp_path)
    finally:
        service.stop()
    assert service.process.returncode == 0
    assert _metrics_dirs(tmp_path) == [live.name], "serve left its metrics folder behind"
