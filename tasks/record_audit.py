"""Auditing one stored record, in-process (fast path) or in a forked child (isolation).

Isolation is for chunks that are being retried: if a record crashed the toolkit (a segfault
takes the whole worker with it) or hung past the per-molecule budget, the retry audits each
remaining record in its own child process, so the culprit becomes an `error` row and the
rest of the job goes on.

Each worker thread has one helper process that audits record after record, replaced when a
record crashes or hangs it. Helpers come from a fork server (started on first use, with the
chemistry imported and its caches warm), never from the worker itself: a worker has several
threads (consumers, sweeper, watchdog, pool), and a child forked while one of them held a lock
(the toolkit's, logging's, the allocator's) would inherit it held and hang.
`python -m bench isolation` measures the cost.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from chemaudit.analytics import scaffolds
from chemaudit.chemistry import AuditOptions, audit
from chemaudit.chemistry.rdlog import TOOLKIT_LOCK
from chemaudit.result_rows import error_row, to_row

CRASHED = "The toolkit crashed on this record (it was audited in isolation after a worker crash)."
TRANSIENT = "transient"  # key of a row whose result must not be stored for reuse
TIMED_OUT = "Auditing this record took longer than the {budget:g} s budget; it was stopped."

_children = multiprocessing.get_context("forkserver")
_children.set_forkserver_preload(["tasks.isolation_preload"])


@dataclass(frozen=True)
class FaultDrill:
    """Markers that make a record crash or hang the toolkit on purpose (operations drills, tests)."""

    crash_marker: str = ""
    hang_marker: str = ""

    def apply(self, text: str) -> None:
        if self.crash_marker and self.crash_marker in text:
            os.kill(os.getpid(), signal.SIGSEGV)
        if self.hang_marker and self.hang_marker in text:
            while True:
                time.sleep(3600)


def shown_smiles(record: dict, canonical_smiles: str | None) -> str:
    """The `smiles` a record's row shows: its own text for a SMILES input, else the canonical
    SMILES of its result; nothing for a record the splitter could not read."""
    if record["error"]:
        return ""
    if record["kind"] == "smiles":
        return record["text"]
    return canonical_smiles or ""


def audit_record(job_id: str, record: dict, options: AuditOptions, drill: FaultDrill) -> dict:
    """The results row of one record, audited in this process."""
    if record["error"]:
        return error_row(job_id, record["idx"], record["name"], "", record["error"])
    drill.apply(record["text"])
    result = audit(record["text"], record["kind"], options)
    with TOOLKIT_LOCK:  # stored so a scaffold analysis is SQL; the lock: see scaffolds.of_result
        scaffold = scaffolds.of_result(result)
    shown = shown_smiles(record, (result.get("validation") or {}).get("canonical_smiles"))
    return to_row(job_id, record["idx"], record["name"], shown, result, scaffold)


def _serve(conn) -> None:
    """The helper's loop: audit each record it is sent, until the worker closes the pipe."""
    while True:
        try:
            job_id, record, options, drill = conn.recv()
        except EOFError:
            return
        conn.send(audit_record(job_id, record, options, drill))


class IsolatedAuditor:
    """A helper process that audits records sent over a pipe, replaced after a crash or an overrun.

    Starting a child costs tens of milliseconds; one helper serving record after record costs a
    pipe round trip, so a chunk audited in isolation runs at nearly its normal speed.
    """

    def __init__(self, context=_children):
        self.context = context
        self.process: BaseProcess | None = None
        self.conn: Connection | None = None

    def audit(self, job_id: str, record: dict, options: AuditOptions, drill: FaultDrill,
              budget: float) -> dict:
        if self.process is None or not self.process.is_alive():
            self._start()
        conn = self.conn
        assert conn is not None, "_start opened the pipe"
        try:
            conn.send((job_id, record, options, drill))
            if conn.poll(budget):
                return conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            self.close()  # the helper died on this record
            return _failed(job_id, record, CRASHED)
        self.close()
        return _failed(job_id, record, TIMED_OUT.format(budget=budget))

    def _start(self) -> None:
        self.conn, theirs = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None


_helpers = threading.local()  # one helper per worker thread: a pipe serves one request at a time


def audit_isolated(job_id: str, record: dict, options: AuditOptions, drill: FaultDrill,
                   budget: float) -> dict:
    """Audit in this thread's helper process; a crash or an overrun becomes an `error` row."""
    helper = getattr(_helpers, "auditor", None)
    if helper is None:
        helper = _helpers.auditor = IsolatedAuditor()
    return helper.audit(job_id, record, options, drill, budget)


def _failed(job_id: str, record: dict, message: str) -> dict:
    shown = record["text"] if record["kind"] == "smiles" else ""
    row = error_row(job_id, record["idx"], record["name"], shown[:10_000], message)
    row[TRANSIENT] = True  # a crash or an overrun says nothing lasting about the input: never reused
    return row
