"""Keeps N single-process Dramatiq workers alive, restarting any that dies.

Dramatiq's own multi-process mode shuts every worker down when one exits unexpectedly; a
worker killed by the OOM killer or by a toolkit segfault must instead come back on its own,
so each worker is its own `dramatiq -p 1` process watched here.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time

from service.ops.parent_death import wrap

log = logging.getLogger("chemaudit.supervisor")

RESTART_BACKOFF_MAX = 10.0


def worker_command(threads: int, module: str = "tasks.worker", queue: str = "chemaudit") -> list[str]:
    return [sys.executable, "-m", "dramatiq", module, "--processes", "1",
            "--threads", str(threads), "--queues", queue]


class WorkerSupervisor:
    def __init__(self, count: int, threads: int, env: dict[str, str], command: list[str] | None = None,
                 name: str = "worker"):
        self.count = count
        self.name = name  # in the log lines: "worker 0 started", "web process 1 exited"
        self.command = command or worker_command(threads)
        self.env = env
        self.processes: list[subprocess.Popen | None] = [None] * count
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="chemaudit-supervisor", daemon=True)

    def start(self) -> None:
        for slot in range(self.count):
            self._spawn(slot)
        self._thread.start()

    def _spawn(self, slot: int) -> None:
        # Each worker gets SIGTERM if this process dies, even by SIGKILL (no orphans under PID 1).
        # Spawned only from the main thread (start) and the watcher thread, both as long-lived as
        # the process, since the kernel sends the signal when the spawning thread ends.
        process = subprocess.Popen(wrap(self.command), env=self.env)
        self.processes[slot] = process
        log.info("%s %d started (pid %d)", self.name, slot, process.pid)

    def _watch(self) -> None:
        backoff = [0.5] * self.count
        while not self._stopping.wait(0.5):
            for slot, process in enumerate(self.processes):
                if process is None or process.poll() is None:
                    continue
                if self._stopping.is_set():
                    return
                log.warning("%s %d (pid %d) exited with %s; restarting in %.1fs",
                            self.name, slot, process.pid, process.returncode, backoff[slot])
                time.sleep(backoff[slot])
                backoff[slot] = min(backoff[slot] * 2, RESTART_BACKOFF_MAX)
                self.restarts += 1
                self._spawn(slot)

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p is not None and p.poll() is None]

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            if process is None:
                continue
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def request_stop(self) -> None:
        """Signal-handler safe: make wait() return; the caller then calls stop()."""
        self._stopping.set()

    def wait(self) -> None:
        """Block until stop() is called (the `chemaudit worker` foreground)."""
        while not self._stopping.wait(1.0):
            pass
