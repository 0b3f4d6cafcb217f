"""The worker pools one node runs: audit workers, and the analytics workers on their own queue.

Each pool is a `WorkerSupervisor`; this starts, waits for and stops them together, so
`chemaudit worker` and `chemaudit serve` run both with the same lifecycle. Analytics workers
(`CHEMAUDIT_ANALYTICS_WORKERS`, 0 for none) consume only the analytics queue, so an analysis
never holds an audit worker.
"""

from __future__ import annotations

from chemaudit.analytics.messages import ANALYTICS_QUEUE
from chemaudit.settings import Settings
from service.ops.supervisor import WorkerSupervisor, worker_command


class WorkerPools:
    def __init__(self, settings: Settings, env: dict[str, str]):
        self.pools = [WorkerSupervisor(settings.workers, settings.worker_threads, env)]
        if settings.analytics_workers > 0:
            self.pools.append(WorkerSupervisor(
                settings.analytics_workers, 1, {**env, "dramatiq_queue_prefetch": "1"},
                worker_command(1, "tasks.analytics_worker", ANALYTICS_QUEUE)))

    def start(self) -> None:
        for pool in self.pools:
            pool.start()

    def wait(self) -> None:
        self.pools[0].wait()

    def request_stop(self) -> None:
        for pool in self.pools:
            pool.request_stop()

    def stop(self) -> None:
        for pool in self.pools:
            pool.stop()

    def pids(self) -> list[int]:
        return [pid for pool in self.pools for pid in pool.pids()]
