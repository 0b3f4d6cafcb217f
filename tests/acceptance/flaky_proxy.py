"""A relay in front of the real service that breaks WebSockets on purpose.

HTTP is forwarded as is. A socket is either refused at the handshake (502, as a proxy without
WebSocket support answers) or relayed from the service and, the first time, cut after a few
messages with 1001 (as when a web node restarts). It records each socket's query string, so a
test can see what a reconnecting client asked for.
"""

from __future__ import annotations

import aiohttp
from aiohttp import web

from tests.acceptance.conftest import free_port


class FlakyProxy:
    def __init__(self, upstream: str, *, refuse_sockets: bool = False, drop_after: int | None = None):
        self.upstream = upstream.rstrip("/")
        self.refuse_sockets = refuse_sockets
        self.drop_after = drop_after
        self.socket_queries: list[str] = []
        self.relayed: list[list[dict]] = []  # the messages passed on, per socket
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> FlakyProxy:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/ws/batch/{job_id}", self._socket)
        app.router.add_route("*", "/{tail:.*}", self._http)
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self._runner.cleanup()
        await self._session.close()

    async def _http(self, request: web.Request) -> web.Response:
        headers = {name: request.headers[name] for name in ("Content-Type", "X-API-Key") if name in request.headers}
        async with self._session.request(request.method, self.upstream + request.path_qs,
                                         data=await request.read(), headers=headers) as answer:
            body = await answer.read()
            kept = {name: answer.headers[name] for name in ("Content-Type", "Content-Disposition",
                                                             "X-Total-Results") if name in answer.headers}
            return web.Response(status=answer.status, body=body, headers=kept)

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        self.socket_queries.append(request.query_string)
        if self.refuse_sockets:
            return web.Response(status=502, text="<html>502 Bad Gateway: no WebSockets here</html>")
        client = web.WebSocketResponse()
        await client.prepare(request)
        relayed: list[dict] = []
        self.relayed.append(relayed)
        upstream_url = self.upstream.replace("http://", "ws://", 1) + request.path_qs
        async with self._session.ws_connect(upstream_url) as upstream:
            async for frame in upstream:
                await client.send_str(frame.data)
                relayed.append(frame.json())
                if self.drop_after is not None and len(self.relayed) == 1 and len(relayed) >= self.drop_after:
                    await client.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"proxy restarting")
                    return client
        await client.close()
        return client
