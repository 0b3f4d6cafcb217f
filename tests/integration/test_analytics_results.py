"""Each analysis on real audited molecules, checked against RDKit computing the same thing here."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import psycopg
import pytest
from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem.Scaffolds import MurckoScaffold
from rdkit.ML.Cluster import Butina

from chemaudit.analytics import scaffolds
from chemaudit.analytics.taxonomy import RULES
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
def molecules(analysed_job) -> list[tuple[int, Chem.Mol]]:
    with rdBase.BlockLogs():
        pairs = [(idx, Chem.MolFromSmiles(smiles)) for idx, smiles in
                 audited_smiles(analysed_job.database_url, analysed_job.job_id)]
    return [(idx, mol) for idx, mol in pairs if mol is not None]


async def test_clustering_matches_rdkit_butina(client, analysed_job, molecules):
    fps = [GENERATOR.GetFingerprint(mol) for _, mol in molecules]
    distances = []
    for i in range(1, len(fps)):
        distances.extend(1.0 - s for s in DataStructs.BulkTanimotoSimilarity(fps[i], fps[:i]))
    expected = Butina.ClusterData(distances, len(fps), 0.4, isDistData=True)
    run = await run_analysis(client, analysed_job.job_id, "clustering", {"cutoff": 0.4})
    assert run["status"] == "complete", run
    with psycopg.connect(analysed_job.database_url) as conn:
        rows = conn.execute("SELECT idx, cluster_id, representative FROM analytics_clusters WHERE run_id = %s"
                            " ORDER BY cluster_id", (run["run_id"],)).fetchall()
    position = {idx: pos for pos, (idx, _) in enumerate(molecules)}
    clusters: dict[int, list[int]] = {}
    centres = {}
    for idx, cid, representative in rows:
        clusters.setdefault(cid, []).append(position[idx])
        if representative:
            centres[cid] = position[idx]
    assert len(clusters) == len(expected)
    for cid, members in enumerate(expected):
        assert sorted(clusters[cid]) == sorted(members) and centres[cid] == members[0]
    result = run["result"]
    assert result["cluster_count"] == len(expected)
    assert result["singleton_count"] == sum(len(c) == 1 for c in expected)
    assert result["largest_cluster_size"] == max(len(c) for c in expected)
    assert result["distance_cutoff"] == 0.4


async def test_scaffold_counts_match_rdkit(client, analysed_job, molecules):
    expected = Counter(rdkit_scaffold(mol) for _, mol in molecules)
    run = await run_analysis(client, analysed_job.job_id, "scaffold")
    assert run["status"] == "complete", run
    result = run["result"]
    assert result["unique_scaffold_count"] == len(expected)
    top = result["scaffolds"][0]
    assert (top["scaffold_smiles"], top["count"]) == max(expected.items(), key=lambda kv: (kv[1], [-ord(c) for c in kv[0]]))
    for group in result["scaffolds"]:
        assert group["count"] == expected[group["scaffold_smiles"]]
    total = sum(expected.values())
    entropy = -sum(n / total * math.log2(n / total) for n in expected.values())
    assert result["shannon_entropy"] == pytest.approx(entropy, abs=1e-5)
    with psycopg.connect(analysed_job.database_url) as conn:
        stored = dict(conn.execute("SELECT scaffold, count FROM analytics_scaffold_groups WHERE run_id = %s",
                                   (run["run_id"],)).fetchall())
    assert stored == dict(expected)


def rdkit_scaffold(mol: Chem.Mol) -> str:
    return Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(mol)) if mol.GetRingInfo().NumRings() else ""


def test_the_audit_stores_each_successful_molecules_scaffold(analysed_job, molecules):
    with psycopg.connect(analysed_job.database_url) as conn:
        rows = conn.execute("SELECT r.idx, r.status, r.canonical_smiles, r.scaffold, d.scaffold FROM result_rows r"
                            " JOIN result_docs d ON d.id = r.doc_id WHERE r.job_id = %s ORDER BY r.idx",
                            (analysed_job.job_id,)).fetchall()
    success = {idx: (canonical, row_scaffold, doc_scaffold)
               for idx, status, canonical, row_scaffold, doc_scaffold in rows if status == "success"}
    assert {idx for idx, _ in molecules} <= set(success) and len(rows) > len(success)  # unreadable: errors
    assert all(row[3] is None and row[4] is None for row in rows if row[1] == "error")
    assert all(row == doc == scaffolds.murcko(canonical) for canonical, row, doc in success.values())
    # and what RDKit's own Murcko of the fully sanitized molecule gives
    assert {idx: success[idx][1] for idx, _ in molecules} == {idx: rdkit_scaffold(mol) for idx, mol in molecules}
    assert "" in {row for _, row, _ in success.values()}  # acyclic molecules among them


def _scaffold_run(url: str, run: dict) -> tuple[dict, list[tuple], list[tuple]]:
    with psycopg.connect(url) as conn:
        members = conn.execute("SELECT idx, scaffold FROM analytics_scaffolds WHERE run_id = %s ORDER BY idx",
                               (run["run_id"],)).fetchall()
        groups = conn.execute("SELECT scaffold, generic_scaffold, count FROM analytics_scaffold_groups"
                              " WHERE run_id = %s ORDER BY scaffold", (run["run_id"],)).fetchall()
    return run["result"], members, groups


# Rows stored without a scaffold (before migration 0011, or documents reused from before it).
UNSTORED = {"every other row": "mod(idx, 2) = 0", "every row": "true"}


@pytest.mark.parametrize("unstored", UNSTORED)
async def test_rows_without_a_stored_scaffold_give_the_same_analysis(client, analysed_job, unstored):
    url, job_id = analysed_job.database_url, analysed_job.job_id
    stored = await run_analysis(client, job_id, "scaffold")
    assert stored["status"] == "complete", stored
    with psycopg.connect(url) as conn:
        total = conn.execute("SELECT count(*) FROM result_rows WHERE job_id = %s", (job_id,)).fetchone()[0]
    copy = copy_job(url, job_id, total)  # the same idx, rows and stored scaffolds
    try:
        with psycopg.connect(url) as conn:
            cleared = conn.execute(f"UPDATE result_rows SET scaffold = NULL WHERE job_id = %s AND status = 'success'"
                                   f" AND {UNSTORED[unstored]}", (copy,)).rowcount
        assert cleared > 200
        computed = await run_analysis(client, copy, "scaffold")
        assert computed["status"] == "complete", computed
        assert _scaffold_run(url, computed) == _scaffold_run(url, stored)
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("DELETE FROM jobs WHERE id = %s", (copy,))


async def test_the_analysis_reads_the_stored_scaffolds(client, analysed_job):
    url = analysed_job.database_url
    copy = copy_job(url, analysed_job.job_id, 300)
    try:
        with psycopg.connect(url) as conn:
            planted = conn.execute("UPDATE result_rows SET scaffold = 'C1CC1' WHERE job_id = %s AND status = 'success'"
                                   " AND scaffold <> 'C1CC1' AND mod(idx, 3) = 1 RETURNING idx", (copy,)).fetchall()
        run = await run_analysis(client, copy, "scaffold")
        _, members, groups = _scaffold_run(url, run)
        assert {idx for idx, scaffold in members if scaffold == "C1CC1"} >= {idx for (idx,) in planted}
        assert ("C1CC1", "C1CC1", sum(1 for _, scaffold in members if scaffold == "C1CC1")) in groups
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("DELETE FROM jobs WHERE id = %s", (copy,))


async def test_similarity_search_finds_rdkits_nearest_neighbours(client, analysed_job, molecules):
    query_idx, query_mol = molecules[17]
    fps = [GENERATOR.GetFingerprint(mol) for _, mol in molecules]
    sims = DataStructs.BulkTanimotoSimilarity(GENERATOR.GetFingerprint(query_mol), fps)
    ranked = sorted(((s, idx) for (idx, _), s in zip(molecules, sims) if idx != query_idx), key=lambda t: (-t[0], t[1]))
    run = await run_analysis(client, analysed_job.job_id, "similarity_search", {"query_index": query_idx, "top_k": 8})
    assert run["status"] == "complete", run
    neighbours = run["result"]["neighbors"]
    assert [(n["index"], n["similarity"]) for n in neighbours] == [(idx, s) for s, idx in ranked[:8]]
    by_smiles = await run_analysis(client, analysed_job.job_id, "similarity_search",
                                   {"query_smiles": Chem.MolToSmiles(query_mol), "top_k": 3})
    assert by_smiles["result"]["query_index"] is None
    assert by_smiles["result"]["neighbors"][0] == {"index": query_idx, "similarity": 1.0,
                                                  "smiles": Chem.MolToSmiles(query_mol)}


async def test_chemical_space_is_the_pca_of_the_fingerprints(client, analysed_job, molecules):
    matrix = np.array([GENERATOR.GetFingerprintAsNumPy(mol) for _, mol in molecules], dtype=np.float64)
    centred = matrix - matrix.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:2].T
    run = await run_analysis(client, analysed_job.job_id, "chemical_space", {"method": "pca"})
    assert run["status"] == "complete", run
    result = run["result"]
    assert result["molecule_indices"] == [idx for idx, _ in molecules]
    coords = np.array(result["coordinates"])
    for axis in range(2):  # an axis's sign is arbitrary
        sign = np.sign(coords[:, axis] @ expected[:, axis])
        assert np.allclose(coords[:, axis] * sign, expected[:, axis], atol=1e-3)
    explained = singular[:2] ** 2 / (singular ** 2).sum()
    assert result["variance_explained"] == pytest.approx(explained.tolist(), rel=1e-4)
    assert len(result["scores"]) == len(molecules) and result["sampled"] is False


async def test_taxonomy_counts_match_rdkit_substructure_matches(client, analysed_job, molecules):
    patterns = [(rule, Chem.MolFromSmarts(rule.smarts)) for rule in RULES]
    expected_rules = Counter()
    expected_categories = Counter()
    for _, mol in molecules:
        names = [rule.name for rule, pattern in patterns if mol.HasSubstructMatch(pattern)]
        expected_rules.update(names)
        expected_categories.update({rule.category for rule, pattern in patterns if rule.name in names})
    run = await run_analysis(client, analysed_job.job_id, "taxonomy")
    assert run["status"] == "complete", run
    assert run["result"]["rule_counts"] == dict(expected_rules)
    assert run["result"]["category_counts"] == dict(expected_categories)
    assert run["result"]["total_molecules"] == len(molecules)


def documented_queries() -> dict[str, str]:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "reporting.md").read_text()
    return dict(re.findall(r"```sql\n-- analytics query: (\w+)\n(.*?)```", text, re.S))


async def test_the_documented_analytics_queries_agree_with_the_api(client, analysed_job):
    queries = documented_queries()
    assert set(queries) == {"latest_clusterings", "cluster_members", "scaffold_scores"}
    clustering = await run_analysis(client, analysed_job.job_id, "clustering", {"cutoff": 0.3})
    scaffold = await run_analysis(client, analysed_job.job_id, "scaffold")
    with psycopg.connect(analysed_job.database_url) as conn:
        latest = conn.execute(queries["latest_clusterings"]).fetchall()
        assert [(str(r[0]), r[1], r[3], r[4]) for r in latest] == [(
            analysed_job.job_id, clustering["run_id"], clustering["result"]["cluster_count"],
            clustering["result"]["largest_cluster_size"])]
        members = conn.execute(queries["cluster_members"].replace("= 7", f"= {clustering['run_id']}")).fetchall()
        biggest = clustering["result"]["clusters"][0]
        assert [r[1] for r in members][0] == biggest["representative_index"]
        assert sorted(r[1] for r in members) == sorted(biggest["member_indices"])
        scores = conn.execute(queries["scaffold_scores"]).fetchall()
    top = scaffold["result"]["scaffolds"][:20]
    assert [(r[0], r[1]) for r in scores] == [(g["scaffold_smiles"], g["count"]) for g in top]


async def test_tsne_is_opentsne_on_rdkits_tanimoto_distances(client, analysed_job, molecules):
    from openTSNE import TSNE

    fps = [GENERATOR.GetFingerprint(mol) for _, mol in molecules]
    distances = np.array([[1.0 - s for s in DataStructs.BulkTanimotoSimilarity(fp, fps)] for fp in fps])
    expected = np.asarray(TSNE(n_components=2, perplexity=30, metric="precomputed", neighbors="exact",
                               initialization="spectral", random_state=42, n_jobs=1).fit(distances))
    run = await run_analysis(client, analysed_job.job_id, "chemical_space", {"method": "tsne"})
    assert run["status"] == "complete", run
    result = run["result"]
    assert result["method"] == "tsne" and result["variance_explained"] is None
    assert result["molecule_indices"] == [idx for idx, _ in molecules]
    assert np.allclose(np.array(result["coordinates"]), expected, atol=1e-6)
