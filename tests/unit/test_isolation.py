"""Isolated audits run in children of a fork server: same result as in-process, crashes and hangs contained."""

from __future__ import annotations

import threading

from chemaudit.chemistry import AuditOptions
from tasks.record_audit import CRASHED, FaultDrill, audit_isolated, audit_record

DRILL = FaultDrill(crash_marker="CRASH_ME", hang_marker="HANG_ME")


def record(text: str, idx: int = 0) -> dict:
    return {"idx": idx, "name": f"r{idx}", "kind": "smiles", "text": text, "error": None}


def test_an_isolated_audit_gives_the_in_process_result():
    options = AuditOptions()
    aspirin = record("CC(=O)Oc1ccccc1C(=O)O")
    assert audit_isolated("job", aspirin, options, DRILL, 30) == audit_record("job", aspirin, options, DRILL)


def test_a_crash_and_a_hang_become_error_rows_and_the_next_record_gets_a_new_helper():
    crashed = audit_isolated("job", record("CCO.CRASH_ME"), AuditOptions(), DRILL, 30)
    after_crash = audit_isolated("job", record("CCO", 1), AuditOptions(), DRILL, 30)
    hung = audit_isolated("job", record("CCN.HANG_ME", 2), AuditOptions(), DRILL, 1.0)
    after_hang = audit_isolated("job", record("CCN", 3), AuditOptions(), DRILL, 30)
    assert crashed["status"] == "error" and crashed["error"] == CRASHED
    assert hung["status"] == "error" and "budget" in hung["error"]
    assert after_crash["status"] == after_hang["status"] == "success"


def test_a_lock_held_by_another_thread_of_the_worker_does_not_reach_the_child():
    from chemaudit.chemistry.audit import TOOLKIT_LOCK

    holding, release = threading.Event(), threading.Event()

    def hold():
        with TOOLKIT_LOCK:
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert holding.wait(5)
    try:
        # A child forked from this process now would wait forever on TOOLKIT_LOCK (budget: 20 s).
        result = audit_isolated("job", record("c1ccccc1O"), AuditOptions(), DRILL, 20)
    finally:
        release.set()
        holder.join()
    assert result["status"] == "success", result
