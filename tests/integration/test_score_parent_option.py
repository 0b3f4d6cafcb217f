"""The score_parent flag reaches the workers and /validate: a salt is scored on its parent."""

from __future__ import annotations

import pytest
from rdkit import Chem
from rdkit.Chem import QED

from service.app import create_app
from tests.integration.helpers import follow, upload

pytestmark = pytest.mark.integration
SALT = "CN1CCC[C@H]1c1cccnc1.Cl"  # nicotine hydrochloride
PARENT = "CN1CCC[C@H]1c1cccnc1"


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings))


async def test_an_upload_with_score_parent_scores_the_largest_fragment(client, start_worker, tmp_path):
    source = tmp_path / "salts.csv"
    source.write_text(f"SMILES,Name\n{SALT},nicotine HCl\n")
    start_worker()
    qed = {}
    for flag in ("false", "true"):
        job_id = (await upload(client, source, score_parent=flag))["job_id"]
        messages, _ = await follow(client, job_id)
        assert messages[-1]["status"] == "complete"
        item = (await (await client.get(f"/api/v1/batch/{job_id}")).json())["results"][0]
        qed[flag] = item["scoring"]["druglikeness"]["qed_score"]
    assert qed["false"] == round(QED.qed(Chem.MolFromSmiles(SALT)), 3)
    assert qed["true"] == round(QED.qed(Chem.MolFromSmiles(PARENT)), 3) != qed["false"]


async def test_validate_takes_score_parent(client):
    answers = [await (await client.post("/api/v1/validate", json={"molecule": SALT, "score_parent": flag})).json()
               for flag in (False, True)]
    assert [a["scoring"]["scored_on"] for a in answers] == ["whole_record", "largest_fragment"]
