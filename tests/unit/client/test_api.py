"""The client's HTTP layer against small in-process servers: errors become one line, cut downloads leave nothing."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web

from chemaudit_client.api import (
    ApiClient,
    ServerError,
    SocketLost,
    SocketRefused,
    Unreachable,
    safe_download_name,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _html_502(request):
    return web.Response(status=502, text="<html><body>Bad Gateway</body></html>", content_type="text/html")


async def _json_404(request):
    return web.json_response({"error": "job_not_found", "detail": "No job with id x."}, status=404)


async def _cut_export(request):
    response = web.StreamResponse(headers={"Content-Disposition": 'attachment; filename="../../etc/x.csv"'})
    await response.prepare(request)
    await response.write(b"index,name\r\n0,a\r\n")
    request.transport.close()  # the end of the chunked body never comes
    return response


async def _good_export(request):
    response = web.StreamResponse(headers={"Content-Disposition": 'attachment; filename="../nci_results.csv"',
                                           "X-Total-Results": "1"})
    await response.prepare(request)
    await response.write(b"index,name\r\n")
    await response.write(b"0,a\r\n")
    await response.write_eof()
    return response


async def _socket(request):
    if request.match_info["job_id"] == "refused":
        return web.Response(status=502, text="no sockets")
    if request.match_info["job_id"] == "unknown":
        return web.json_response({"error": "job_not_found", "detail": "No job."}, status=404)
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_json({"job_id": "j", "status": "processing", "processed": 1, "total": 2, "seq": 1,
                        "after": request.query.get("after_seq")})
    await ws.send_str("not json")
    return ws


@pytest.fixture
async def base(aiohttp_server):
    app = web.Application()
    app.router.add_get("/api/v1/batch/gateway/status", _html_502)
    app.router.add_get("/api/v1/batch/missing/status", _json_404)
    app.router.add_get("/api/v1/batch/cut/export", _cut_export)
    app.router.add_get("/api/v1/batch/good/export", _good_export)
    app.router.add_get("/ws/batch/{job_id}", _socket)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


async def test_error_answers_become_one_readable_line(base):
    async with ApiClient(base) as api:
        with pytest.raises(ServerError) as json_error:
            await api.status("missing")
        with pytest.raises(ServerError) as html_error:
            await api.status("gateway")
    assert json_error.value.message == "No job with id x. (job_not_found, HTTP 404)"
    assert html_error.value.message == "The server answered 502 Bad Gateway (http_error, HTTP 502)"


async def test_no_server_is_unreachable_with_exit_code_3():
    async with ApiClient(f"http://127.0.0.1:{free_port()}") as api:
        with pytest.raises(Unreachable) as caught:
            await api.cancel("x")
    assert caught.value.exit_code == 3 and "Cannot reach the ChemAudit server" in caught.value.message


async def test_a_cut_download_leaves_no_file(base, tmp_path):
    target = tmp_path / "out.csv"
    async with ApiClient(base) as api:
        with pytest.raises(Unreachable, match="cut off"):
            await api.export("cut", {"format": "csv"}, target)
    assert list(tmp_path.iterdir()) == []


async def test_a_download_goes_to_the_servers_name_kept_in_this_folder(base, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with ApiClient(base) as api:
        path, size, count = await api.export("good", {"format": "csv"}, None)
    assert str(path) == "nci_results.csv" and size == 17 and count == "1"
    assert (tmp_path / "nci_results.csv").read_bytes() == b"index,name\r\n0,a\r\n"


def test_download_names_cannot_leave_the_folder():
    assert safe_download_name("../../etc/passwd", "f") == "passwd"
    assert safe_download_name("..\\..\\x.csv", "f") == "x.csv"
    assert safe_download_name("..", "fallback.csv") == "fallback.csv"
    assert safe_download_name(None, "fallback.csv") == "fallback.csv"


async def test_socket_handshake_answers(base):
    async with ApiClient(base) as api:
        with pytest.raises(SocketRefused, match="502"):
            async for _ in api.socket_messages("refused"):
                pass
        with pytest.raises(ServerError, match="job_not_found"):
            async for _ in api.socket_messages("unknown"):
                pass
        received = []
        with pytest.raises(SocketLost):  # a frame that is not JSON: the stream cannot be trusted
            async for message in api.socket_messages("live", after_seq=7):
                received.append(message)
    assert received == [{"job_id": "j", "status": "processing", "processed": 1, "total": 2, "seq": 1, "after": "7"}]


def test_ws_url_follows_the_scheme():
    assert ApiClient("http://h:8001/").ws_url("j") == "ws://h:8001/ws/batch/j"
    assert ApiClient("https://audit.example.org").ws_url("j") == "wss://audit.example.org/ws/batch/j"
