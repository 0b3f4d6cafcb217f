"""An analytics worker process killed mid-run: the run is retried to completion, or ends failed
once its attempts are used up; never left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from chemaudit.analytics.messages import ANALYTICS_QUEUE
from tests.integration.analytics_support import analysed_job  # noqa: F401 (fixture)
from tests.integration.audited_jobs import REPO, copy_job

pytestmark = [pytest.mark.integration, pytest.mark.faults]

MOLECULES = 20_000  # taxonomy of these takes several seconds in one process: time to kill it mid-run


def start_worker(url: str, max_attempts: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
               CHEMAUDIT_DATABASE_URL=url, CHEMAUDIT_ANALYTICS_LEASE_SECONDS="3", CHEMAUDIT_SWEEP_INTERVAL="0.5",
               CHEMAUDIT_STALE_CHUNK_SECONDS="2", CHEMAUDIT_ANALYTICS_PROCESSES="1", CHEMAUDIT_ANALYTICS_NICE="0",
               CHEMAUDIT_ANALYTICS_MAX_ATTEMPTS=str(max_attempts), dramatiq_queue_prefetch="1")
    return subprocess.Popen([sys.executable, "-m", "dramatiq", "tasks.analytics_worker", "--processes", "1",
                             "--threads", "1", "--queues", ANALYTICS_QUEUE], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # its own group: main and forked worker die together


def new_run(url: str, job_id: str) -> int:
    """A taxonomy run as the API stores it (its token is lost with the killed worker anyway)."""
    with psycopg.connect(url) as conn:
        return conn.execute("INSERT INTO analytics_runs (job_id, type, enqueued_at) VALUES (%s, 'taxonomy', now())"
                            " RETURNING id", (job_id,)).fetchone()[0]


def run_state(url: str, run_id: int) -> dict:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT status, processed, total, attempts, error,"
                           " (SELECT count(*) FROM analytics_taxonomy WHERE run_id = %(id)s)"
                           " FROM analytics_runs WHERE id = %(id)s", {"id": run_id}).fetchone()
    return dict(zip(("status", "processed", "total", "attempts", "error", "rows"), row))


def wait_for(url: str, run_id: int, predicate, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = run_state(url, run_id)
        if predicate(state):
            return state
        time.sleep(0.1)
    raise TimeoutError(f"run {run_id} never got there: {run_state(url, run_id)}")


def kill_mid_run(url: str, run_id: int, worker: subprocess.Popen) -> dict:
    state = wait_for(url, run_id, lambda s: s["status"] == "running" and 0 < s["processed"] < s["total"] // 2)
    os.killpg(worker.pid, signal.SIGKILL)  # dramatiq's main and the worker process it forked
    worker.wait()
    return state


def stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.fixture(scope="module")
def big_job(analysed_job) -> tuple[str, str]:
    return analysed_job.database_url, copy_job(analysed_job.database_url, analysed_job.job_id, MOLECULES)


def test_a_killed_worker_s_run_is_retried_to_complete(big_job):
    url, job_id = big_job
    run_id = new_run(url, job_id)
    first = start_worker(url, max_attempts=3)
    try:
        at_kill = kill_mid_run(url, run_id, first)
    finally:
        stop(first)
    assert run_state(url, run_id)["status"] == "running"  # nothing told it otherwise: the lease will
    second = start_worker(url, max_attempts=3)
    try:
        final = wait_for(url, run_id, lambda s: s["status"] in ("complete", "failed"))
    finally:
        stop(second)
    assert final["status"] == "complete", final
    assert final["attempts"] == 2
    assert final["rows"] == final["total"] > at_kill["processed"]


def test_a_run_whose_worker_is_lost_on_its_last_attempt_ends_failed(big_job):
    url, job_id = big_job
    run_id = new_run(url, job_id)
    first = start_worker(url, max_attempts=1)
    try:
        kill_mid_run(url, run_id, first)
    finally:
        stop(first)
    second = start_worker(url, max_attempts=1)
    try:
        final = wait_for(url, run_id, lambda s: s["status"] != "running")
    finally:
        stop(second)
    assert final["status"] == "failed", final
    assert "worker running it was lost 1 times" in final["error"]
