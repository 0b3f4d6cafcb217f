"""POST /api/v1/validate reads its JSON body strictly: too deep or non-finite is a 400, a flag is
read one way (the string "false" is false), and flags of every endpoint parse alike."""

from __future__ import annotations

import json

import pytest

from service.app import create_app

pytestmark = pytest.mark.integration

VALIDATE = "/api/v1/validate"


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings))


async def post_raw(client, body: str):
    response = await client.post(VALIDATE, data=body.encode(), headers={"Content-Type": "application/json"})
    text = await response.text()
    return response.status, json.loads(text)  # every answer is valid JSON (no NaN echoed)


def assert_error(body: dict, code: str) -> None:
    assert set(body) == {"error", "detail"} and body["error"] == code, body
    assert body["detail"].endswith(".") and "Traceback" not in body["detail"]


async def test_a_deeply_nested_body_is_a_400_not_a_500(client):
    for levels in (100_000, 40):
        status, body = await post_raw(client, '{"molecule": "CCO", "x": ' + "[" * levels + "]" * levels + "}")
        assert status == 400, (levels, body)
        assert_error(body, "too_deep")
    status, _ = await post_raw(client, '{"molecule": "CCO", "checks": ["all"]}')
    assert status == 200


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
async def test_non_finite_numbers_are_refused(client, number):
    status, body = await post_raw(client, f'{{"molecule": "CCO", "name": {number}}}')
    assert status == 400
    assert_error(body, "non_finite_number")


async def test_a_name_that_is_not_text_is_refused(client):
    status, body = await post_raw(client, '{"molecule": "CCO", "name": [1, 2]}')
    assert status == 422
    assert_error(body, "invalid_option")


@pytest.mark.parametrize(("value", "on"), [(False, False), ("false", False), ("off", False), ("0", False),
                                           ("", False), (True, True), ("true", True), ("YES", True)])
async def test_flags_are_read_like_form_flags(client, value, on):
    response = await client.post(VALIDATE, json={"molecule": "CCO", "include_standardization": value})
    assert response.status == 200, await response.text()
    assert ((await response.json())["standardization"] is not None) is on


@pytest.mark.parametrize("value", ["maybe", 1, 0, None, [], {}])
async def test_anything_else_as_a_flag_is_a_422(client, value):
    response = await client.post(VALIDATE, json={"molecule": "CCO", "include_chembl_alerts": value})
    assert response.status == 422
    body = await response.json()
    assert_error(body, "invalid_option")
    assert "include_chembl_alerts" in body["detail"]


async def test_export_raw_text_uses_the_same_parser(client):

    unknown = "00000000-0000-4000-8000-000000000000"
    response = await client.get(f"/api/v1/batch/{unknown}/export", params={"raw_text": "maybe"})
    assert response.status == 422
    assert "raw_text" in (await response.json())["detail"]
