"""The per-molecule watchdog decides on a fake clock, and ends the process through a hook."""

import threading
import time

from tasks.watchdog import EXIT_CODE, MoleculeWatchdog


def test_overdue_names_the_record_only_past_the_budget():
    watchdog = MoleculeWatchdog(budget=5.0)
    watchdog.begin("record 7 of job x")
    started = time.monotonic()
    assert watchdog.overdue(started + 1) is None
    assert watchdog.overdue(started + 6) == "record 7 of job x"
    watchdog.end()
    assert watchdog.overdue(started + 60) is None


def test_the_thread_ends_the_process_when_a_record_overruns():
    exited = threading.Event()
    codes = []

    def fake_exit(code):
        codes.append(code)
        exited.set()

    watchdog = MoleculeWatchdog(budget=0.05, exit_process=fake_exit)
    watchdog.start()
    watchdog.begin("slow record")
    assert exited.wait(5)
    assert codes == [EXIT_CODE]


def test_failure_text_quotes_the_first_line_and_the_exception_type():
    import psycopg

    from tasks.chunk_runner import failure_text

    exc = psycopg.errors.RaiseException(
        "simulated storage failure\nCONTEXT:  PL/pgSQL function refuse() line 1 at RAISE")
    assert failure_text(exc) == "simulated storage failure (psycopg.errors.RaiseException)"
    assert failure_text(RuntimeError()) == "no message (builtins.RuntimeError)"
