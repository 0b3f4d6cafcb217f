"""The result cache end to end: real PostgreSQL, real broker, real worker threads, real molecules.

Every job here is uploaded over HTTP and audited by the workers' own code; what a client sees
(API pages, exports) and what is stored (rows, documents, counters) are compared.
"""

from __future__ import annotations

import asyncio
import itertools
import threading

import psycopg
import pytest

from service.app import create_app
from tasks import result_cache
from tasks.result_cache import ChunkCache
from tests.conftest import InProcessWorker
from tests.integration.audited_jobs import write_nci_csv
from tests.integration.helpers import assert_monotonic, follow, upload, wait_for_status
from tests.integration.result_cache_support import (
    api_items,
    audit_file,
    audited_total,
    docs,
    exported_items,
    hits_and_misses,
    job,
    rows,
    without,
)
from tests.support.molecules import NCI_SDF_200, nci_smiles, write_csv

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings))


def distinct_smiles(count: int) -> list[str]:
    return list(dict.fromkeys(smiles for smiles, _ in nci_smiles(200)))[:count]


def write_lines(path, smiles_and_names) -> object:
    path.write_text("SMILES,Name\n" + "".join(f"{s},{n}\n" for s, n in smiles_and_names))
    return path


async def export_results_text(client, job_id: str) -> str:
    """The JSON export's bytes from its results array on (the header names the job)."""
    text = await (await client.get(f"/api/v1/batch/{job_id}/export", params={"format": "json"})).text()
    return text[text.index('"results":'):]


async def test_a_reupload_is_served_from_the_cache_identical_to_a_fresh_audit(client, start_worker, database_url):
    start_worker()
    first = await audit_file(client, NCI_SDF_200)
    hits, misses = hits_and_misses()
    again = await audit_file(client, NCI_SDF_200)
    assert hits_and_misses() == (hits + 200, misses)  # nothing audited: 200 SD records reused
    fresh = await audit_file(client, NCI_SDF_200, reuse="false")
    assert hits_and_misses() == (hits + 200, misses)  # reuse=false asks the cache nothing

    assert [job(database_url, j)["reused"] for j in (first, again, fresh)] == [0, 200, 0]
    stats = await (await client.get(f"/api/v1/batch/{again}/stats")).json()
    assert stats["reused"] == 200 and stats["total"] == 200
    # Byte for byte what a fresh audit gives: every column of every row, every API item,
    # the export's text; against the first audit and against a new one done now (reuse=false).
    cached_rows = [without(r, "doc_id") for r in rows(database_url, again)]
    assert cached_rows == [without(r, "doc_id") for r in rows(database_url, first)]
    assert cached_rows == [without(r, "doc_id") for r in rows(database_url, fresh)]
    cached_items = await api_items(client, again)
    assert len(cached_items) == 200 and cached_items[7]["validation"]["inchikey"]
    assert cached_items == await api_items(client, first) == await api_items(client, fresh)
    assert await export_results_text(client, again) == await export_results_text(client, first)
    assert await export_results_text(client, again) == await export_results_text(client, fresh)
    # Stored once: the re-upload points at the first job's documents; the reuse=false job has
    # fresh documents of its own (the keys were taken), which nothing else will reuse.
    assert [r["doc_id"] for r in rows(database_url, again)] == [r["doc_id"] for r in rows(database_url, first)]
    assert not {r["doc_id"] for r in rows(database_url, fresh)} & {r["doc_id"] for r in rows(database_url, first)}
    assert docs(database_url)["total"] == 400 and docs(database_url)["keyed"] == 200


