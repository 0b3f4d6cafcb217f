"""ChunkRunner's decisions on an in-memory database: which transaction commits, which rolls back.

The SQL behind each named query is tested on PostgreSQL (tests/integration/test_fair_claims.py,
test_pipeline.py); these pin the branches between the queries.
"""

from __future__ import annotations

import uuid

import pytest

from chemaudit.chemistry import AuditOptions
from chemaudit.settings import Settings
from tasks.chunk_runner import ChunkRunner
from tasks.result_cache import ChunkCache, DocumentGone, Pending
from tests.support.fake_database import InMemoryDatabase

JOB_A, JOB_B = uuid.UUID(int=1), uuid.UUID(int=2)
RECORD = {"idx": 0, "name": "aspirin", "kind": "smiles", "text": "CC(=O)Oc1ccccc1C(=O)O", "error": None}


def runner(db: InMemoryDatabase, **settings) -> ChunkRunner:
    return ChunkRunner(db, Settings(**settings))


def claimed(job_id: uuid.UUID) -> dict:
    return {"chunk_no": 3, "start_idx": 600, "end_idx": 800, "attempts": 1, "failures": 0,
            "resumed": False, "options": {}, "job_id": job_id}


def test_no_claimable_chunk_makes_the_token_a_no_op():
    db = InMemoryDatabase(fair_candidates=[])
    outcome = runner(db).run_next()
    assert outcome.chunk_no is None and outcome.job_id is None
    assert db.committed_names() == ["fair_candidates"] and db.rolled_back == []


def test_a_job_whose_free_chunks_were_just_taken_is_rolled_back_and_the_next_job_claimed():
    db = InMemoryDatabase(
        fair_candidates=[{"id": JOB_A, "pass": 0.5, "weight": 2}, {"id": JOB_B, "pass": 1.0, "weight": 4}],
        claim_in_job=lambda params: None if params["id"] == JOB_A else claimed(JOB_B),
        pending_inputs=[RECORD])
    claim = runner(db).claim()
    assert claim["job_id"] == JOB_B and claim["records"] == [RECORD]
    assert db.rolled_back_names() == ["claim_in_job"]  # job A's pass does not move
    assert db.committed_names() == ["fair_candidates", "claim_in_job", "pending_inputs"]
    pending = db.committed[-1][-1][1]
    assert (pending["id"], pending["lo"], pending["hi"]) == (JOB_B, 600, 800)


def test_fifo_scheduling_asks_for_jobs_in_upload_order_unless_one_job_is_named():
    db = InMemoryDatabase(fifo_candidates=[], fair_candidates=[])
    assert runner(db, scheduling="fifo").claim() is None
    assert runner(db, scheduling="fifo").claim(only_job=JOB_A) is None
    assert db.committed_names() == ["fifo_candidates", "fair_candidates"]


@pytest.mark.parametrize("failures, ended", [(2, False), (3, True)])
def test_a_chunk_fails_its_job_only_past_the_allowed_failures(failures, ended):
    db = InMemoryDatabase(record_chunk_failure={"failures": failures}, fail_job={"id": JOB_A}, append_event={"seq": 9})
    runner(db, chunk_max_attempts=3).record_failure(JOB_A, 3, RuntimeError("disk on fire"))
    expected = ["record_chunk_failure"] + (["fail_job", "append_event"] if ended else [])
    assert db.committed_names() == expected
    if ended:
        fail, event = db.committed[0][1][1], db.committed[0][2][1]
        assert fail["msg"].startswith("Chunk 3 failed after 3 attempts: disk on fire (builtins.RuntimeError)")
        assert event["eta"] == 0


def test_a_job_that_had_already_ended_gets_no_failure_event():
    db = InMemoryDatabase(record_chunk_failure={"failures": 5}, fail_job=None)
    runner(db, chunk_max_attempts=3).record_failure(JOB_A, 0, RuntimeError("late"))
    assert db.committed_names() == ["record_chunk_failure", "fail_job"]


def commit(db: InMemoryDatabase, batch: list[Pending], chunk_done: bool = True, **settings) -> bool:
    from tasks.chunk_runner import ChunkOutcome

    cache = ChunkCache(str(JOB_A), AuditOptions(), reuse=True, version="test")
    return runner(db, **settings).commit_batch(JOB_A, 3, batch, chunk_done=chunk_done,
                                              outcome=ChunkOutcome(JOB_A, 3), cache=cache)


def advanced(status: str, since_event: float = 5.0) -> dict:
    return {"status": status, "processed": 10, "total": 10 if status == "complete" else 20,
            "since_event": since_event, "running_for": 3.0}


def test_a_batch_of_a_job_that_stopped_running_writes_nothing():
    db = InMemoryDatabase(advance_job=None)
    assert commit(db, []) is False
    assert db.committed == [] and db.rolled_back_names() == ["advance_job"]


def test_the_batch_that_completes_the_job_stores_its_statistics_and_a_final_event():
    db = InMemoryDatabase(advance_job=advanced("complete"), store_statistics={"statistics": {}},
                          append_event={"seq": 4})
    assert commit(db, []) is True
    assert db.committed_names() == ["advance_job", "store_statistics", "renew_chunk", "append_event"]
    renew, event = db.committed[0][2][1], db.committed[0][3][1]
    assert renew["done"] is True and event["eta"] == 0


@pytest.mark.parametrize("since_event, event", [(0.01, False), (0.5, True)])
def test_a_running_job_gets_an_event_only_when_the_last_is_old_enough(since_event, event):
    db = InMemoryDatabase(advance_job=advanced("processing", since_event), service_loads=[],
                          recent_rate_anchor=None, append_event={"seq": 2})
    assert commit(db, [], chunk_done=False, event_min_interval=0.1) is True
    expected = ["advance_job", "renew_chunk"] + (["service_loads", "recent_rate_anchor", "append_event"] if event else [])
    assert db.committed_names() == expected
    assert db.committed[0][1][1]["done"] is False


def test_results_whose_document_was_purged_meanwhile_roll_the_batch_back():
    reused = Pending(RECORD, b"k" * 32, doc_id=77, canonical="CC(=O)Oc1ccccc1C(=O)O")
    db = InMemoryDatabase(insert_results={"inserted": 0, "errors": 0, "reused": 0, "missing": 1})
    with pytest.raises(DocumentGone):
        commit(db, [reused])
    assert db.committed == [] and db.rolled_back_names() == ["insert_results"]
