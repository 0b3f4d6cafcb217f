"""Real audited jobs for the results, export and reporting tests.

A job is made the real way: a file uploaded over HTTP to the real app, audited by real Dramatiq
worker threads, waited for until complete. The 2,000-molecule job is expensive, so it is made
once per test session and shared (`nci_job`); tests only read it, or copy it into jobs of
their own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from psycopg.rows import dict_row

from chemaudit.settings import Settings
from service.app import create_app
from tests.conftest import InProcessWorker
from tests.integration.helpers import TERMINAL, upload, wait_for_status
from tests.support import pg
from tests.support.molecules import nci_smiles

# Records no toolkit can read, spread through the real molecules as they would be in a real file.
UNREADABLE = ("C1CC", "not_a_smiles", "CC(=O", "c1cccc1", "[Xx]C", "C%", "CC))C", "C1=CC=CC=C", "Q", "C(C")

NCI_JOB_MOLECULES = 2_000  # the shared job: enough for every page, filter and export path
NCI_JOB_ROWS = NCI_JOB_MOLECULES + len(UNREADABLE)  # with the unreadable records among them

REPO = Path(__file__).resolve().parents[2]
RESULT_FIELDS = ("idx, name, smiles, status, error, score, canonical_smiles, inchikey, qed, sa_score,"
                 " ml_score, lipinski_passed, issue_count, alert_count, failed_checks, alert_catalogs")


def write_nci_csv(path: Path, count: int) -> Path:
    """`count` real NCI molecules, with the unreadable records placed every count/10 lines."""
    lines = ["SMILES,Name"]
    step = max(1, count // len(UNREADABLE))
    for i, (smiles, name) in enumerate(nci_smiles(count)):
        if i % step == step // 2 and i // step < len(UNREADABLE):
            lines.append(f"{UNREADABLE[i // step]},unreadable_{i // step}")
        lines.append(f"{smiles},{name}")
    path.write_text("\n".join(lines) + "\n")
    return path


def job_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, chunk_size=250, commit_interval=0.25,
                    event_min_interval=0.25, sweep_interval=2.0, stale_chunk_seconds=60.0,
                    listener_probe_interval=1.0)


async def _upload_and_wait(settings: Settings, path: Path, timeout: float, fields: dict) -> str:
    async with TestClient(TestServer(create_app(settings))) as client:
        job_id = (await upload(client, path, **fields))["job_id"]
        final = await wait_for_status(client, job_id, lambda body: body["status"] in TERMINAL, timeout)
        assert final["status"] == "complete", final
        return job_id


def run_pipeline(settings: Settings, path: Path, timeout: float = 600, **fields) -> str:
    """Upload `path` and wait for its job to complete; in a thread with its own event loop, so
    fixtures of any scope can call it. Workers must be running."""
    outcome: dict = {}

    def target():
        try:
            outcome["job_id"] = asyncio.run(_upload_and_wait(settings, path, timeout, fields))
        except BaseException as exc:  # handed back to the calling thread just below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="run-pipeline")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["job_id"]


class WorkerProcesses:
    """Real `dramatiq tasks.worker` processes (the CLI's workers), one per CPU the audit may use."""

    def __init__(self, settings: Settings, count: int):
        path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        env = dict(os.environ, PYTHONPATH=path, CHEMAUDIT_DATABASE_URL=settings.database_url,
                   CHEMAUDIT_CHUNK_SIZE=str(settings.chunk_size),
                   CHEMAUDIT_COMMIT_INTERVAL=str(settings.commit_interval),
                   CHEMAUDIT_EVENT_MIN_INTERVAL=str(settings.event_min_interval))
        command = [sys.executable, "-m", "dramatiq", "tasks.worker", "--processes", "1",
                   "--threads", "1", "--queues", "chemaudit"]
        self.processes = [subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL) for _ in range(count)]

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def audit_files(settings: Settings, files: list[tuple[Path, dict]], processes: int = 0) -> list[str]:
    """Audit each file in turn: with `processes`, by that many worker processes, else by
    worker threads inside this process."""
    worker = WorkerProcesses(settings, processes) if processes else InProcessWorker(settings, threads=2).start()
    try:
        return [run_pipeline(settings, path, **fields) for path, fields in files]
    finally:
        worker.stop()


