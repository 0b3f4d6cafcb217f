"""Auditing one stored record, in-process (fast path) or in a forked child (isolation).

Isolation is for chunks that are being retried: if a record crashed the toolkit (a segfault
takes the whole worker with it) or hung past the per-molecule budget, the retry audits each
remaining record in its own child process, so the culprit becomes an `error` row and the
rest of the job goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.result_rows import error_row, to_row

CRASHED = "The toolkit crashed on this record (it was audited in isolation after a worker crash)."
TIMED_OUT = "Auditing this record took longer than the {budget:g} s budget; it was stopped."

_fork = multiprocessing.get_context("fork")


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


def audit_record(job_id: str, record: dict, options: AuditOptions, drill: FaultDrill) -> dict:
    """The results row of one record, audited in this process."""
    if record["error"]:
        return error_row(job_id, record["idx"], record["name"], "", record["error"])
    drill.apply(record["text"])
    result = audit(record["text"], record["kind"], options)
    if record["kind"] == "smiles":
        shown = record["text"]
    else:
        shown = (result.get("validation") or {}).get("canonical_smiles") or ""
    return to_row(job_id, record["idx"], record["name"], shown, result)


def _child(sender, job_id: str, record: dict, options: AuditOptions, drill: FaultDrill) -> None:
    sender.send(audit_record(job_id, record, options, drill))
    sender.close()


def audit_isolated(job_id: str, record: dict, options: AuditOptions, drill: FaultDrill,
                   budget: float) -> dict:
    """Audit in a forked child; a crash or an overrun becomes an `error` row for this record."""
    receiver, sender = _fork.Pipe(duplex=False)
    child = _fork.Process(target=_child, args=(sender, job_id, record, options, drill), daemon=True)
    child.start()
    sender.close()
    try:
        if receiver.poll(budget):
            try:
                return receiver.recv()
            except EOFError:
                pass  # the child died before it could answer: treated as a crash below
        else:
            child.kill()
            child.join()
            return _failed(job_id, record, TIMED_OUT.format(budget=budget))
        child.join()
        return _failed(job_id, record, CRASHED)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _failed(job_id: str, record: dict, message: str) -> dict:
    shown = record["text"] if record["kind"] == "smiles" else ""
    return error_row(job_id, record["idx"], record["name"], shown[:10_000], message)
