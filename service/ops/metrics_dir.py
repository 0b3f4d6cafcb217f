"""The metrics folder `chemaudit serve` shares with its workers (PROMETHEUS_MULTIPROC_DIR).

One folder per `serve`, in the temp directory, named `chemaudit-metrics-<pid>-<random>` after the
process that owns it. The owner removes it on exit; a `serve` killed before it could is cleaned
up by the next one, which removes every such folder whose owner is gone. Folders of a still
running `serve` are left alone, and so are names without a pid (made by older versions).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("chemaudit.metrics_dir")

PREFIX = "chemaudit-metrics-"
_OWNED = re.compile(rf"^{re.escape(PREFIX)}(\d+)-")


def owner_pid(path: Path) -> int | None:
    match = _OWNED.match(path.name)
    return int(match.group(1)) if match else None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_stale(parent: str | None = None) -> list[Path]:
    """Remove the metrics folders whose owning process is gone; returns them."""
    removed = []
    for path in Path(parent or tempfile.gettempdir()).glob(PREFIX + "*"):
        pid = owner_pid(path)
        if pid is None or pid == os.getpid() or process_alive(pid) or not path.is_dir():
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    if removed:
        log.info("removed %d metrics folders left by stopped processes", len(removed))
    return removed


def create(parent: str | None = None) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))


@contextlib.contextmanager
def shared_metrics_dir() -> Iterator[str | None]:
    """Set PROMETHEUS_MULTIPROC_DIR to a fresh folder for as long as the block runs, then remove it.

    A folder the operator configured is used as it is and never removed.
    """
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        yield os.environ["PROMETHEUS_MULTIPROC_DIR"]
        return
    remove_stale()
    directory = create()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    try:
        yield str(directory)
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(directory, ignore_errors=True)
