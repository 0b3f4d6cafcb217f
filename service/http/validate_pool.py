"""The processes that audit /validate molecules: off the web loop and its GIL, within a budget.

The chemistry holds the GIL (and a process-wide toolkit lock) for as long as it runs, seconds
for a large molecule with every option; in the web process that would stall every request and
socket of the node. So each audit runs in a process of its own pool: `processes` single-process
executors (forked from a fork server that has the chemistry warm), each auditing one molecule
at a time. One executor per process, rather than one executor of N processes, because a process
that overruns the budget must be killed, and killing one process of a shared executor breaks
every call in flight on it.

A call waits for a free process while at most `max_waiting` others wait (503 beyond, or when
none frees up within the budget); an audit that takes longer than `budget` seconds is a 422
`validation_timeout`, and its process is killed and replaced. A process's first call waits for
it to start and warm up outside the budget, which is for the audit alone.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from chemaudit.chemistry import warm_up
from chemaudit.errors import ChemAuditError, Unavailable

log = logging.getLogger("chemaudit.validate")

_forks = multiprocessing.get_context("forkserver")
_forks.set_forkserver_preload(["service.http.validate_preload"])
START_TIMEOUT = 120.0  # a fresh process: fork, import and warm the chemistry


def _ready() -> bool:
    return True


class ValidatePool:
    def __init__(self, processes: int, max_waiting: int, budget: float, retry_after: int):
        self.size = max(1, processes)
        self.max_waiting = max(0, max_waiting)
        self.budget = budget
        self.retry_after = str(max(1, retry_after))
        self.waiting = 0
        self.replaced = 0  # processes killed for overrunning (or crashing), for the record
        self.idle: asyncio.Queue[ProcessPoolExecutor] = asyncio.Queue()
        self.started: set[ProcessPoolExecutor] = set()
        self.executors: set[ProcessPoolExecutor] = set()
        for _ in range(self.size):
            self.idle.put_nowait(self._new())

    def _new(self) -> ProcessPoolExecutor:
        # The process itself starts at the executor's first call.
        executor = ProcessPoolExecutor(max_workers=1, mp_context=_forks, initializer=warm_up)
        self.executors.add(executor)
        return executor

    def _busy(self, why: str) -> Unavailable:
        return Unavailable(f"Every validation process of this server is busy ({why}); try again shortly.",
                           code="validation_busy").with_header("Retry-After", self.retry_after)

    async def _take(self) -> ProcessPoolExecutor:
        if self.idle.empty() and self.waiting >= self.max_waiting:
            raise self._busy(f"{self.waiting} calls are waiting already")
        self.waiting += 1
        try:
            async with asyncio.timeout(self.budget):
                return await self.idle.get()
        except TimeoutError:
            raise self._busy(f"none was free within {self.budget:g} s") from None
        finally:
            self.waiting -= 1

    async def run(self, fn, *args):
        """fn(*args) in a pool process, within the budget; its result."""
        executor = await self._take()
        try:
            if executor not in self.started:
                await asyncio.wait_for(asyncio.wrap_future(executor.submit(_ready)), START_TIMEOUT)
                self.started.add(executor)
            return await asyncio.wait_for(asyncio.wrap_future(executor.submit(fn, *args)), self.budget)
        except TimeoutError:
            executor = self._replace(executor)
            raise ChemAuditError(
                f"Auditing this molecule took longer than the {self.budget:g} s budget, so it was stopped; "
                "ask for fewer options (include_standardization costs the most) or send a smaller molecule.",
                code="validation_timeout", status=422) from None
        except BrokenProcessPool:
            executor = self._replace(executor)
            raise ChemAuditError("The toolkit crashed on this molecule; its process was replaced.",
                                 code="validation_crashed", status=422) from None
        except asyncio.CancelledError:  # the client left: its audit must not keep the process
            executor = self._replace(executor)
            raise
        finally:
            self.idle.put_nowait(executor)

    def _replace(self, executor: ProcessPoolExecutor) -> ProcessPoolExecutor:
        _kill(executor)
        self.executors.discard(executor)
        self.started.discard(executor)
        self.replaced += 1
        log.warning("a validation process was stopped and replaced (%d so far)", self.replaced)
        return self._new()

    def close(self) -> None:
        for executor in list(self.executors):
            _kill(executor)
        self.executors.clear()


def _kill(executor: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public way to stop a running call (terminate_workers() is 3.14+).
    for process in list((executor._processes or {}).values()):
        process.kill()
    executor.shutdown(wait=False, cancel_futures=True)
