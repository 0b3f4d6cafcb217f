"""Acceptance: the dashboard's analytics panel in headless Chromium against the real `chemaudit serve`
(its analytics workers included): scaffolds, clusters, chemical space and a similarity search of a
real audited file, each checked against RDKit computing the same thing here."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import rdFingerprintGenerator
from rdkit.Chem.Scaffolds import MurckoScaffold
from rdkit.ML.Cluster import Butina

from tests.acceptance.test_browser import (  # noqa: F401 (browser, page are fixtures)
    browser,
    expect,
    page,
    save_small_png,
    upload_through_page,
)
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.acceptance
GENERATOR = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


def audited(service, job_id: str) -> list[tuple[int, Chem.Mol]]:
    with psycopg.connect(service.database_url) as conn:
        rows = conn.execute("SELECT idx, canonical_smiles FROM result_rows WHERE job_id = %s AND status = 'success'"
                            " AND canonical_smiles IS NOT NULL ORDER BY idx", (job_id,)).fetchall()
    with rdBase.BlockLogs():
        return [(idx, mol) for idx, mol in ((i, Chem.MolFromSmiles(s)) for i, s in rows) if mol is not None]


def test_analytics_panel_shows_scaffolds_clusters_space_and_neighbours(service, page):
    page.goto(f"{service.base}/")
    page.wait_for_selector("#live[data-state=live]")
    job_id = upload_through_page(page, NCI_SDF_200)
    row = f'#jobs-body tr[data-job-id="{job_id}"]'
    page.wait_for_selector(f"{row} .badge.complete", timeout=90_000)
    page.click(f"{row} a")
    page.wait_for_selector("#job-status.complete")
    molecules = audited(service, job_id)

    page.click("#run-scaffold")
    page.wait_for_selector("#scaffold-table tbody tr", timeout=60_000)
    scaffolds = Counter(Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(m)) if m.GetRingInfo().NumRings() else ""
                        for _, m in molecules)
    first = page.locator("#scaffold-table tbody tr").first
    top = first.locator("td").nth(0).text_content()
    assert int(first.locator("td").nth(2).text_content().replace(",", "")) == scaffolds["" if top == "(no rings)" else top]
    assert int(first.locator("td").nth(2).text_content().replace(",", "")) == max(scaffolds.values())
    expect(page.locator("#analytics-panel")).to_contain_text(f"{len(scaffolds)} scaffolds in {len(molecules)} molecules")

    page.fill("#cluster-threshold", "0.4")
    page.click("#run-clustering")
    page.wait_for_selector("#cluster-list li", timeout=60_000)
    fps = [GENERATOR.GetFingerprint(m) for _, m in molecules]
    distances = [1.0 - s for i in range(1, len(fps)) for s in DataStructs.BulkTanimotoSimilarity(fps[i], fps[:i])]
    clusters = Butina.ClusterData(distances, len(fps), 0.4, isDistData=True)
    expect(page.locator("#analytics-panel")).to_contain_text(f"{len(clusters)} clusters at distance 0.4")
    biggest = max(clusters, key=len)
    assert page.locator("#cluster-list li strong").first.text_content() == f"{len(biggest)} molecules"
    assert page.locator("#cluster-list li .rep").first.text_content() == str(molecules[biggest[0]][0])

    page.click("#run-space")
    page.wait_for_selector(f'#space-plot[data-points="{len(molecules)}"]', timeout=60_000)
    page.set_viewport_size({"width": 1280, "height": 2400})  # the whole panel in one screenshot

    query_idx, query = molecules[5]
    page.fill("#similarity-smiles", Chem.MolToSmiles(query))
    page.fill("#similarity-topk", "5")
    page.click("#similarity-form button[type=submit]")
    expect(page.locator("#similarity-results tbody tr")).to_have_count(5, timeout=60_000)
    sims = DataStructs.BulkTanimotoSimilarity(GENERATOR.GetFingerprint(query), fps)
    expected = sorted(((s, idx) for (idx, _), s in zip(molecules, sims)), key=lambda t: (-t[0], t[1]))[:5]
    shown = [(float(r.locator("td").nth(1).text_content()), int(r.locator("td").nth(0).text_content()))
             for r in page.locator("#similarity-results tbody tr").all()]
    assert shown == [(round(s, 3), idx) for s, idx in expected]
    assert shown[0] == (1.0, query_idx)

    png = page.locator("#analytics-panel").screenshot()
    if os.environ.get("CHEMAUDIT_ANALYTICS_SCREENSHOT"):
        save_small_png(png, Path(os.environ["CHEMAUDIT_ANALYTICS_SCREENSHOT"]))
    painted = page.evaluate("""() => { const c = document.getElementById('space-plot');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1; return n; }""")
    assert painted >= 5 * len(molecules), f"only {painted} pixels painted for {len(molecules)} points"

    page.select_option("#space-method", "tsne")
    page.click("#run-space")
    expect(page.locator("#analytics-panel")).to_contain_text(f"{len(molecules)} molecules; t-SNE", timeout=60_000)
    assert page.get_attribute("#space-plot", "data-points") == str(len(molecules))
    assert page.problems == []
