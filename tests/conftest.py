"""Shared fixtures: databases cloned from a migrated template, settings, in-process workers."""

from __future__ import annotations

import dramatiq
import pytest

from chemaudit.broker import QUEUE, make_broker
from chemaudit.db import migrate
from chemaudit.settings import Settings
from tests.support import pg


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup`: modules whole, and the groups of tests/support/test_groups.py."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests.support.test_groups import ModuleGroupScheduling

    return ModuleGroupScheduling(config, log)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return pg.admin_url()


@pytest.fixture(scope="session")
def template_database(pg_admin_url):
    name = pg.unique_name("chemaudit_tpl")
    url = pg.create_database(pg_admin_url, name)
    migrate.upgrade(url)
    yield name
    pg.drop_database(pg_admin_url, name)


@pytest.fixture
def database_url(pg_admin_url, template_database):
    name = pg.unique_name("chemaudit_t")
    url = pg.create_database(pg_admin_url, name, template=template_database)
    yield url
    pg.drop_database(pg_admin_url, name)


@pytest.fixture
def fresh_database(pg_admin_url, template_database):
    """A migrated database for tests that run the service in other processes."""
    name = pg.unique_name("chemaudit_fault")
    url = pg.create_database(pg_admin_url, name, template=template_database)
    yield url
    pg.drop_database(pg_admin_url, name)


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url, chunk_size=50, commit_interval=0.05,
                    event_min_interval=0.05, sweep_interval=1.0, stale_chunk_seconds=5.0,
                    listener_probe_interval=0.5)


class InProcessWorker:
    """Real Dramatiq worker threads on the real broker, inside the test process."""

    def __init__(self, settings: Settings, threads: int = 2):
        from tasks.actors import WorkerResources, declare_actors

        self.broker = make_broker(settings)
        self.resources = WorkerResources(settings)
        self.actors = declare_actors(self.broker, self.resources)
        self.threads = threads
        self.worker: dramatiq.Worker | None = None

    def start(self) -> InProcessWorker:
        self.resources.open(self.broker)
        self.worker = dramatiq.Worker(self.broker, queues={QUEUE}, worker_threads=self.threads,
                                      worker_timeout=100)
        self.worker.start()
        return self

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop(timeout=10_000)
            self.worker = None
        self.resources.close()
        self.broker.close()


@pytest.fixture
def start_worker(settings):
    started: list[InProcessWorker] = []

    def start(custom: Settings | None = None, threads: int = 2) -> InProcessWorker:
        worker = InProcessWorker(custom or settings, threads).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
