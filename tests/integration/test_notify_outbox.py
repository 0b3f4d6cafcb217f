"""Notification targets at upload and the outbox the terminal transition fills: real PostgreSQL,
the real app, the worker's own failure path; no sender runs here (test_notify_delivery.py)."""

from __future__ import annotations

import aiohttp
import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from chemaudit.db import queries as q
from service.app import create_app
from service.http.auth import hash_key
from tasks.chunk_runner import ChunkRunner
from tests.integration.notify_support import FAST, deliveries
from tests.integration.test_openapi import assert_conforms

pytestmark = pytest.mark.integration

SMI = b"CCO ethanol\nCCN ethylamine\nc1ccccc1 benzene\n"
USER_HOOK = "http://127.0.0.1:9/hooks/user"
SERVICE_HOOK = "http://127.0.0.1:9/hooks/ops"


def notify_settings(settings, **changes):
    return settings.replace(**{"upload_rate_per_minute": 10_000, "smtp_host": "127.0.0.1", "smtp_tls": False,
                               **FAST, **changes})


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(notify_settings(settings, webhook_url=SERVICE_HOOK)))


async def post(client, *fields: tuple[str, str]) -> tuple[int, dict]:
    form = aiohttp.FormData()
    for name, value in fields:
        form.add_field(name, value)
    form.add_field("file", SMI, filename="mols.smi")
    response = await client.post("/api/v1/batch/upload", data=form)
    return response.status, await response.json()


def job_rows(database_url: str) -> list[dict]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT id, options FROM jobs").fetchall()


@pytest.mark.parametrize("fields,code", [
    ([("webhook_url", "ftp://example.org/hook")], "invalid_webhook_url"),
    ([("webhook_url", "https://user:pw@example.org/hook")], "invalid_webhook_url"),
    ([("webhook_url", "http://169.254.169.254/latest/meta-data")], "webhook_not_allowed"),
    ([("webhook_url", "http://localhost:5432/")], "webhook_not_allowed"),
    ([("notification_email", "a@b.org, c@d.org")], "invalid_email"),
    ([("webhook_url", "https://example.org/h"), ("webhook_secret", "short")], "invalid_webhook_secret"),
])
async def test_bad_notification_fields_are_a_422_and_store_nothing(settings, aiohttp_client, database_url,
                                                                   fields, code):
    client = await aiohttp_client(create_app(notify_settings(settings, webhook_allow_networks="")))
    status, body = await post(client, *fields)
    assert status == 422 and body["error"] == code and body["detail"], body
    assert job_rows(database_url) == []


async def test_email_without_an_smtp_server_is_a_422(settings, aiohttp_client, database_url):
    client = await aiohttp_client(create_app(notify_settings(settings, smtp_host="")))
    status, body = await post(client, ("notification_email", "chemist@example.org"))
    assert status == 422 and body["error"] == "email_not_configured", body
    assert job_rows(database_url) == []


async def test_targets_are_stored_with_the_job_and_shown_waiting_without_secrets(client, database_url):
    status, body = await post(client, ("webhook_url", USER_HOOK), ("webhook_secret", "my-own-secret-1234567"),
                              ("notification_email", "chemist@example.org"))
    assert status == 202, body
    [job] = job_rows(database_url)
    assert not {"webhook_url", "webhook_secret", "notification_email"} & set(job["options"])
    answer = await (await client.get(f"/api/v1/batch/{body['job_id']}/notifications")).json()
    assert answer["status"] == "processing"
    shown = [(n["channel"], n["source"], n["target"], n["status"], n["attempts"], n["history"])
             for n in answer["notifications"]]
    assert shown == [("webhook", "upload", USER_HOOK, "waiting", 0, []),
                     ("webhook", "service", None, "waiting", 0, []),
                     ("email", "upload", "chemist@example.org", "waiting", 0, [])]
    assert "my-own-secret" not in str(answer)
    assert deliveries(database_url, body["job_id"]) == []


