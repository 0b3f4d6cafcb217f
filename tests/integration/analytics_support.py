"""A real audited job for the analytics tests, an in-process analytics worker, and run helpers."""

from __future__ import annotations

import asyncio

import dramatiq
import psycopg
import pytest
from rdkit.Chem import rdFingerprintGenerator

from chemaudit.analytics.messages import ANALYTICS_QUEUE
from chemaudit.broker import make_broker
from chemaudit.settings import Settings
from tasks.analytics_actors import AnalyticsResources, declare_analytics_actors
from tests.integration.audited_jobs import AuditedJob, audit_files, job_settings, write_nci_csv
from tests.support import pg

MOLECULES = 600
GENERATOR = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


class AnalyticsWorker:
    """Real Dramatiq worker threads on the analytics queue, inside the test process."""

    def __init__(self, settings: Settings):
        self.broker = make_broker(settings)
        self.resources = AnalyticsResources(settings)
        declare_analytics_actors(self.broker, self.resources)
        self.worker: dramatiq.Worker | None = None

    def start(self) -> AnalyticsWorker:
        self.resources.open(self.broker)
        self.worker = dramatiq.Worker(self.broker, queues={ANALYTICS_QUEUE}, worker_threads=1, worker_timeout=100)
        self.worker.start()
        return self

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop(timeout=10_000)
        self.resources.close()
        self.broker.close()


def analytics_settings(url: str) -> Settings:
    return job_settings(url).replace(sweep_interval=0.5, stale_chunk_seconds=2.0, analytics_lease_seconds=3.0,
                                     analytics_processes=1, analytics_threads=1)


@pytest.fixture(scope="module")
def analysed_job(pg_admin_url, template_database, tmp_path_factory):
    """MOLECULES real NCI molecules (with unreadable records among them), audited for real."""
    name = pg.unique_name("chemaudit_analytics")
    url = pg.create_database(pg_admin_url, name, template=template_database)
    settings = analytics_settings(url)
    path = write_nci_csv(tmp_path_factory.mktemp("analytics") / "nci.csv", MOLECULES)
    yield AuditedJob(url, settings, audit_files(settings, [(path, {})])[0])
    pg.drop_database(pg_admin_url, name)


@pytest.fixture(scope="module")
def analytics_worker(analysed_job):
    worker = AnalyticsWorker(analysed_job.settings).start()
    yield worker
    worker.stop()


@pytest.fixture
async def client(aiohttp_client, analysed_job, analytics_worker):
    """The real app on the analysed job's database, with the analytics worker running."""
    from service.app import create_app

    return await aiohttp_client(create_app(analysed_job.settings))


def audited_smiles(url: str, job_id: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT idx, canonical_smiles FROM result_rows WHERE job_id = %s AND status = 'success'"
                            " AND canonical_smiles IS NOT NULL ORDER BY idx", (job_id,)).fetchall()


async def run_analysis(client, job_id: str, analysis_type: str, params: dict | None = None,
                       timeout: float = 120) -> dict:
    """Start an analysis over HTTP and wait for its run to end; the run's details."""
    response = await client.post(f"/api/v1/batch/{job_id}/analytics/{analysis_type}", json=params or {})
    body = await response.json()
    assert response.status in (200, 202), body
    async with asyncio.timeout(timeout):
        while True:
            run = await (await client.get(f"/api/v1/analytics/{body['run_id']}")).json()
            if run["status"] in ("complete", "failed"):
                return run
            await asyncio.sleep(0.1)
