"""Acceptance: the real `chemaudit` client commands (subprocesses) against the real service.

One `chemaudit serve` runs for the module; the tests submit real RDKit files through the CLI and
check what it prints and how it exits against what the service stored.
"""

from __future__ import annotations

import asyncio
import csv
import os
import pty
import re
import select
import subprocess
import time
import uuid

import psycopg
import pytest

from chemaudit_client.table import NAME_WIDTH, clip
from tests.acceptance import conftest as acceptance
from tests.acceptance.flaky_proxy import FlakyProxy
from tests.support import pg
from tests.support.molecules import NCI_SDF_200, write_csv

pytestmark = pytest.mark.acceptance

PROGRESS_LINE = re.compile(r"^job [0-9a-f]{8}: (processing|complete) (\d+\.\d)% (\d+)/(\d+) ")


@pytest.fixture(scope="module")
def server(pg_admin_url, tmp_path_factory):
    """acceptance.Service, shared by this module's tests (one server start instead of one per test)."""
    name = pg.unique_name("chemaudit_cli")
    url = pg.create_database(pg_admin_url, name)
    running = acceptance.Service(url, workers=2, log_path=tmp_path_factory.mktemp("cli") / "serve.log")
    try:
        running.wait_healthy()
        running.database_url = url
        yield running
    finally:
        running.stop()
        pg.drop_database(pg_admin_url, name)


def cli(*args: str, server=None, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, CHEMAUDIT_SERVER=server.base if server else "http://127.0.0.1:9")
    return subprocess.run(acceptance.chemaudit_command() + list(args), env=env, capture_output=True,
                          text=True, timeout=timeout, **kwargs)


async def cli_async(*args: str, base: str, timeout: float = 120) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *acceptance.chemaudit_command(), *args, env=dict(os.environ, CHEMAUDIT_SERVER=base),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, out.decode(), err.decode()


