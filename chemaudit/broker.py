"""The message broker, chosen by settings: PostgreSQL (default) or Redis.

Messages carry ids only. Both sides refer to actors by name, so the web side never imports
the worker code.
"""

from __future__ import annotations

import json
from uuid import UUID

import dramatiq
import psycopg
from dramatiq.broker import Broker
from dramatiq.errors import BrokerError
from dramatiq_postgres import PostgresBroker
from dramatiq_postgres.broker import QUERIES  # its enqueue statement: no public call sends a batch
from psycopg.types.json import Json

from chemaudit.settings import Settings

try:
    from redis.exceptions import RedisError

    _REDIS_ERRORS: tuple[type[Exception], ...] = (RedisError,)
except ImportError:  # the redis extra is not installed, so no Redis error can be raised
    _REDIS_ERRORS = ()

QUEUE = "chemaudit"
AUDIT_CHUNK = "audit_chunk"
# The job id a token names when the sweeper sent it for no job in particular.
SWEEPER_ORIGIN = "00000000-0000-0000-0000-000000000000"


# What sending a message may raise: dramatiq's own errors, the PostgreSQL broker's psycopg errors,
# and redis-py's, which dramatiq's RedisBroker lets through on enqueue.
BROKER_ERRORS: tuple[type[Exception], ...] = (BrokerError, psycopg.Error, *_REDIS_ERRORS)


def make_broker(settings: Settings, *, middleware=None) -> Broker:
    url = settings.broker_url
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, middleware=middleware)
    kwargs = {} if middleware is None else {"middleware": middleware}
    return PostgresBroker(url=url or settings.sync_database_url, results=False,
                          schema="dramatiq", poll_interval=0.5, **kwargs)


def is_postgres(broker: Broker) -> bool:
    """Whether the broker's queue is a table in our database (and can be edited with the jobs)."""
    return isinstance(broker, PostgresBroker)


def chunk_message(job_id: UUID | str, chunk_no: int) -> dramatiq.Message:
    return dramatiq.Message(
        queue_name=QUEUE, actor_name=AUDIT_CHUNK, args=(str(job_id), chunk_no), kwargs={},
        options={},
    )


def enqueue_chunks(broker: Broker, job_id: UUID | str, chunk_numbers) -> int:
    """Send one work token per chunk (each names the chunk it was sent for); returns how many."""
    return enqueue_messages(broker, [chunk_message(job_id, chunk_no) for chunk_no in chunk_numbers])


def enqueue_messages(broker: Broker, messages: list[dramatiq.Message]) -> int:
    """Enqueue many messages at once: on PostgreSQL, in one transaction and one round trip.

    One transaction per message (the broker's own enqueue) costs about 5 ms each, which made a
    million-molecule upload (5,000 chunks) spend over 20 s here. Middleware hooks still run per
    message, as they would for `broker.enqueue`.
    """
    if not isinstance(broker, PostgresBroker) or len(messages) < 2:
        for message in messages:
            broker.enqueue(message)
        return len(messages)
    for message in messages:
        broker.emit_before("enqueue", message, None)
    # The broker's own statement, NOTIFY included: PostgreSQL delivers identical notifications
    # of one transaction once, so the consumers are woken once for the whole batch.
    # The message as the broker stores it: dramatiq's own encoding, sent to PostgreSQL as JSON.
    rows = [(m.queue_name, m.message_id, Json(json.loads(m.encode())), 0) for m in messages]
    with broker.pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(QUERIES.ENQUEUE, rows)
    for message in messages:
        broker.emit_after("enqueue", message, None)
    return len(messages)
