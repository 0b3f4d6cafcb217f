"""The API key setting: /metrics behind a key when asked; a set-but-empty or malformed key list
refuses to start; the start-up log says whether keys are on."""

from __future__ import annotations

import logging

import pytest

from chemaudit.settings import Settings
from service.app import create_app
from service.http.auth import KeySettingsError, hash_key

pytestmark = pytest.mark.integration


def test_an_empty_key_list_that_was_set_is_not_the_same_as_none():
    assert Settings.from_env({}).api_key_hashes is None
    assert Settings.from_env({"CHEMAUDIT_API_KEY_HASHES": ""}).api_key_hashes == ""
    assert Settings.from_env({"CHEMAUDIT_METRICS_REQUIRE_KEY": "true"}).metrics_require_key is True


@pytest.mark.parametrize("value", ["", " , ", "my-secret", hash_key("a")[:63], hash_key("a") + ",zz" + hash_key("b")[2:]])
def test_an_empty_or_malformed_key_list_refuses_to_start(value):
    with pytest.raises(KeySettingsError) as refused:
        create_app(Settings(database_url="postgresql://unused", api_key_hashes=value))
    message = str(refused.value)
    assert "CHEMAUDIT_API_KEY_HASHES" in message and "\n" not in message
    assert "my-secret" not in message  # a key pasted in clear is never echoed to the logs


def test_the_start_up_log_says_whether_keys_are_on(caplog):
    with caplog.at_level(logging.INFO, logger="chemaudit.app"):
        create_app(Settings(database_url="postgresql://unused"))
        create_app(Settings(database_url="postgresql://unused",
                            api_key_hashes=f"{hash_key('a')}, {hash_key('b').upper()}"))
    lines = [record.getMessage() for record in caplog.records if record.name == "chemaudit.app"]
    assert any(line.startswith("API keys off") for line in lines), lines
    assert any(line.startswith("API keys on: 2 accepted") for line in lines), lines


async def test_metrics_need_no_key_by_default(settings, aiohttp_client):
    api = await aiohttp_client(create_app(settings.replace(api_key_hashes=hash_key("alice-key"))))
    assert (await api.get("/metrics")).status == 200
    assert (await api.get("/api/v1/batch")).status == 401  # keys are on for the API


async def test_metrics_can_require_a_key(settings, aiohttp_client):
    api = await aiohttp_client(create_app(settings.replace(api_key_hashes=hash_key("alice-key"),
                                                           metrics_require_key=True)))
    assert (await api.get("/metrics")).status == 401
    assert (await api.get("/metrics", headers={"X-API-Key": "mallory-key"})).status == 401
    answered = await api.get("/metrics", headers={"X-API-Key": "alice-key"})
    assert answered.status == 200 and "chemaudit_jobs" in await answered.text()
    assert (await api.get("/metrics", params={"api_key": "alice-key"})).status == 200


async def test_requiring_a_key_for_metrics_without_keys_leaves_them_open(settings, aiohttp_client):
    api = await aiohttp_client(create_app(settings.replace(metrics_require_key=True)))
    assert (await api.get("/metrics")).status == 200
