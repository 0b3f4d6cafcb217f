"""Deliveries end to end with real processes: the sender as a process of its own (and the worker's
sender thread), a real HTTP receiver checking the signature, a real SMTP server, the receiver
down for a while, a sender killed mid-retry and mid-send, two senders on one outbox."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from psycopg_pool import ConnectionPool

from service.app import create_app
from tasks.chunk_runner import ChunkRunner
from tests.integration.helpers import wait_for_status
from tests.integration.notify_support import (
    FAST,
    Mailbox,
    Receiver,
    SenderProcess,
    deliveries,
    eventually,
    free_port,
)
from tests.integration.test_openapi import assert_conforms

pytestmark = pytest.mark.integration

SMI = b"CC(=O)Oc1ccccc1C(=O)O aspirin\nCn1cnc2c1c(=O)n(C)c(=O)n2C caffeine\nC1CC broken\n"


@pytest.fixture
def app_settings(settings):
    return settings.replace(upload_rate_per_minute=10_000, **FAST)


@pytest.fixture
async def client(app_settings, aiohttp_client):
    return await aiohttp_client(create_app(app_settings))


@pytest.fixture
def senders(database_url, tmp_path):
    started: list[SenderProcess] = []

    def start(**settings) -> SenderProcess:
        sender = SenderProcess(database_url, tmp_path / f"sender-{len(started)}.log", **settings).start()
        started.append(sender)
        return sender

    yield start
    for sender in started:
        sender.kill()


@pytest.fixture
async def receivers():
    started: list[Receiver] = []

    async def start(receiver: Receiver) -> Receiver:
        started.append(await receiver.start())
        return receiver

    yield start
    for receiver in started:
        await receiver.stop()


async def upload(client, **fields) -> str:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("file", SMI, filename="mols.smi")
    response = await client.post("/api/v1/batch/upload", data=form)
    body = await response.json()
    assert response.status == 202, body
    return body["job_id"]


async def cancel(client, job_id: str) -> None:
    assert (await client.delete(f"/api/v1/batch/{job_id}")).status == 200


def settled(database_url: str, count: int):
    """All `count` deliveries have left `pending`: the rows, else None."""
    rows = deliveries(database_url)
    return rows if len(rows) == count and all(r["status"] != "pending" for r in rows) else None


async def notifications(client, job_id: str) -> list[dict]:
    return (await (await client.get(f"/api/v1/batch/{job_id}/notifications")).json())["notifications"]


async def test_each_ending_is_posted_once_signed_in_chemaudits_shape(client, app_settings, database_url, senders,
                                                                      receivers, start_worker):
    receiver = await receivers(Receiver())
    finished, cancelled, failed = [await upload(client, webhook_url=receiver.url) for _ in range(3)]
    await cancel(client, cancelled)
    with ConnectionPool(database_url, min_size=1, max_size=1) as pool:  # the worker's failure path
        ChunkRunner(pool, app_settings.replace(chunk_max_attempts=1)).record_failure(
            failed, 0, RuntimeError("disk on fire"))
    senders()  # a sender process, and the worker's own sender thread: two senders on one outbox
    start_worker(app_settings)
    await wait_for_status(client, finished, lambda body: body["status"] == "complete")
    await eventually(lambda: settled(database_url, 3))
    await eventually(lambda: len(receiver.received) >= 3)
    await asyncio.sleep(1.0)  # ten more rounds of each sender: nothing more may arrive
    assert all(r["attempts"] == 1 for r in deliveries(database_url))
    assert len(receiver.received) == 3, [r.body for r in receiver.received]
    payloads = {}
    for request in receiver.received:
        assert request.signed, request.headers
        assert request.path == "/hooks/chemaudit" and request.headers["Content-Type"] == "application/json"
        assert request.headers["X-ChemAudit-Signature"] == request.headers["X-Signature"]
        payload = json.loads(request.body)
        assert request.headers["X-Hook-Event"] == payload["event"]
        payloads[payload["job_id"]] = payload
    assert set(payloads) == {finished, cancelled, failed}
    done = payloads[finished]
    assert (done["event"], done["status"], done["molecule_count"]) == ("batch_complete", "complete", 3)
    assert (done["pass_count"], done["fail_count"]) == (2, 1) and done["avg_score"] > 0
    assert done["report_url"].endswith(f"/#/job/{finished}") and done["timestamp"]
    assert (payloads[cancelled]["event"], payloads[cancelled]["molecule_count"]) == ("batch_cancelled", 0)
    assert payloads[failed]["event"] == "batch_failed" and "disk on fire" in payloads[failed]["error_message"]
    answer = await client.get(f"/api/v1/batch/{finished}/notifications")
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert_conforms(document, "/api/v1/batch/{job_id}/notifications", "get", answer.status, await answer.json())
    [shown] = (await answer.json())["notifications"]
    assert (shown["status"], shown["attempts"], shown["transition"]) == ("delivered", 1, "complete")
    assert shown["history"][0]["status_code"] == 200 and shown["history"][0]["finished_at"]


async def test_a_receiver_down_for_a_while_gets_the_delivery_once_it_is_back(client, database_url, senders,
                                                                             receivers):
    receiver = Receiver(port=free_port())  # nothing listens there yet
    job_id = await upload(client, webhook_url=receiver.url)
    await cancel(client, job_id)
    senders()
    await eventually(lambda: deliveries(database_url, job_id)[0]["attempts"] >= 3)
    await receivers(receiver)
    [row] = await eventually(lambda: settled(database_url, 1))
    assert row["status"] == "delivered" and len(receiver.received) == 1 and receiver.received[0].signed
    *refused, last = row["tries"]
    assert len(refused) >= 2 and all("cannot connect" in t["error"] and t["status_code"] is None for t in refused)
    assert last["status_code"] == 200 and last["error"] is None
    [shown] = await notifications(client, job_id)
    assert shown["status"] == "delivered" and shown["attempts"] == len(row["tries"])
    assert shown["last_error"] is None and "cannot connect" in shown["history"][0]["error"]


async def test_a_sender_killed_mid_retry_delivers_once_after_a_restart(client, database_url, senders, receivers):
    receiver = await receivers(Receiver(answers=[503, 503]))
    job_id = await upload(client, webhook_url=receiver.url)
    await cancel(client, job_id)
    first = senders(notify_retry_base=2.0, notify_retry_max=2.0)
    await eventually(lambda: any(t["finished_at"] for t in deliveries(database_url, job_id)[0]["tries"]))
    first.kill()  # waiting out its backoff before attempt 2
    assert deliveries(database_url, job_id)[0]["status"] == "pending"
    senders()
    [row] = await eventually(lambda: settled(database_url, 1))
    assert row["status"] == "delivered"
    assert [t["status_code"] for t in row["tries"]] == [503, 503, 200]
    assert len(receiver.accepted()) == 1
    # every try carried the same bytes, signature and delivery id: a receiver can tell a resend
    assert len({(r.body, r.headers["X-Signature"], r.headers["X-ChemAudit-Delivery"]) for r in receiver.received}) == 1


async def test_a_sender_killed_while_sending_leaves_the_attempt_open_and_another_retries_it(
        client, database_url, senders, receivers):
    receiver = await receivers(Receiver(answers=[(503, 3)]))  # holds the first request
    job_id = await upload(client, webhook_url=receiver.url)
    await cancel(client, job_id)
    first = senders(notify_timeout=0.5)
    await eventually(lambda: receiver.received)
    first.kill()
    senders(notify_timeout=0.5)  # its lease (6 x 0.5 + 1 s) has to run out first
    [row] = await eventually(lambda: settled(database_url, 1))
    assert row["status"] == "delivered" and len(receiver.accepted()) == 1
    interrupted, delivered = row["tries"]
    assert interrupted["finished_at"] is None and interrupted["status_code"] is None
    assert delivered["status_code"] == 200
    [shown] = await notifications(client, job_id)
    assert shown["history"][0]["finished_at"] is None and shown["attempts"] == 2


async def test_two_senders_share_the_outbox_and_each_delivery_goes_once(client, database_url, senders,
                                                                        receivers):
    receiver = await receivers(Receiver())
    jobs = [await upload(client, webhook_url=receiver.url) for _ in range(12)]
    for job_id in jobs:
        await cancel(client, job_id)
    senders(), senders()
    rows = await eventually(lambda: settled(database_url, 12))
    assert all(r["status"] == "delivered" and r["attempts"] == 1 for r in rows)
    ids = [r.headers["X-ChemAudit-Delivery"] for r in receiver.received]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert {json.loads(r.body)["job_id"] for r in receiver.received} == set(jobs)


async def test_an_address_the_sender_does_not_allow_fails_at_once_with_the_reason(client, database_url,
                                                                                 senders, receivers):
    receiver = await receivers(Receiver())
    job_id = await upload(client, webhook_url=receiver.url)  # this web node allows 127.0.0.0/8...
    await cancel(client, job_id)
    senders(webhook_allow_networks="")  # ...the sender does not
    [row] = await eventually(lambda: settled(database_url, 1))
    assert row["status"] == "failed" and row["attempts"] == 1 and receiver.received == []
    assert "127.0.0.1 is not a public address" in row["last_error"]
    [shown] = await notifications(client, job_id)
    assert shown["status"] == "failed" and "not a public address" in shown["last_error"]


async def test_the_email_reaches_a_real_smtp_server_after_a_refusal(app_settings, aiohttp_client, database_url,
                                                                    start_worker):
    with Mailbox(refuse=1) as mailbox:
        mail_settings = app_settings.replace(smtp_host="127.0.0.1", smtp_port=mailbox.port, smtp_tls=False,
                                             smtp_from="chemaudit@lab.example.org",
                                             base_url="https://chemaudit.example.org")
        client = await aiohttp_client(create_app(mail_settings))
        job_id = await upload(client, notification_email="chemist@example.org")
        start_worker(mail_settings)  # the worker's own sender thread sends it
        [row] = await eventually(lambda: settled(database_url, 1))
        assert row["status"] == "delivered", row
        assert [t["status_code"] for t in row["tries"]] == [451, 250]
        [message] = mailbox.messages
        assert mailbox.envelopes == [("chemaudit@lab.example.org", ["chemist@example.org"])]
    assert message["Subject"] == f"ChemAudit: Batch {job_id[:8]} complete"
    assert message["To"] == "chemist@example.org"
    plain = message.get_body(("plain",)).get_content()
    assert "Total molecules: 3" in plain and "Passed: 2" in plain and "Failed: 1" in plain
    assert f"https://chemaudit.example.org/#/job/{job_id}" in plain
    assert f"/#/job/{job_id}" in message.get_body(("html",)).get_content()
