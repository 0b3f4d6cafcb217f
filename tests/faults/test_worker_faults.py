"""Workers dying: killed mid-chunk, all gone then back, poison records, infrastructure failure."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import psycopg
import pytest

from tests.faults import client
from tests.support.molecules import nci_smiles, write_csv

pytestmark = pytest.mark.faults


async def test_sigkill_of_a_worker_mid_chunk(make_cluster, tmp_path, fresh_database):
    cluster = make_cluster().start_web().start_workers(2)
    cluster.wait_worker_pids(2)
    job_id = (await client.upload(cluster.base, write_csv(tmp_path / "nci.csv", 1_200)))["job_id"]
    follower = asyncio.create_task(client.follow(cluster.ws_base, job_id))
    at_kill = await client.wait_status(cluster.base, job_id, lambda s: s["processed"] >= 500)
    victim = cluster.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    messages, _ = await follower
    finished_after = time.monotonic() - killed_at
    client.check_stream(messages)
    assert messages[-1]["status"] == "complete"
    assert messages[-1]["processed"] == messages[-1]["total"] == 1_200
    counts = client.result_counts(fresh_database, job_id)
    assert counts["rows"] == counts["distinct"] == 1_200
    assert victim not in cluster.wait_worker_pids(2), "the supervisor did not replace the killed worker"
    print(f"\nSIGKILL at {at_kill['progress']:.0f} %: {counts['rows']}/1200 rows, "
          f"max processed {max(m['processed'] for m in messages)}, finished {finished_after:.1f} s later")


async def test_all_workers_gone_then_back(make_cluster, tmp_path, fresh_database):
    cluster = make_cluster().start_web().start_workers(2)
    job_id = (await client.upload(cluster.base, write_csv(tmp_path / "nci.csv", 1_500)))["job_id"]
    await client.wait_status(cluster.base, job_id, lambda s: s["processed"] >= 300)
    cluster.kill_workers(signal.SIGKILL)
    await asyncio.sleep(2)
    stalled = await client.status(cluster.base, job_id)
    assert stalled["status"] == "processing" and stalled["processed"] < 1_500
    cluster.start_workers(2)
    back_at = time.monotonic()
    final = await client.wait_status(cluster.base, job_id, lambda s: s["status"] != "processing", timeout=180)
    assert final["status"] == "complete" and final["processed"] == 1_500
    counts = client.result_counts(fresh_database, job_id)
    assert counts["rows"] == 1_500
    print(f"\nall workers killed at {stalled['processed']}/1500; completed "
          f"{time.monotonic() - back_at:.1f} s after workers came back")


async def test_poison_records_become_error_rows(make_cluster, tmp_path, fresh_database):
    cluster = make_cluster(CHEMAUDIT_FAULT_CRASH_MARKER="CRASH_ME", CHEMAUDIT_FAULT_HANG_MARKER="HANG_ME",
                           CHEMAUDIT_MOLECULE_TIMEOUT="3")
    cluster.start_web().start_workers(2)
    rows = ["SMILES,Name"] + [f"{smi},{name}" for smi, name in nci_smiles(300)]
    rows.insert(60, "CCO.CRASH_ME,segfaulter")
    rows.insert(200, "CCN.HANG_ME,hanger")
    path = tmp_path / "poison.csv"
    path.write_text("\n".join(rows) + "\n")
    job_id = (await client.upload(cluster.base, path))["job_id"]
    messages, _ = await client.follow(cluster.ws_base, job_id, timeout=240)
    client.check_stream(messages)
    assert messages[-1]["status"] == "complete" and messages[-1]["processed"] == 302
    with psycopg.connect(fresh_database) as conn:
        bad = dict(conn.execute(
            "SELECT name, error FROM results WHERE job_id = %s AND name IN ('segfaulter', 'hanger')",
            (job_id,)).fetchall())
        successes = conn.execute(
            "SELECT count(*) FROM results WHERE job_id = %s AND status = 'success'", (job_id,)).fetchone()[0]
    assert "crashed" in bad["segfaulter"]
    assert "budget" in bad["hanger"]
    assert successes >= 290  # every real molecule that RDKit can read (a few NCI records cannot)


async def test_infrastructure_failure_ends_the_job_failed(make_cluster, tmp_path, fresh_database):
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                     " $$ BEGIN RAISE EXCEPTION 'simulated storage failure'; END $$")
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON result_rows FOR EACH ROW EXECUTE FUNCTION refuse()")
    cluster = make_cluster().start_web().start_workers(1)
    job_id = (await client.upload(cluster.base, write_csv(tmp_path / "nci.csv", 100)))["job_id"]
    messages, _ = await client.follow(cluster.ws_base, job_id, timeout=120)
    final = messages[-1]
    assert final["status"] == "failed"
    assert "simulated storage failure" in final["error_message"]
    assert final["processed"] == 0