def stored_rows(server, job_id: str) -> list[dict]:
    with psycopg.connect(server.database_url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute("SELECT idx, name, smiles, status, score, canonical_smiles, inchikey FROM results"
                           " WHERE job_id = %s ORDER BY idx", (job_id,)).fetchall()


def progress_lines(stderr: str) -> list[tuple[str, float, int, int]]:
    found = [PROGRESS_LINE.match(line) for line in stderr.splitlines()]
    return [(m[1], float(m[2]), int(m[3]), int(m[4])) for m in found if m]


@pytest.fixture(scope="module")
def sdf_job(server):
    """`chemaudit submit NCI_SDF_200 --watch`, run once: (job id, the finished process)."""
    done = cli("submit", str(NCI_SDF_200), "--watch", server=server)
    return done.stdout.strip(), done


def test_submit_watch_prints_progress_lines_and_exits_0(server, sdf_job):
    job_id, done = sdf_job
    assert done.returncode == 0, done.stderr
    assert uuid.UUID(job_id) and done.stdout == job_id + "\n"  # stdout: the id alone, for scripts
    lines = progress_lines(done.stderr)
    assert lines, done.stderr
    assert [line[2] for line in lines] == sorted(line[2] for line in lines)  # never goes back
    assert all(total == 200 for *_, total in lines)
    assert lines[-1][:3] == ("complete", 100.0, 200)
    assert "mol/s" in done.stderr and "polling" not in done.stderr and "Traceback" not in done.stderr
    assert re.search(rf"Job {job_id} complete: 200/200 molecules in \S+ \([\d.,]+ mol/s\)", done.stderr)
    assert len(stored_rows(server, job_id)) == 200


def test_submit_watch_draws_a_bar_on_a_terminal(server, tmp_path):
    source = write_csv(tmp_path / "nci_300.csv", 300)
    leader, follower = pty.openpty()
    env = dict(os.environ, CHEMAUDIT_SERVER=server.base)
    process = subprocess.Popen(acceptance.chemaudit_command() + ["submit", str(source), "--watch"], env=env,
                               stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    screen, deadline = b"", time.monotonic() + 60
    while time.monotonic() < deadline:
        if not select.select([leader], [], [], 1.0)[0]:
            continue
        try:
            piece = os.read(leader, 4096)
        except OSError:  # EIO: the CLI closed the terminal
            break
        if not piece:
            break
        screen += piece
    os.close(leader)
    assert process.wait(timeout=60) == 0
    text = screen.decode("utf-8", errors="replace")
    assert "\r\x1b[K" in text  # redrawn in place
    assert re.search(r"100\.0% \|[█#]{10,}\| 300/300 +(?:[\d.,]+|--) mol/s +complete", text), text[-500:]
    assert uuid.UUID(process.stdout.read().decode().strip())


@pytest.fixture(scope="module")
def local_csv(tmp_path_factory):
    """`chemaudit audit NCI_SDF_200 -o local.csv --jobs 2`, run once: (the CSV, the finished process)."""
    out = tmp_path_factory.mktemp("audit") / "local.csv"
    return out, cli("audit", str(NCI_SDF_200), "-o", str(out), "--jobs", "2", timeout=180)


def test_local_audit_writes_the_rows_the_service_stored(server, sdf_job, local_csv):
    job_id, _ = sdf_job
    out, done = local_csv
    assert done.returncode == 0, done.stderr
    assert "Audited 200 molecules" in done.stderr and "Traceback" not in done.stderr
    assert re.search(r"^audit: complete 100\.0% 200/200 ", done.stderr, re.MULTILINE)
    local = list(csv.DictReader(out.open(newline="")))
    stored = stored_rows(server, job_id)
    assert len(local) == len(stored) == 200
    for mine, theirs in zip(local, stored):
        assert int(mine["index"]) == theirs["idx"]
        assert mine["name"] == theirs["name"]
        assert mine["smiles"] == theirs["smiles"]
        assert mine["status"] == theirs["status"]
        assert mine["validation_score"] == ("" if theirs["score"] is None else str(theirs["score"]))
        assert mine["canonical_smiles"] == (theirs["canonical_smiles"] or "")
        assert mine["inchikey"] == (theirs["inchikey"] or "")
    assert sum(row["inchikey"] != "" for row in local) > 190


def test_export_is_the_same_file_the_local_audit_writes(server, sdf_job, local_csv, tmp_path):
    job_id, _ = sdf_job
    served = tmp_path / "served.csv"
    done = cli("export", job_id, "--format", "csv", "-o", str(served), server=server)
    assert done.returncode == 0, done.stderr
    assert f"Wrote {served} (200 results," in done.stderr
    assert served.read_bytes() == local_csv[0].read_bytes()


def test_status_and_results_print_what_the_service_holds(server, sdf_job):
    job_id, _ = sdf_job
    status = cli("status", job_id, server=server)
    assert status.returncode == 0
    assert f"job       {job_id}" in status.stdout and "status    complete" in status.stdout
    assert "100.0% (200/200 molecules)" in status.stdout
    page = cli("results", job_id, "--page", "2", "--page-size", "5", server=server)
    assert page.returncode == 0, page.stderr
    lines = page.stdout.splitlines()
    assert lines[0] == f"job {job_id}: complete, 200 matching results, page 2 of 40"
    stored = stored_rows(server, job_id)[5:10]
    table = lines[3:]
    assert [line.split()[0] for line in table] == [str(row["idx"]) for row in stored]
    assert [line.split()[1] for line in table] == [clip(row["name"], NAME_WIDTH) for row in stored]
    assert [line.split()[3] for line in table] == [str(row["score"]) for row in stored]


def test_results_filters_and_sorting_reach_the_server(server, sdf_job):
    job_id, _ = sdf_job
    page = cli("results", job_id, "--sort-by", "score", "--sort-dir", "asc", "--page-size", "10",
               "--max-score", "90", "--status-filter", "success", server=server)
    assert page.returncode == 0, page.stderr
    scores = [int(line.split()[3]) for line in page.stdout.splitlines()[3:]]
    expected = sorted(row["score"] for row in stored_rows(server, job_id)
                      if row["status"] == "success" and row["score"] <= 90)[:10]
    assert scores == expected and scores
    bad = cli("results", job_id, "--min-score", "80", "--max-score", "20", server=server)
    assert bad.returncode == 4 and bad.stderr.count("\n") == 1 and "invalid_option" in bad.stderr


def test_cancel_stops_a_running_job_and_its_watcher_exits_2(server, tmp_path):
    source = write_csv(tmp_path / "nci_3000.csv", 3000)
    submitted = cli("submit", str(source), server=server)
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.strip()
    env = dict(os.environ, CHEMAUDIT_SERVER=server.base)
    watcher = subprocess.Popen(acceptance.chemaudit_command() + ["watch", job_id], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    cancelled = cli("cancel", job_id, server=server)
    assert cancelled.returncode == 0 and cancelled.stdout.strip() == "cancelled", cancelled.stderr
    _, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 2, err
    assert progress_lines(err) and f"Job {job_id} cancelled" in err
    assert "status    cancelled" in cli("status", job_id, server=server).stdout
    again = cli("cancel", job_id, server=server)
    assert again.returncode == 0 and "already ended" in again.stderr


def test_errors_are_one_line_with_their_exit_code(server, tmp_path):
    unknown = cli("status", str(uuid.uuid4()), server=server)
    assert unknown.returncode == 4 and "job_not_found" in unknown.stderr and unknown.stderr.count("\n") == 1
    port = acceptance.free_port()
    for args in (["status", str(uuid.uuid4())], ["submit", str(NCI_SDF_200), "--watch"]):
        gone = cli(*args, "--server", f"http://127.0.0.1:{port}")
        assert gone.returncode == 3, gone.stderr
        assert gone.stderr.count("\n") == 1 and "Cannot reach the ChemAudit server" in gone.stderr
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    refused = cli("submit", str(tmp_path / "image.png"), server=server)
    assert refused.returncode == 4 and "unsupported_format" in refused.stderr
    assert "Traceback" not in unknown.stderr + refused.stderr


async def test_watch_falls_back_to_polling_when_no_socket_can_be_had(server):
    async with FlakyProxy(server.base, refuse_sockets=True) as proxy:
        code, out, err = await cli_async("submit", str(NCI_SDF_200), "--watch", base=proxy.base)
    assert code == 0, err
    assert "WebSocket not available (HTTP 502" in err and "polling" in err
    assert progress_lines(err)[-1][:3] == ("complete", 100.0, 200)
    assert proxy.socket_queries == [""]  # one try, then /status only


async def test_a_dropped_socket_is_resumed_after_the_last_seq(server, tmp_path):
    source = write_csv(tmp_path / "nci_600.csv", 600)
    async with FlakyProxy(server.base, drop_after=2) as proxy:
        # --no-reuse: earlier tests cached these molecules, and a cached job can end within two messages
        code, out, err = await cli_async("submit", str(source), "--watch", "--no-reuse", base=proxy.base)
    assert code == 0, err
    assert "reconnecting" in err and "polling" not in err
    first, *rest = proxy.relayed
    assert len(first) == 2 and rest
    assert proxy.socket_queries[:2] == ["", f"after_seq={first[-1]['seq']}"]
    seqs = [message["seq"] for messages in proxy.relayed for message in messages]
    assert seqs == sorted(set(seqs))  # nothing sent twice across the reconnect
    assert progress_lines(err)[-1][:3] == ("complete", 100.0, 600)