async def test_names_and_order_stay_the_records_own(client, start_worker, database_url, tmp_path):
    """Another owner's file of the same structures, reordered and renamed, with unreadable records."""
    start_worker()
    original = write_nci_csv(tmp_path / "original.csv", 150)
    lines = original.read_text().splitlines()
    body = list(reversed(lines[1:]))
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("SMILES,Name\n" + "".join(f"{line.split(',')[0]},other_{i}\n" for i, line in enumerate(body)))
    first = await audit_file(client, original)
    second = await audit_file(client, renamed)
    total = len(body)
    assert job(database_url, second)["reused"] == total
    mine, theirs = await api_items(client, second), await api_items(client, first)
    assert [item["name"] for item in mine] == [f"other_{i}" for i in range(total)]
    assert [item["index"] for item in mine] == list(range(total))
    for item in mine:
        twin = theirs[total - 1 - item["index"]]
        assert without(item, "index", "name") == without(twin, "index", "name")
    errors = [item for item in mine if item["status"] == "error"]
    assert len(errors) >= 5  # unreadable records are reused like any other
    assert sorted(i["smiles"] for i in errors) == sorted(i["smiles"] for i in theirs if i["status"] == "error")
    exported = await exported_items(client, second)
    assert [without(e, "index", "name") for e in exported] == [without(i, "index", "name") for i in mine]


async def test_options_limits_and_the_engine_version_are_part_of_the_key(client, settings, database_url,
                                                                        tmp_path, monkeypatch):
    path = write_lines(tmp_path / "m.csv", [(s, f"m{i}") for i, s in enumerate(distinct_smiles(40))])
    jobs = {}
    worker = InProcessWorker(settings).start()
    try:
        jobs["first"] = await audit_file(client, path)
        jobs["extended alerts"] = await audit_file(client, path, include_extended_safety="true")
        with monkeypatch.context() as patch:
            patch.setattr(result_cache, "cache_version", lambda: "another-engine")
            jobs["new engine"] = await audit_file(client, path)
        jobs["same again"] = await audit_file(client, path)
    finally:
        worker.stop()
    worker = InProcessWorker(settings.replace(max_heavy_atoms=900)).start()  # a changed size guard
    try:
        jobs["other limit"] = await audit_file(client, path)
    finally:
        worker.stop()
    reused = {name: job(database_url, job_id)["reused"] for name, job_id in jobs.items()}
    assert reused == {"first": 0, "extended alerts": 0, "new engine": 0, "same again": 40, "other limit": 0}
    counts = docs(database_url)
    assert counts["total"] == 160 and counts["versions"]["another-engine"] == 40
    first_rows = rows(database_url, jobs["first"])
    assert [r["doc_id"] for r in rows(database_url, jobs["same again"])] == [r["doc_id"] for r in first_rows]
    assert not {r["doc_id"] for r in rows(database_url, jobs["new engine"])} & {r["doc_id"] for r in first_rows}


async def test_repeats_within_a_chunk_are_audited_once(client, start_worker, database_url, tmp_path):
    structures = distinct_smiles(10)
    records = [(structures[i % 10], f"copy_{i}") for i in range(50)]  # one chunk of 50 (test settings)
    path = write_lines(tmp_path / "repeats.csv", records)
    start_worker()
    audited = audited_total()
    hits, misses = hits_and_misses()
    job_id = await audit_file(client, path)
    assert audited_total() - audited == 10
    assert hits_and_misses() == (hits + 40, misses + 10)
    assert job(database_url, job_id)["reused"] == 40 and docs(database_url)["total"] == 10
    items = await api_items(client, job_id)
    for item in items[10:]:
        assert without(item, "index", "name") == without(items[item["index"] % 10], "index", "name")
    stats = await (await client.get(f"/api/v1/batch/{job_id}/stats")).json()
    assert stats["reused"] == 40 and stats["duplicates"]["molecules"] == 50


