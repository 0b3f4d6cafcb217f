"""The Prometheus text of /metrics, when a node's processes share one metrics folder.

`chemaudit serve` gives its workers a folder (PROMETHEUS_MULTIPROC_DIR, service/ops/metrics_dir.py);
its one web process keeps its own metrics in memory and adds the workers' files. With several
web processes (`--processes N`, service/ops/web_processes.py) each one starts with the folder set,
so prometheus_client keeps every metric of it in a file there too, and whichever process answers
a scrape adds up every file: all web processes and workers of the node, in one answer. The
database gauges are the exception: the answering process has just read them from the tables,
so they come from it alone (the other processes' copies are older readings of the same).
Gauges of a process's own state (open sockets, listener reconnects) are refreshed every second
by each process, and those of a process that died are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest, values
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from service.keys import HUB, LISTENER
from service.ops.metrics_dir import process_alive
from service.ops.metrics_registry import (
    JOBS,
    MOLECULES_PROCESSED,
    OWNER_CHUNKS_IN_FLIGHT,
    OWNER_QUEUED_CHUNKS,
    OWNER_RUNNING_JOBS,
    QUEUE_DEPTH,
    RECONNECTS,
    REGISTRY,
    SOCKETS,
)

REFRESH_INTERVAL = 1.0
DATABASE_GAUGES = (JOBS, MOLECULES_PROCESSED, QUEUE_DEPTH, OWNER_RUNNING_JOBS, OWNER_QUEUED_CHUNKS,
                   OWNER_CHUNKS_IN_FLIGHT)
_DATABASE = CollectorRegistry()
for _gauge in DATABASE_GAUGES:
    _DATABASE.register(_gauge)
_DATABASE_NAMES = frozenset(family.name for gauge in DATABASE_GAUGES for family in gauge.collect())
# The database gauges' clear() warns in a shared folder, where their files keep the old label
# sets; those files are never read (`render` takes these gauges from memory), so clear() works.
warnings.filterwarnings("ignore", message="Clearing labels has not been implemented", category=UserWarning)


def in_folder() -> bool:
    """Whether this process keeps its own metrics in the shared folder (started with it set)."""
    return bool(getattr(values.ValueClass, "_multiprocess", False))


class _Folder:
    """Every process's metrics in the folder, added up; some names left out."""

    def __init__(self, path: str, skip: frozenset[str] = frozenset()):
        self.path = path
        self.skip = skip

    def collect(self) -> Iterator[Metric]:
        for family in MultiProcessCollector(None, path=self.path).collect():
            if family.name not in self.skip:
                yield family


def render() -> bytes:
    """The whole /metrics body (blocking: it reads files; run it in a thread)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory or not os.path.isdir(directory):
        return generate_latest(REGISTRY)
    if not in_folder():  # one web process in memory, the workers in the folder
        return generate_latest(REGISTRY) + generate_latest(_Folder(directory))
    return generate_latest(_DATABASE) + generate_latest(_Folder(directory, skip=_DATABASE_NAMES))


def forget_dead(directory: str) -> list[int]:
    """Drop the live gauges (sockets, reconnects...) of processes that are gone; returns their pids."""
    gone = set()
    for path in Path(directory).glob("gauge_live*_*.db"):
        suffix = path.stem.rsplit("_", 1)[-1]
        if suffix.isdigit() and not process_alive(int(suffix)):
            gone.add(int(suffix))
    for pid in gone:
        mark_process_dead(pid, directory)
    return sorted(gone)


async def shared_gauges(app: web.Application):
    """cleanup_ctx entry: in a shared folder, keep this process's own gauges current."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory or not in_folder():
        yield
        return

    async def refresh() -> None:
        while True:
            SOCKETS.set(app[HUB].count())
            RECONNECTS.set(app[LISTENER].reconnects)
            await asyncio.to_thread(forget_dead, directory)
            await asyncio.sleep(REFRESH_INTERVAL)

    task = asyncio.create_task(refresh(), name="chemaudit-shared-gauges")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
