"""A notification across a worker's death: the real `chemaudit web` and `chemaudit worker`, a real
webhook receiver; the worker process holding a delivery in backoff is killed and replaced."""

from __future__ import annotations

import json
import os
import signal

import aiohttp
import pytest

from tests.faults import client
from tests.integration.notify_support import SECRET, Receiver, deliveries, eventually

pytestmark = pytest.mark.faults

SMI = b"CC(=O)Oc1ccccc1C(=O)O aspirin\nCn1cnc2c1c(=O)n(C)c(=O)n2C caffeine\nC1CC broken\n"
ENV = {"CHEMAUDIT_WEBHOOK_SECRET": SECRET, "CHEMAUDIT_WEBHOOK_ALLOW_NETWORKS": "127.0.0.1",
       "CHEMAUDIT_NOTIFY_POLL_INTERVAL": "0.2", "CHEMAUDIT_NOTIFY_RETRY_BASE": "4",
       "CHEMAUDIT_NOTIFY_RETRY_MAX": "4"}


async def upload(base: str, **fields: str) -> str:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("file", SMI, filename="mols.smi")
    async with aiohttp.ClientSession() as session, session.post(f"{base}/api/v1/batch/upload", data=form) as answer:
        body = await answer.json()
        assert answer.status == 202, body
        return body["job_id"]


async def test_a_worker_killed_while_a_webhook_waits_to_retry_is_replaced_and_delivers_once(
        make_cluster, fresh_database):
    receiver = await Receiver(answers=[503]).start()
    try:
        cluster = make_cluster(**ENV).start_web().start_workers(1)
        [worker] = cluster.wait_worker_pids(1)
        job_id = await upload(cluster.base, webhook_url=receiver.url)
        await client.wait_status(cluster.base, job_id, lambda s: s["status"] == "complete")
        await eventually(lambda: any(t["status_code"] == 503 for t in deliveries(fresh_database, job_id)[0]["tries"]))
        os.kill(worker, signal.SIGKILL)  # its sender holds nothing now: the row waits out its backoff
        await eventually(lambda: [pid for pid in cluster.worker_pids() if pid != worker])  # its replacement
        [row] = await eventually(lambda: [r for r in deliveries(fresh_database, job_id) if r["status"] != "pending"],
                                 timeout=90)
    finally:
        await receiver.stop()
    assert row["status"] == "delivered", cluster.logs()
    assert [t["status_code"] for t in row["tries"]] == [503, 200]
    assert len(receiver.accepted()) == 1 and all(r.signed for r in receiver.received)
    payload = json.loads(receiver.accepted()[0].body)
    assert (payload["event"], payload["job_id"], payload["molecule_count"]) == ("batch_complete", job_id, 3)