async def test_two_chunks_auditing_the_same_structures_at_once_store_one_document_each(
        client, settings, start_worker, database_url, tmp_path, monkeypatch):
    structures = distinct_smiles(50)
    records = [(s, f"a{i}") for i, s in enumerate(structures)] + [(s, f"b{i}") for i, s in enumerate(structures)]
    path = write_lines(tmp_path / "twice.csv", records)  # chunk 0 and chunk 1 hold the same 50
    looked_up, storing = threading.Barrier(2, timeout=60), threading.Barrier(2, timeout=60)
    calls = itertools.count()
    real_look_up, real_store = ChunkCache.look_up, ChunkCache.store

    def look_up(self, conn, pending):
        real_look_up(self, conn, pending)
        if next(calls) < 2:
            looked_up.wait()  # both chunks have asked the cache before either stored anything

    def store(self, cur, batch):
        storing.wait()  # and both store at the same moment: one insert waits for the other's commit
        return real_store(self, cur, batch)

    monkeypatch.setattr(ChunkCache, "look_up", look_up)
    monkeypatch.setattr(ChunkCache, "store", store)
    hits, misses = hits_and_misses()
    start_worker(settings.replace(commit_interval=60.0), threads=2)  # each chunk is one batch
    job_id = await audit_file(client, path)
    assert hits_and_misses() == (hits, misses + 100)  # both audited every structure
    assert job(database_url, job_id)["reused"] == 0
    assert docs(database_url)["total"] == docs(database_url)["keyed"] == 50  # but stored it once
    stored = rows(database_url, job_id)
    assert len(stored) == 100
    assert [r["doc_id"] for r in stored[:50]] == [r["doc_id"] for r in stored[50:]]
    assert [without(r, "idx", "name", "doc_id") for r in stored[:50]] == \
        [without(r, "idx", "name", "doc_id") for r in stored[50:]]


async def test_a_cancelled_job_leaves_only_used_documents_and_its_results_are_reused(
        client, start_worker, database_url, tmp_path):
    path = write_csv(tmp_path / "nci.csv", 600)
    start_worker(threads=1)
    cancelled = (await upload(client, path))["job_id"]
    await wait_for_status(client, cancelled, lambda body: body["processed"] > 0)
    assert (await client.delete(f"/api/v1/batch/{cancelled}")).status == 200
    await asyncio.sleep(1.5)  # the batch in progress when the cancel came rolls back
    kept = rows(database_url, cancelled)
    assert 0 < len(kept) < 600
    assert docs(database_url)["unused"] == 0  # the rolled-back batch stored no document
    again = await audit_file(client, path)
    reused = job(database_url, again)["reused"]
    assert len(kept) <= reused < 600
    by_idx = {r["idx"]: r["doc_id"] for r in rows(database_url, again)}
    assert all(by_idx[r["idx"]] == r["doc_id"] for r in kept)


