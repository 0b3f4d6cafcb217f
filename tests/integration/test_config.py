"""GET /api/v1/config: ChemAudit's ConfigResponse with this server's real limits (issue 13, item 6)."""

from __future__ import annotations

import pytest

from service.app import create_app
from service.http.auth import hash_key

pytestmark = pytest.mark.integration


async def test_config_names_the_service_its_version_and_its_limits(settings, aiohttp_client):
    custom = settings.replace(max_molecules=12_345, max_upload_bytes=64 * 1024 * 1024,
                              api_key_hashes=hash_key("k"))
    client = await aiohttp_client(create_app(custom))
    response = await client.get("/api/v1/config")  # no key needed: a client reads it before anything
    body = await response.json()
    assert response.status == 200, body
    assert list(body)[:4] == ["app_name", "app_version", "deployment_profile", "limits"]
    assert body["app_name"] == "ChemAudit" and body["app_version"] == "0.1.0"
    assert list(body["limits"])[:3] == ["max_batch_size", "max_file_size_mb", "max_file_size_bytes"]
    assert body["limits"]["max_batch_size"] == 12_345
    assert body["limits"]["max_file_size_mb"] == 64
    assert body["limits"]["max_file_size_bytes"] == 64 * 1024 * 1024
    assert body["limits"]["max_score_inline_indices"] == 1_000
    assert body["api_keys_required"] is True and "csv" in body["export_formats"]
