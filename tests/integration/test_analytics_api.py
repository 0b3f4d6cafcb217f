"""The analytics routes: ChemAudit's shapes, MMP / R-groups / MCS against RDKit, errors, the
progress socket, purge with the job."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import psycopg
import pytest
from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import rdFMCS, rdRGroupDecomposition

from service.ops.purge import purge_job
from tests.integration.analytics_support import (  # noqa: F401 (fixtures)
    GENERATOR,
    analysed_job,
    analytics_worker,
    audited_smiles,
    client,
    run_analysis,
)
from tests.integration.audited_jobs import copy_job

pytestmark = pytest.mark.integration

@pytest.fixture(scope="module")
def smiles(analysed_job) -> dict[int, str]:
    return dict(audited_smiles(analysed_job.database_url, analysed_job.job_id))


async def test_get_analytics_shows_status_per_type_and_the_ready_results(client, analysed_job):
    run = await run_analysis(client, analysed_job.job_id, "scaffold")
    body = await (await client.get(f"/api/v1/batch/{analysed_job.job_id}/analytics")).json()
    assert body["job_id"] == analysed_job.job_id
    status = body["status"]["scaffold"]
    assert status["status"] == "complete" and status["run_id"] == run["run_id"] and status["error"] is None
    assert isinstance(status["computed_at"], float)
    assert set(body["scaffold"]) >= {"scaffolds", "unique_scaffold_count", "shannon_entropy", "frequency_distribution"}
    again = await client.post(f"/api/v1/batch/{analysed_job.job_id}/analytics/scaffold")
    assert again.status == 200 and (await again.json())["status"] == "already_complete"


async def test_mmp_pairs_are_single_cut_matched_pairs(client, analysed_job, smiles):
    run = await run_analysis(client, analysed_job.job_id, "mmp")
    assert run["status"] == "complete", run
    pairs = run["result"]["pairs"]
    assert pairs, "NCI has matched pairs"
    for pair in pairs[:50]:
        a, b = smiles[pair["mol_a_index"]], smiles[pair["mol_b_index"]]
        for whole, variable in ((a, pair["rgroup_a"]), (b, pair["rgroup_b"])):
            # constant + variable joined at the attachment point is the molecule itself
            joined = Chem.molzip(Chem.MolFromSmiles(pair["core_smiles"] + "." + variable))
            assert Chem.MolToSmiles(joined) == Chem.MolToSmiles(Chem.MolFromSmiles(whole))
        expected = DataStructs.TanimotoSimilarity(GENERATOR.GetFingerprint(Chem.MolFromSmiles(a)),
                                                  GENERATOR.GetFingerprint(Chem.MolFromSmiles(b)))
        assert pair["tanimoto"] == pytest.approx(expected, abs=1e-12)
    assert [p["tanimoto"] for p in pairs] == sorted((p["tanimoto"] for p in pairs), reverse=True)


async def test_rgroup_decomposition_matches_rdkit(client, analysed_job, smiles):
    core = "c1ccccc1C(=O)N"
    run = await run_analysis(client, analysed_job.job_id, "rgroup", {"core_smarts": core})
    assert run["status"] == "complete", run
    pattern = Chem.MolFromSmarts(core)
    with rdBase.BlockLogs():
        mols = [(idx, Chem.MolFromSmiles(s)) for idx, s in sorted(smiles.items())]
    matching = [(idx, mol) for idx, mol in mols if mol is not None and mol.HasSubstructMatch(pattern)]
    rows, unmatched = rdRGroupDecomposition.RGroupDecompose([pattern], [m for _, m in matching], asSmiles=True)
    kept = [idx for pos, (idx, _) in enumerate(matching) if pos not in set(unmatched)]
    result = run["result"]
    assert [d["molecule_index"] for d in result["decomposition"]] == kept
    assert [d["rgroups"] for d in result["decomposition"]] == [
        {k: v for k, v in row.items() if k.startswith("R")} for row in rows]
    assert result["unmatched_count"] == len(smiles) - len(kept)


async def test_mcs_answers_synchronously_like_chemaudit(client, analysed_job, smiles):
    a, b = sorted(smiles)[3], sorted(smiles)[9]
    response = await client.post(f"/api/v1/batch/{analysed_job.job_id}/mcs", json={"index_a": a, "index_b": b})
    body = await response.json()
    assert response.status == 200, body
    expected = rdFMCS.FindMCS([Chem.MolFromSmiles(smiles[a]), Chem.MolFromSmiles(smiles[b])], timeout=10)
    assert (body["mcs_smarts"], body["num_atoms"], body["num_bonds"]) == (
        expected.smartsString, expected.numAtoms, expected.numBonds)
    assert [d["property"] for d in body["property_deltas"]] == ["MW", "LogP", "TPSA", "QED", "HBA", "HBD",
                                                                 "RotBonds", "RingCount"]
    missing = await client.post(f"/api/v1/batch/{analysed_job.job_id}/mcs", json={"index_a": a, "index_b": 10**6})
    assert missing.status == 422 and "not in this job" in (await missing.json())["detail"]


@pytest.mark.parametrize("analysis_type, body, status, code", [
    ("nonsense", {}, 400, "unknown_analysis"),
    ("clustering", {"cutoff": 2}, 422, "invalid_option"),
    ("clustering", {"cutoff": "x"}, 422, "invalid_option"),
    ("similarity_search", {}, 422, "invalid_option"),
    ("similarity_search", {"query_smiles": "C1CC"}, 422, "invalid_smiles"),
    ("rgroup", {"core_smarts": "[[["}, 422, "invalid_smarts"),
    ("chemical_space", {"method": "mds"}, 422, "invalid_option"),
])
async def test_bad_requests_are_4xx_with_a_reason(client, analysed_job, analysis_type, body, status, code):
    response = await client.post(f"/api/v1/batch/{analysed_job.job_id}/analytics/{analysis_type}", json=body)
    answer = await response.json()
    assert response.status == status and answer["error"] == code and answer["detail"], answer


async def test_unknown_job_and_run_are_404(client):
    assert (await client.get("/api/v1/batch/00000000-0000-0000-0000-000000000001/analytics")).status == 404
    assert (await client.post("/api/v1/batch/nope/analytics/scaffold")).status == 404
    assert (await client.get("/api/v1/analytics/999999")).status == 404
    response = await client.get("/ws/analytics/999999")
    assert response.status == 404


async def test_a_query_index_that_is_not_a_molecule_ends_the_run_failed_with_the_reason(client, analysed_job):
    run = await run_analysis(client, analysed_job.job_id, "similarity_search", {"query_index": 10**6})
    assert run["status"] == "failed" and "query_index 1000000" in run["error"]


async def test_the_socket_sends_progress_then_the_end_then_closes(client, analysed_job):
    response = await client.post(f"/api/v1/batch/{analysed_job.job_id}/analytics/clustering", json={"cutoff": 0.61})
    run_id = (await response.json())["run_id"]
    messages = []
    async with client.ws_connect(f"/ws/analytics/{run_id}") as ws:
        await ws.send_str("ping")
        async with asyncio.timeout(60):
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    messages.append(msg.json())
        assert ws.close_code == 1000
    assert messages[-1]["status"] == "complete" and messages[-1]["progress"] == 100.0
    assert all(m["type"] == "analytics" and m["run_id"] == run_id and m["analysis_type"] == "clustering"
               for m in messages)
    seqs = [m["seq"] for m in messages]
    assert seqs == sorted(set(seqs))
    async with client.ws_connect(f"/ws/analytics/{run_id}") as ws:  # after the end: the end at once
        late = [msg.json() async for msg in ws if msg.type == aiohttp.WSMsgType.TEXT]
    assert late == [messages[-1]]


async def test_a_job_still_being_audited_is_refused(client, analysed_job):
    with psycopg.connect(analysed_job.database_url) as conn:
        job_id = conn.execute("INSERT INTO jobs (id, filename, format, total, chunk_count)"
                              " VALUES (gen_random_uuid(), 'x.smi', 'smiles', 10, 1) RETURNING id").fetchone()[0]
    response = await client.post(f"/api/v1/batch/{job_id}/analytics/scaffold")
    assert response.status == 409 and (await response.json())["error"] == "job_not_finished"


async def test_analytics_rows_go_with_the_purged_job(client, analysed_job):
    job_id = copy_job(analysed_job.database_url, analysed_job.job_id, 300)
    runs = [(await run_analysis(client, job_id, analysis))["run_id"] for analysis in ("clustering", "scaffold")]
    counts = ("SELECT (SELECT count(*) FROM analytics_runs WHERE job_id = %(job)s),"
              " (SELECT count(*) FROM analytics_fingerprints WHERE job_id = %(job)s),"
              " (SELECT count(*) FROM analytics_clusters WHERE run_id = ANY(%(runs)s)),"
              " (SELECT count(*) FROM analytics_scaffolds WHERE run_id = ANY(%(runs)s))")
    with psycopg.connect(analysed_job.database_url, autocommit=True) as conn:
        before = conn.execute(counts, {"job": job_id, "runs": runs}).fetchone()
        assert purge_job(conn, job_id, 100)
        after = conn.execute(counts, {"job": job_id, "runs": runs}).fetchone()
    assert before[0] == 2 and all(before) and after == (0, 0, 0, 0)


async def test_real_answers_conform_to_the_openapi_document(client, analysed_job, smiles):
    from tests.integration.test_openapi import assert_conforms

    document = await (await client.get("/api/v1/openapi.json")).json()
    job = analysed_job.job_id
    first = await run_analysis(client, job, "clustering", {"threshold": 0.5})
    assert_conforms(document, "/api/v1/analytics/{run_id}", "get", 200, first)
    calls = [
        ("get", "/api/v1/batch/{job_id}/analytics", f"/api/v1/batch/{job}/analytics", None),
        ("post", "/api/v1/batch/{job_id}/analytics/{analysis_type}", f"/api/v1/batch/{job}/analytics/clustering",
         {"threshold": 0.5}),
        ("post", "/api/v1/batch/{job_id}/analytics/{analysis_type}", f"/api/v1/batch/{job}/analytics/taxonomy", {}),
        ("post", "/api/v1/batch/{job_id}/analytics/{analysis_type}", f"/api/v1/batch/{job}/analytics/pie", {}),
        ("post", "/api/v1/batch/{job_id}/analytics/{analysis_type}", f"/api/v1/batch/{job}/analytics/rgroup", {}),
        ("post", "/api/v1/batch/{job_id}/mcs", f"/api/v1/batch/{job}/mcs", {"index_a": 0, "index_b": 2}),
        ("post", "/api/v1/batch/{job_id}/mcs", f"/api/v1/batch/{job}/mcs", {"index_a": 0}),
        ("get", "/api/v1/analytics/{run_id}", "/api/v1/analytics/123456789", None),
    ]
    for method, template, url, body in calls:
        response = await client.request(method.upper(), url, json=body)
        assert_conforms(document, template, method, response.status, await response.json())


async def test_a_job_with_too_many_open_runs_is_refused_with_429(client, analysed_job):
    from service.http.analytics_api import MAX_OPEN_RUNS

    job_id = copy_job(analysed_job.database_url, analysed_job.job_id, 50)
    with psycopg.connect(analysed_job.database_url) as conn:  # runs no worker will take: already leased
        for k in range(MAX_OPEN_RUNS):
            conn.execute("INSERT INTO analytics_runs (job_id, type, params, status, lease_until, attempts)"
                         " VALUES (%s, 'similarity_search', %s, 'running', now() + interval '1 hour', 1)",
                         (job_id, psycopg.types.json.Jsonb({"query_index": k})))
    response = await client.post(f"/api/v1/batch/{job_id}/analytics/scaffold")
    body = await response.json()
    assert response.status == 429 and body["error"] == "too_many_analyses" and response.headers["Retry-After"]
    with psycopg.connect(analysed_job.database_url) as conn:
        conn.execute("DELETE FROM analytics_runs WHERE job_id = %s", (job_id,))


async def test_batch_sockets_never_carry_analytics_messages(client, analysed_job):
    async with client.ws_connect("/ws/jobs") as firehose:
        run = await run_analysis(client, analysed_job.job_id, "clustering", {"cutoff": 0.55})
        assert run["status"] == "complete"
        frames = []
        with contextlib.suppress(asyncio.TimeoutError):
            async with asyncio.timeout(1.0):
                async for msg in firehose:
                    frames.append(msg.json())
    assert all("run_id" not in frame and frame.get("type") != "analytics" for frame in frames), frames
    assert all({"job_id", "status", "progress", "processed", "total", "eta_seconds"} <= frame.keys() for frame in frames)
