"""What auditing a record in isolation costs (issue 18 item 11): in-process; the old way, a child
forked from the worker for each record; and the service's way, a helper process from the fork
server that audits record after record.

    python -m bench isolation            # 100 NCI molecules each way
"""

from __future__ import annotations

import multiprocessing
import time

from bench.common import Row, nci_molecules, say
from chemaudit.chemistry import AuditOptions, warm_up
from tasks.record_audit import FaultDrill, IsolatedAuditor, audit_record

COUNT = 100
_fork = multiprocessing.get_context("fork")


def _records() -> list[dict]:
    return [{"idx": n, "name": name, "kind": "smiles", "text": smiles, "error": None}
            for n, (smiles, name) in enumerate(nci_molecules()[:COUNT])]


def _per_record(audit_one, records: list[dict]) -> float:
    started = time.perf_counter()
    for record in records:
        audit_one(record)
    return (time.perf_counter() - started) / len(records)


def _fork_per_record(record: dict, options: AuditOptions, drill: FaultDrill) -> dict:
    """The previous isolation: one child forked from this (multi-threaded) process per record."""
    helper = IsolatedAuditor(context=_fork)
    try:
        return helper.audit("bench", record, options, drill, 60)
    finally:
        helper.close()


def run(opts) -> list[Row]:
    warm_up()
    records, options, drill = _records(), AuditOptions(), FaultDrill()
    helper = IsolatedAuditor()
    helper.audit("bench", records[0], options, drill, 60)  # fork server and helper started untimed
    timings = {
        "in-process": _per_record(lambda r: audit_record("bench", r, options, drill), records),
        "fork per record": _per_record(lambda r: _fork_per_record(r, options, drill), records),
        "fork-server helper": _per_record(lambda r: helper.audit("bench", r, options, drill, 60), records),
    }
    helper.close()
    for way, seconds in timings.items():
        say(f"  {way:<20} {1000 * seconds:7.2f} ms per record")
    extra = timings["fork-server helper"] - timings["in-process"]
    return [Row("isolation", "ms/record: in-process | fork per record | helper",
                " | ".join(f"{1000 * timings[k]:.1f}" for k in timings),
                "", f"+{1000 * extra:.1f} ms per isolated record")]
