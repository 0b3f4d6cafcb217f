"""The sweeper's decision (which work tokens are missing) on an in-memory database.

Sending them through a real broker is tested in tests/integration/test_work_tokens.py and
test_redis_broker.py.
"""

from __future__ import annotations

import uuid

from chemaudit.broker import AUDIT_CHUNK, QUEUE, SWEEPER_ORIGIN
from tasks.sweeper import MAX_TOKENS_PER_SWEEP, missing_tokens
from tests.support.fake_database import InMemoryDatabase

JOB = uuid.UUID(int=7)


def decide(db: InMemoryDatabase, counted: bool) -> list:
    with db.transaction() as session:
        return missing_tokens(session, counted, 60.0)


def test_no_tokens_while_another_sweep_holds_the_lock():
    db = InMemoryDatabase(try_sweep_lock={"locked": False})
    assert decide(db, counted=True) == [] and decide(db, counted=False) == []
    assert db.committed_names() == ["try_sweep_lock", "try_sweep_lock"]


def test_a_counted_queue_is_topped_up_to_the_claimable_chunks():
    db = InMemoryDatabase(try_sweep_lock={"locked": True}, claimable_count={"n": 7}, queued_tokens={"n": 3})
    tokens = decide(db, counted=True)
    assert len(tokens) == 4
    assert {(m.queue_name, m.actor_name, m.args) for m in tokens} == {(QUEUE, AUDIT_CHUNK, (SWEEPER_ORIGIN, 0))}
    assert db.committed[0][1][1] == {"s": 60.0} and db.committed[0][2][1] == {"queue": QUEUE}


def test_a_counted_queue_holding_enough_tokens_gets_none_and_a_huge_gap_is_capped():
    enough = InMemoryDatabase(try_sweep_lock={"locked": True}, claimable_count={"n": 3}, queued_tokens={"n": 5})
    assert decide(enough, counted=True) == []
    huge = InMemoryDatabase(try_sweep_lock={"locked": True}, claimable_count={"n": 10 ** 6}, queued_tokens={"n": 0})
    assert len(decide(huge, counted=True)) == MAX_TOKENS_PER_SWEEP


def test_an_uncounted_queue_gets_one_token_per_chunk_of_an_idle_job_naming_that_chunk():
    db = InMemoryDatabase(try_sweep_lock={"locked": True},
                          idle_claimable_chunks=[{"job_id": JOB, "chunk_no": 0}, {"job_id": JOB, "chunk_no": 4}])
    tokens = decide(db, counted=False)
    assert [m.args for m in tokens] == [(str(JOB), 0), (str(JOB), 4)]
    assert db.committed_names() == ["try_sweep_lock", "idle_claimable_chunks"]