def run_one_chunk(settings: Settings, job_id: str) -> int:
    """Audit the job's next chunk right here, with the workers' own chunk runner; its number."""
    from psycopg_pool import ConnectionPool

    from tasks.chunk_runner import ChunkRunner

    with ConnectionPool(settings.sync_database_url, min_size=1, max_size=2) as pool:
        return ChunkRunner(pool, settings).run_next(uuid.UUID(job_id)).chunk_no


def result_rows(database_url: str, job_id: str) -> list[dict]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(f"SELECT {RESULT_FIELDS} FROM results WHERE job_id = %s ORDER BY idx",
                            (job_id,)).fetchall()


def copy_job(database_url: str, job_id: str, total: int) -> str:
    """A new complete job of exactly `total` distinct records, made of copies of the job's
    inputs and results renumbered (idx + k * n) and renamed ("name#k")."""
    new_id = str(uuid.uuid4())
    with psycopg.connect(database_url) as conn:
        n = conn.execute("SELECT count(*) FROM results WHERE job_id = %s", (job_id,)).fetchone()[0]
        conn.execute(
            "INSERT INTO jobs (id, status, filename, format, total, processed, errors, chunk_count,"
            " started_at, finished_at)"
            " SELECT %(new)s, 'complete', 'copies_' || filename, format, %(total)s, %(total)s, 0, 0,"
            " now() - interval '1 minute', now() FROM jobs WHERE id = %(old)s",
            {"new": new_id, "old": job_id, "total": total})
        for table, columns in (("job_inputs", "name, kind, text, error"),
                               ("results", "name, smiles, status, error, score, canonical_smiles,"
                                " inchikey, qed, sa_score, ml_score, lipinski_passed, issue_count,"
                                " alert_count, failed_checks, alert_catalogs, detail, scaffold")):
            renamed = columns.replace("name,", "name || '#' || k,", 1)
            conn.execute(
                f"INSERT INTO {table} (job_id, idx, {columns})"
                f" SELECT %(new)s, idx + k * %(n)s, {renamed}"
                f" FROM {table}, generate_series(0, %(total)s / %(n)s) AS k"
                f" WHERE job_id = %(old)s AND idx + k * %(n)s < %(total)s",
                {"new": new_id, "old": job_id, "n": n, "total": total})
        conn.execute("UPDATE jobs SET errors = (SELECT count(*) FROM results WHERE job_id = %(id)s"
                     " AND status = 'error') WHERE id = %(id)s", {"id": new_id})
    return new_id


@dataclass
class AuditedJob:
    database_url: str
    settings: Settings
    job_id: str


class _Shared:
    """One database and job for the whole session, however many modules use the fixture."""

    job: AuditedJob | None = None
    database = ""
    lock = threading.Lock()


@pytest.fixture(scope="session")
def nci_job(pg_admin_url, template_database, tmp_path_factory):
    """2,000 real NCI molecules (SMILES from RDKit's data folder) audited by the real pipeline."""
    with _Shared.lock:
        if _Shared.job is None:
            name = pg.unique_name("chemaudit_nci5k")
            url = pg.create_database(pg_admin_url, name, template=template_database)
            settings = job_settings(url)
            path = write_nci_csv(tmp_path_factory.mktemp("nci2k") / "nci_2k.csv", NCI_JOB_MOLECULES)
            # Two worker processes: the chemistry holds the GIL, so threads would not run in parallel.
            _Shared.job = AuditedJob(url, settings, audit_files(settings, [(path, {})], processes=2)[0])
            _Shared.database = name
    yield _Shared.job
    with _Shared.lock:  # session teardown: after every module that used it
        if _Shared.job is not None:
            pg.drop_database(pg_admin_url, _Shared.database)
            _Shared.job = None


@pytest.fixture(scope="module")
def job_30k(nci_job):
    """30,000 distinct records: the 2,000-molecule job copied 15 times (copy_job); per module."""
    job_id = copy_job(nci_job.database_url, nci_job.job_id, 30_000)
    yield job_id
    with psycopg.connect(nci_job.database_url) as conn:
        conn.execute("DELETE FROM jobs WHERE id = %s", (job_id,))
