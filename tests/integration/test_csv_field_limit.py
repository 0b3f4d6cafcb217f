"""A CSV record with a SMILES past the csv module's 131,072-character field limit keeps its name
and gets the size error, end to end (issue 13, "Also")."""

from __future__ import annotations

import pytest

from service.app import create_app
from tests.integration.helpers import upload, wait_for_status
from tests.support.molecules import nci_smiles

pytestmark = pytest.mark.integration


async def test_a_180000_character_smiles_keeps_its_name_and_gets_the_size_error(settings, aiohttp_client,
                                                                                start_worker, tmp_path):
    start_worker()
    client = await aiohttp_client(create_app(settings))
    molecules = nci_smiles(4)
    smiles, _ = molecules[0]
    huge = ".".join([smiles] * (180_000 // (len(smiles) + 1) + 1))
    assert len(huge) > 131_072
    rows = ["SMILES,Name", *(f"{s},{n}" for s, n in molecules[1:3]), f"{huge},hugemol", f"{molecules[3][0]},last"]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\n")
    job_id = (await upload(client, path))["job_id"]
    await wait_for_status(client, job_id, lambda body: body["status"] == "complete")
    items = (await (await client.get(f"/api/v1/batch/{job_id}")).json())["results"]
    assert [item["name"] for item in items] == [molecules[1][1], molecules[2][1], "hugemol", "last"]
    big = items[2]
    assert big["status"] == "error" and big["error"].startswith("input_too_large")
    assert f"{len(huge)} characters" in big["error"]
    assert [item["status"] for item in items[:2] + items[3:]] == ["success"] * 3
