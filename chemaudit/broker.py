"""The message broker, chosen by settings: PostgreSQL (default) or Redis.

Messages carry ids only. Both sides refer to actors by name, so the web side never imports
the worker code.
"""

from __future__ import annotations

from uuid import UUID

import dramatiq
from dramatiq.broker import Broker

from chemaudit.settings import Settings

QUEUE = "chemaudit"
AUDIT_CHUNK = "audit_chunk"
CHUNK_GAVE_UP = "chunk_gave_up"


def make_broker(settings: Settings, *, middleware=None) -> Broker:
    url = settings.broker_url
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, middleware=middleware)
    from dramatiq_postgres import PostgresBroker

    kwargs = {} if middleware is None else {"middleware": middleware}
    return PostgresBroker(url=url or settings.sync_database_url, results=False,
                          schema="dramatiq", poll_interval=0.5, **kwargs)


def chunk_message(job_id: UUID | str, chunk_no: int) -> dramatiq.Message:
    return dramatiq.Message(
        queue_name=QUEUE, actor_name=AUDIT_CHUNK, args=(str(job_id), chunk_no), kwargs={},
        options={},
    )


def enqueue_chunks(broker: Broker, job_id: UUID | str, chunk_numbers) -> int:
    """Send one message per chunk; returns how many were sent."""
    sent = 0
    for chunk_no in chunk_numbers:
        broker.enqueue(chunk_message(job_id, chunk_no))
        sent += 1
    return sent
