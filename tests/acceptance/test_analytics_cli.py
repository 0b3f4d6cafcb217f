"""Acceptance: `chemaudit serve` starts analytics workers; `chemaudit analytics` starts and follows
an analysis, and its clusters are RDKit's Butina clusters of the job's molecules."""

from __future__ import annotations

import psycopg
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator
from rdkit.ML.Cluster import Butina

from tests.acceptance.test_cli import cli, server  # noqa: F401 (server is a fixture)
from tests.support.molecules import write_csv

pytestmark = pytest.mark.acceptance


def butina_sizes(url: str, job_id: str, cutoff: float) -> list[int]:
    with psycopg.connect(url) as conn:
        smiles = [row[0] for row in conn.execute(
            "SELECT canonical_smiles FROM result_rows WHERE job_id = %s AND status = 'success'"
            " AND canonical_smiles IS NOT NULL ORDER BY idx", (job_id,))]
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fps = [generator.GetFingerprint(Chem.MolFromSmiles(s)) for s in smiles]
    distances = [1.0 - s for i in range(1, len(fps)) for s in DataStructs.BulkTanimotoSimilarity(fps[i], fps[:i])]
    return sorted((len(c) for c in Butina.ClusterData(distances, len(fps), cutoff, isDistData=True)), reverse=True)


def test_analytics_clustering_watch_prints_progress_and_the_clusters(server, tmp_path):
    job_id = cli("submit", str(write_csv(tmp_path / "nci.csv", 400)), "--watch", server=server).stdout.strip()
    done = cli("analytics", job_id, "clustering", "--threshold", "0.35", "--watch", server=server)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.splitlines()[0]
    assert run_id.isdigit()
    assert "clustering: complete 100%" in done.stderr
    expected = butina_sizes(server.database_url, job_id, 0.35)
    assert f"{len(expected):,} clusters (cutoff 0.35), largest {expected[0]:,}" in done.stdout
    overview = cli("analytics", job_id, server=server)
    assert overview.returncode == 0 and f"clustering         complete  run {run_id}" in overview.stdout
    again = cli("analytics", job_id, "clustering", "--threshold", "0.35", server=server)
    assert "already complete" in again.stderr


def test_analytics_errors_are_one_line_with_exit_code(server):
    done = cli("analytics", "00000000-0000-0000-0000-000000000001", "scaffold", server=server)
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1 and "No job" in done.stderr