async def test_purge_prunes_unused_documents_and_old_engine_versions_without_waiting(
        client, start_worker, database_url, tmp_path, monkeypatch):
    from service.ops.purge import parse_age, run_purge

    structures = distinct_smiles(50)
    old_file = write_lines(tmp_path / "old.csv", [(s, f"o{i}") for i, s in enumerate(structures[:30])])
    recent_file = write_lines(tmp_path / "recent.csv", [(s, f"r{i}") for i, s in enumerate(structures[20:40])])
    start_worker()
    old = await audit_file(client, old_file)  # 30 documents
    recent = await audit_file(client, recent_file)  # reuses 10 of them, stores 10
    with monkeypatch.context() as patch:
        patch.setattr(result_cache, "cache_version", lambda: "retired-engine")
        retired_file = write_lines(tmp_path / "retired.csv", [(s, f"x{i}") for i, s in enumerate(structures[40:])])
        retired_but_used = await audit_file(client, retired_file)  # 10 documents of that version
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE jobs SET finished_at = now() - interval '40 days' WHERE id = %s", (old,))
        conn.execute("INSERT INTO result_docs (cache_key, engine_version, status, detail)"
                     " VALUES ('\\x01', 'retired-engine', 'success', '{}')")  # a leftover nothing uses
        in_use = conn.execute("INSERT INTO result_docs (cache_key, engine_version, status, detail)"
                              " VALUES ('\\x02', %s, 'success', '{}') RETURNING id",
                              (result_cache.cache_version(),)).fetchone()[0]
        running = conn.execute("INSERT INTO jobs (id, filename, format, total, chunk_count)"
                               " VALUES (gen_random_uuid(), 'r.csv', 'csv', 1, 1) RETURNING id").fetchone()[0]
    assert job(database_url, recent)["reused"] == 10 and docs(database_url)["total"] == 52
    with psycopg.connect(database_url) as worker:  # a worker pointing a new row at `in_use`, not committed yet
        worker.execute("INSERT INTO result_rows (job_id, idx, name, smiles, status, doc_id)"
                       " VALUES (%s, 0, 'm', 'CCO', 'success', %s)", (running, in_use))
        outcome = {}
        purge = threading.Thread(target=lambda: outcome.update(n=run_purge(database_url, parse_age("30d"))))
        purge.start()
        purge.join(timeout=30)
        assert not purge.is_alive(), "the purge waited on a worker's transaction"
        worker.commit()
    assert outcome["n"] == 1
    counts = docs(database_url)
    # Gone: the 20 documents only the old job used, and the retired version's leftover. Kept:
    # the 10 shared with the recent job, its own 10, the retired version's 10 still in use, and
    # the one the worker was pointing at.
    assert counts["total"] == 31 and counts["unused"] == 0
    assert counts["versions"]["retired-engine"] == 10
    assert job(database_url, old) is None
    assert len(rows(database_url, recent)) == 20 and len(rows(database_url, retired_but_used)) == 10
    items = await api_items(client, recent)
    assert all(item["validation"] is not None for item in items)


async def test_a_fully_cached_100k_job_streams_from_0_to_100_with_a_sane_eta(settings, aiohttp_client,
                                                                             database_url, tmp_path):
    big = settings.replace(chunk_size=1_000, commit_interval=0.25, event_min_interval=0.1)
    client = await aiohttp_client(create_app(big))
    structures = list(dict.fromkeys(smiles for smiles, _ in nci_smiles(1_100)))[:1_000]
    warm = write_lines(tmp_path / "warm.csv", [(s, f"w{i}") for i, s in enumerate(structures)])
    library = write_lines(tmp_path / "library.csv",
                          [(structures[i % 1_000], f"lib{i}") for i in range(100_000)])
    worker = InProcessWorker(big).start()
    try:
        await audit_file(client, warm)
        job_id = (await upload(client, library))["job_id"]
        messages, close_code = await follow(client, job_id, timeout=300, after_seq=0)
    finally:
        worker.stop()
    assert close_code == 1000
    assert_monotonic(messages)
    assert messages[0]["processed"] == 0 and messages[0]["progress"] == 0
    final = messages[-1]
    assert final["status"] == "complete" and final["processed"] == final["total"] == 100_000
    assert final["progress"] == 100 and final["eta_seconds"] == 0
    assert len({m["progress"] for m in messages}) >= 10  # it moved step by step, not in one jump
    assert job(database_url, job_id)["reused"] == 100_000
    with psycopg.connect(database_url) as conn:
        events = conn.execute(
            "SELECT processed, eta_seconds,"
            " extract(epoch FROM (SELECT max(at) FROM job_events WHERE job_id = %(id)s) - at)"
            " FROM job_events WHERE job_id = %(id)s AND status = 'processing' AND processed > 0"
            " ORDER BY seq", {"id": job_id}).fetchall()
    assert events
    for processed, eta, remaining in events:
        if processed < 10_000:  # the first estimates rest on a second or two of rate (and the machine's load)
            continue
        # Sane: never more than twice the time that was really left, plus the ETA's rounding.
        assert 0 <= eta <= 2 * float(remaining) + 2, (processed, eta, float(remaining))
