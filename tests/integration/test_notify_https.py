"""The webhook over TLS, against a real local HTTPS server (a certificate made by openssl): the
certificate is verified against the URL's host although the connection goes to a pinned address."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess

import pytest
from aiohttp import web

from chemaudit.notify.addresses import parse_networks
from tasks import notify_webhook
from tests.integration.notify_support import free_port

pytestmark = pytest.mark.integration
LOOPBACK = parse_networks("127.0.0.0/8,::1")  # localhost may resolve to both


@pytest.fixture
def certificate(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    return key, cert


@pytest.fixture
async def https_receiver(certificate):
    key, cert = certificate
    received = []

    async def handle(request: web.Request) -> web.Response:
        received.append((request.host, await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()
    yield port, cert, received
    await runner.cleanup()


def post(url: str):
    return asyncio.to_thread(notify_webhook.post, url, b'{"event": "batch_complete"}',
                             {"Content-Type": "application/json"}, 5.0, LOOPBACK)


async def test_an_unknown_certificate_is_refused(https_receiver):
    port, _, received = https_receiver
    outcome = await post(f"https://localhost:{port}/hook")
    assert not outcome.delivered and "CERTIFICATE_VERIFY_FAILED" in outcome.error and received == []


async def test_a_trusted_certificate_for_the_urls_host_delivers(https_receiver, monkeypatch):
    port, cert, received = https_receiver
    monkeypatch.setattr(notify_webhook._PinnedHTTPS, "tls", ssl.create_default_context(cafile=str(cert)))
    outcome = await post(f"https://localhost:{port}/hook")
    assert outcome.delivered and outcome.code == 204
    assert received == [(f"localhost:{port}", b'{"event": "batch_complete"}')]
    # the same server by address: its certificate names localhost, not 127.0.0.1
    refused = await post(f"https://127.0.0.1:{port}/hook")
    assert not refused.delivered and "127.0.0.1" in refused.error and len(received) == 1


async def test_https_to_a_plain_http_port_fails_without_sending(https_receiver):
    hits = []

    async def handle(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response()

    plain = web.Application()
    plain.router.add_post("/hook", handle)
    runner = web.AppRunner(plain)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        outcome = await post(f"https://localhost:{port}/hook")
    finally:
        await runner.cleanup()
    assert not outcome.delivered and outcome.code is None and "SSL" in outcome.error and hits == []
