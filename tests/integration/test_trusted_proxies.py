"""Behind a trusted proxy each forwarded client has its own rate-limit bucket and socket cap;
without the setting, or from a peer that is not trusted, the forwarding headers are ignored.
The test client connects from 127.0.0.1, which plays the proxy."""

from __future__ import annotations

import aiohttp
import pytest

from service.app import create_app
from tests.integration.helpers import upload
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

SMALL = b"CCO ethanol\n"


async def post_upload(client, headers: dict) -> int:
    form = aiohttp.FormData()
    form.add_field("file", SMALL, filename="one.smi")
    response = await client.post("/api/v1/batch/upload", data=form, headers=headers)
    if response.status == 429:
        assert int(response.headers["Retry-After"]) >= 1
    return response.status


def xff(value: str) -> dict:
    return {"X-Forwarded-For": value}


async def test_forwarded_clients_of_a_trusted_proxy_get_their_own_buckets(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=1,
                                                              trusted_proxies="127.0.0.0/8, ::1")))
    statuses = [await post_upload(client, xff(f"198.51.100.{i}")) for i in range(1, 6)]
    assert statuses == [202] * 5  # five clients, one upload each: none is "the proxy"
    assert await post_upload(client, xff("198.51.100.1")) == 429  # the same client again
    # A client cannot escape its bucket by writing addresses of its own in front: the nearest
    # proxy appended the real one last, and that is the one read.
    assert await post_upload(client, xff("203.0.113.77, 198.51.100.2")) == 429
    assert await post_upload(client, {"Forwarded": 'for="[2001:db8::7]:4711";proto=https'}) == 202
    assert await post_upload(client, {"Forwarded": "for=192.0.2.60"}) == 202
    assert await post_upload(client, {"Forwarded": "For=192.0.2.60, for=127.0.0.1"}) == 429


async def test_without_the_setting_the_headers_are_ignored(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=1)))
    assert await post_upload(client, xff("198.51.100.1")) == 202
    assert await post_upload(client, xff("198.51.100.2")) == 429  # one peer, one bucket
    assert await post_upload(client, {"Forwarded": "for=192.0.2.9"}) == 429


async def test_an_untrusted_peer_cannot_choose_its_address(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=1,
                                                              trusted_proxies="10.0.0.0/8")))
    assert await post_upload(client, xff("198.51.100.1")) == 202
    assert await post_upload(client, xff("198.51.100.2")) == 429


async def test_socket_caps_count_forwarded_clients_apart(settings, aiohttp_client):
    trusted = await aiohttp_client(create_app(settings.replace(ws_max_per_address=1, trusted_proxies="127.0.0.1")))
    job_id = (await upload(trusted, NCI_SDF_200))["job_id"]
    path = f"/ws/batch/{job_id}"
    first = await trusted.ws_connect(path, headers=xff("198.51.100.1"))
    second = await trusted.ws_connect(path, headers=xff("198.51.100.2"))  # another user behind the proxy
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await trusted.ws_connect(path, headers=xff("198.51.100.1"))
    assert refused.value.status == 429
    for ws in (first, second):
        await ws.close()

    plain = await aiohttp_client(create_app(settings.replace(ws_max_per_address=1)))
    first = await plain.ws_connect(path, headers=xff("198.51.100.1"))
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await plain.ws_connect(path, headers=xff("198.51.100.2"))
    assert refused.value.status == 429
    await first.close()


def test_a_malformed_setting_stops_the_node(settings):
    with pytest.raises(ValueError, match="CHEMAUDIT_TRUSTED_PROXIES entry 2"):
        create_app(settings.replace(trusted_proxies="10.0.0.1, nginx"))


def test_the_compose_file_trusts_its_proxy_and_only_it():
    import ipaddress
    from pathlib import Path

    import yaml

    docker = Path(__file__).parents[2] / "docker"
    compose = yaml.safe_load((docker / "compose.yaml").read_text())
    proxy = ipaddress.ip_address(compose["services"]["proxy"]["networks"]["default"]["ipv4_address"])
    pool = compose["networks"]["default"]["ipam"]["config"][0]
    assert proxy in ipaddress.ip_network(pool["subnet"]) and proxy not in ipaddress.ip_network(pool["ip_range"])
    for name in ("web-a", "web-b"):
        assert compose["services"][name]["environment"]["CHEMAUDIT_TRUSTED_PROXIES"] == str(proxy)
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in (docker / "nginx.conf").read_text()
