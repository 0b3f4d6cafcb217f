"""Running a mix of jobs of several owners at once, and reading rates and ETA errors from it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg

from bench.common import OUT, ROOT
from bench.harness import Server, chemaudit_command, follow, upload

# Every job audits afresh: the mixes reuse one file, and this measures scheduling, not the cache.
FRESH = {"reuse": "false"}
KEYS = [f"bench-owner-{n}" for n in range(4)]  # one API key per owner


@dataclass
class OwnerJob:
    key: str
    path: Path
    delay: float = 0.0  # seconds after the mix starts
    messages: list[tuple[float, dict]] = field(default_factory=list)
    started: float = 0.0

    @property
    def ended(self) -> float:
        return self.messages[-1][0]

    def processed_at(self, moment: float) -> float:
        """Molecules processed at `moment`, interpolated between the messages around it."""
        before = (self.started, 0)
        for at, message in self.messages:
            if at >= moment:
                span = at - before[0]
                share = (moment - before[0]) / span if span > 0 else 1.0
                return before[1] + share * (message["processed"] - before[1])
            before = (at, message["processed"])
        return before[1]

    def first_progress(self) -> float:
        return next((at for at, m in self.messages if m["processed"] > 0), self.ended)

    def eta_errors(self, min_remaining: float = 3.0, own_rate: bool = False) -> list[float]:
        """|eta - actual remaining| / actual remaining for every running message with progress.

        With `own_rate`, the ETA is not the service's but the one the job's own rate over the
        last 15 s of its messages gives (what the service sent before the shared ETA).
        """
        errors = []
        for at, message in self.messages:
            remaining = self.ended - at
            if message["status"] == "processing" and message["processed"] > 0 and remaining >= min_remaining:
                eta = self._own_rate_eta(at, message) if own_rate else message["eta_seconds"]
                errors.append(abs(eta - remaining) / remaining)
        return errors

    def _own_rate_eta(self, at: float, message: dict, window: float = 15.0) -> float:
        anchor = next(((t, m["processed"]) for t, m in self.messages
                       if t >= at - window and m["processed"] > 0), None)
        if anchor is not None and at - anchor[0] >= 0.5 and message["processed"] > anchor[1]:
            rate = (message["processed"] - anchor[1]) / (at - anchor[0])
        else:
            rate = message["processed"] / max(at - self.first_progress(), 0.25)
        return (message["total"] - message["processed"]) / rate


async def _run_one(server: Server, job: OwnerJob, origin: float, timeout: float) -> None:
    await asyncio.sleep(max(0.0, origin + job.delay - time.time()))
    async with aiohttp.ClientSession(headers={"X-API-Key": job.key}) as session:
        accepted = await upload(session, server.base, job.path, fields=FRESH)
        job.started = accepted.started
        job.messages = await follow(session, server.ws_base, accepted.job_id, timeout)


async def run_mix(server: Server, jobs: list[OwnerJob], timeout: float) -> dict:
    origin = time.time() + 0.5
    await asyncio.gather(*(_run_one(server, job, origin, timeout) for job in jobs))
    molecules = sum(job.messages[-1][1]["processed"] for job in jobs)
    span = max(job.ended for job in jobs) - min(job.started for job in jobs)
    return {"jobs": jobs, "throughput": molecules / span, "seconds": span}


def job_rates(jobs: list[OwnerJob]) -> list[float]:
    """Each job's molecules per second over the window in which every job of the mix was running."""
    begin = max(job.first_progress() for job in jobs)
    end = min(job.ended for job in jobs)
    if end - begin < 1.0:
        raise RuntimeError(f"the jobs ran together for only {end - begin:.2f} s: make them bigger")
    return [(job.processed_at(end) - job.processed_at(begin)) / (end - begin) for job in jobs]


class WorkerNode:
    """A second worker node: `chemaudit worker --workers 1` on the server's database."""

    def __init__(self, server: Server):
        self.server = server
        self.process: subprocess.Popen | None = None
        self.log_path = OUT / f"{server.label}-worker-node.log"

    def start(self, timeout: float = 120) -> None:
        env = {**os.environ, "CHEMAUDIT_DATABASE_URL": self.server.database_url}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(chemaudit_command() + ["worker", "--workers", "1"], env=env,
                                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.server.database_url, autocommit=True) as conn:
            while conn.execute("SELECT count(*) FROM dramatiq.worker").fetchone()[0] < self.server.workers + 1:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"the second worker node did not start; see {self.log_path}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
