"""Bulk enqueue on the real PostgreSQL broker: every message lands, hooks run, a consumer is woken."""

from __future__ import annotations

import json
import uuid

import psycopg
from dramatiq.middleware import Middleware

from chemaudit.broker import AUDIT_CHUNK, QUEUE, enqueue_chunks, make_broker


class Recorder(Middleware):
    def __init__(self) -> None:
        self.before: list[str] = []
        self.after: list[str] = []

    def before_enqueue(self, broker, message, delay):
        self.before.append(message.message_id)

    def after_enqueue(self, broker, message, delay):
        self.after.append(message.message_id)


def queued(database_url: str, job_id: str) -> list[dict]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT message::text FROM dramatiq.queue WHERE state = 'queued' AND queue_name = %s",
            (QUEUE,)).fetchall()
    return [m for m in (json.loads(r[0]) for r in rows) if m["args"][0] == job_id]


def test_bulk_enqueue_stores_every_chunk_once_and_runs_the_hooks(settings, database_url):
    recorder = Recorder()
    broker = make_broker(settings, middleware=[recorder])
    job_id = str(uuid.uuid4())
    try:
        assert enqueue_chunks(broker, job_id, range(750)) == 750
    finally:
        broker.close()
    messages = queued(database_url, job_id)
    assert sorted(m["args"][1] for m in messages) == list(range(750))
    assert {m["actor_name"] for m in messages} == {AUDIT_CHUNK}
    assert recorder.before == recorder.after
    assert sorted(recorder.before) == sorted(m["message_id"] for m in messages)


def test_bulk_enqueue_wakes_a_listening_consumer_once(settings, database_url):
    broker = make_broker(settings)
    job_id = str(uuid.uuid4())
    with psycopg.connect(database_url, autocommit=True) as listener:
        listener.execute(f'LISTEN "dramatiq.{QUEUE}.enqueue"')
        try:
            enqueue_chunks(broker, job_id, range(40))
        finally:
            broker.close()
        notices = list(listener.notifies(timeout=1.0, stop_after=None))
    assert len(notices) == 1
    assert len(queued(database_url, job_id)) == 40


def test_a_single_chunk_goes_through_the_brokers_own_enqueue(settings, database_url):
    recorder = Recorder()
    broker = make_broker(settings, middleware=[recorder])
    job_id = str(uuid.uuid4())
    try:
        enqueue_chunks(broker, job_id, [7])
    finally:
        broker.close()
    assert [m["args"][1] for m in queued(database_url, job_id)] == [7]
    assert len(recorder.before) == len(recorder.after) == 1