async def test_the_end_of_a_job_queues_one_delivery_per_target_exactly_once(client, database_url):
    status, body = await post(client, ("webhook_url", USER_HOOK), ("notification_email", "chemist@example.org"))
    job_id = body["job_id"]
    with psycopg.connect(database_url) as conn:  # progress moves the row without ending it: no delivery
        conn.execute(q.advance_job(job_id, 1, 0).sql, q.advance_job(job_id, 1, 0).params)
    assert deliveries(database_url, job_id) == []
    for _ in range(2):  # a second cancel finds the job ended and changes nothing
        assert (await client.delete(f"/api/v1/batch/{job_id}")).status == 200
    with psycopg.connect(database_url) as conn:  # nor does touching an ended job's status
        conn.execute("UPDATE jobs SET status = 'cancelled' WHERE id = %s", (job_id,))
    rows = deliveries(database_url, job_id)
    assert sorted((r["channel"], r["target"], r["transition"], r["status"], r["attempts"]) for r in rows) == [
        ("email", "chemist@example.org", "cancelled", "pending", 0),
        ("webhook", SERVICE_HOOK, "cancelled", "pending", 0),
        ("webhook", USER_HOOK, "cancelled", "pending", 0)]
    answer = await (await client.get(f"/api/v1/batch/{job_id}/notifications")).json()
    assert {n["status"] for n in answer["notifications"]} == {"pending"}
    assert {n["transition"] for n in answer["notifications"]} == {"cancelled"}


async def test_a_failing_transition_queues_its_deliveries_and_a_rolled_back_one_none(client, settings,
                                                                                   database_url):
    failing = (await post(client, ("webhook_url", USER_HOOK)))[1]["job_id"]
    rolled_back = (await post(client, ("webhook_url", USER_HOOK)))[1]["job_id"]
    with psycopg.connect(database_url) as conn:
        conn.execute(q.fail_job(rolled_back, "never committed").sql, q.fail_job(rolled_back, "x").params)
        assert len(conn.execute("SELECT 1 FROM notification_outbox WHERE job_id = %s", (rolled_back,)).fetchall()) == 2
        conn.rollback()
    assert deliveries(database_url, rolled_back) == []
    with ConnectionPool(database_url, min_size=1, max_size=1) as pool:  # the worker's own failure path
        runner = ChunkRunner(pool, settings.replace(chunk_max_attempts=1))
        runner.record_failure(failing, 0, RuntimeError("disk on fire"))
    assert {(r["transition"], r["target"]) for r in deliveries(database_url, failing)} == {
        ("failed", USER_HOOK), ("failed", SERVICE_HOOK)}


async def test_an_unknown_jobs_notifications_are_a_404(client):
    for job_id in ("550e8400-e29b-41d4-a716-446655440000", "not-a-job"):
        response = await client.get(f"/api/v1/batch/{job_id}/notifications")
        assert response.status == 404 and (await response.json())["error"] == "job_not_found"


async def test_a_node_refuses_to_start_with_a_webhook_it_cannot_sign(settings):
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        create_app(settings.replace(webhook_url=SERVICE_HOOK))


async def test_the_answers_conform_to_the_openapi_document(client):
    document = await (await client.get("/api/v1/openapi.json")).json()
    path = "/api/v1/batch/{job_id}/notifications"
    status, body = await post(client, ("webhook_url", USER_HOOK), ("notification_email", "chemist@example.org"))
    assert_conforms(document, "/api/v1/batch/upload", "post", status, body)
    job_id = body["job_id"]
    waiting = await client.get(f"/api/v1/batch/{job_id}/notifications")
    assert_conforms(document, path, "get", waiting.status, await waiting.json())
    await client.delete(f"/api/v1/batch/{job_id}")
    pending = await client.get(f"/api/v1/batch/{job_id}/notifications")
    assert_conforms(document, path, "get", pending.status, await pending.json())
    unknown = await client.get("/api/v1/batch/not-a-job/notifications")
    assert_conforms(document, path, "get", unknown.status, await unknown.json())
    status, body = await post(client, ("webhook_url", "gopher://example.org/"))
    assert status == 422
    assert_conforms(document, "/api/v1/batch/upload", "post", status, body)


async def test_another_keys_job_has_no_notifications_to_show(settings, aiohttp_client):
    keys = f"{hash_key('alice-key')},{hash_key('bob-key')}"
    client = await aiohttp_client(create_app(notify_settings(settings, api_key_hashes=keys)))
    form = aiohttp.FormData()
    form.add_field("webhook_url", USER_HOOK)
    form.add_field("file", SMI, filename="mols.smi")
    response = await client.post("/api/v1/batch/upload", data=form, headers={"X-API-Key": "alice-key"})
    job_id = (await response.json())["job_id"]
    path = f"/api/v1/batch/{job_id}/notifications"
    assert (await client.get(path, headers={"X-API-Key": "alice-key"})).status == 200
    assert (await client.get(path, headers={"X-API-Key": "bob-key"})).status == 404
    assert (await client.get(path)).status == 401
