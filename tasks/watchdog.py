"""Stops a worker process whose current molecule has run past the per-molecule budget.

C++ code cannot be interrupted from Python, so the only way to reclaim a hung worker is to
end its process: the supervisor starts a fresh one and the sweeper re-enqueues the chunk,
whose retry then audits the remaining records in isolation (where the hang is contained).
"""

from __future__ import annotations

import logging
import os
import threading
import time

log = logging.getLogger("chemaudit.watchdog")

EXIT_CODE = 75  # EX_TEMPFAIL: tells the supervisor this was deliberate, not a crash


class MoleculeWatchdog(threading.Thread):
    def __init__(self, budget: float, exit_process=os._exit):
        super().__init__(name="chemaudit-watchdog", daemon=True)
        self.budget = budget
        self.exit_process = exit_process
        self._lock = threading.Lock()
        self._running: dict[int, tuple[float, str]] = {}  # thread id -> (start, what)
        self._stopping = threading.Event()

    def begin(self, what: str) -> None:
        with self._lock:
            self._running[threading.get_ident()] = (time.monotonic(), what)

    def end(self) -> None:
        with self._lock:
            self._running.pop(threading.get_ident(), None)

    def overdue(self, now: float | None = None) -> str | None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for started, what in self._running.values():
                if now - started > self.budget:
                    return what
        return None

    def run(self) -> None:
        while not self._stopping.wait(min(1.0, self.budget / 4)):
            culprit = self.overdue()
            if culprit is not None:
                log.error("%s ran past the %.0f s budget; ending this worker process so it can be "
                          "retried in isolation", culprit, self.budget)
                self.exit_process(EXIT_CODE)
                return

    def stop(self) -> None:
        self._stopping.set()
