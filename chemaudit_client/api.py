"""The HTTP and WebSocket calls of the CLI client, with the server's errors as exceptions.

Every failure the user can meet becomes a ClientFailure with one readable line: the server's
own {"error", "detail"}, or why the server could not be reached.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping
from pathlib import Path

import aiohttp

API = "/api/v1"
DOWNLOAD_PIECE = 64 * 1024
HEARTBEAT = 15.0  # seconds between WebSocket pings; a dead connection is noticed within two


class ClientFailure(Exception):
    """A failure to report as one line, ending the command with `exit_code`."""

    exit_code = 4

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ServerError(ClientFailure):
    """The server answered with an error ({"error", "detail"} and an HTTP status)."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(f"{detail} ({code}, HTTP {status})")
        self.status, self.code, self.detail = status, code, detail


class Unreachable(ClientFailure):
    """The server could not be reached, or the connection broke."""

    exit_code = 3


class SocketRefused(Exception):
    """The server answered the WebSocket handshake with something other than a socket."""


class SocketLost(Exception):
    """A WebSocket connection failed or broke before the job ended."""


async def server_error(response: aiohttp.ClientResponse) -> ServerError:
    """The ServerError of an error response; proxies' HTML pages get a generic line."""
    text = await response.text(errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        return ServerError(response.status, str(body["error"]), str(body.get("detail") or body["error"]))
    return ServerError(response.status, "http_error", f"The server answered {response.status} {response.reason}")


def _unreachable(base: str, exc: BaseException) -> Unreachable:
    reason = str(exc) or type(exc).__name__
    return Unreachable(f"Cannot reach the ChemAudit server at {base}: {reason}")


def safe_download_name(name: str | None, fallback: str) -> str:
    """A server-suggested file name reduced to a plain name in the current folder."""
    plain = Path((name or "").replace("\\", "/")).name.strip()
    return plain if plain and plain not in (".", "..") else fallback


class ApiClient:
    """One aiohttp session against one server; use as `async with ApiClient(url) as api`."""

    def __init__(self, base_url: str, api_key: str | None = None):
        self.base = base_url.rstrip("/")
        self.headers = {"X-API-Key": api_key} if api_key else {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ApiClient:
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=300)
        self._session = aiohttp.ClientSession(timeout=timeout, headers=self.headers)
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session, open inside `async with ApiClient(...)`."""
        if self._session is None:
            raise RuntimeError("ApiClient used outside its `async with` block")
        return self._session

    def ws_url(self, job_id: str) -> str:
        scheme, rest = self.base.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/batch/{job_id}"

    async def request_json(self, method: str, path: str, **kwargs) -> dict:
        try:
            async with self.session.request(method, self.base + path, **kwargs) as response:
                if response.status >= 400:
                    raise await server_error(response)
                try:
                    return await response.json(content_type=None)
                except ValueError:
                    raise ServerError(response.status, "bad_response",
                                      "The server's answer was not JSON; is this a ChemAudit server?") from None
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            raise _unreachable(self.base, exc) from None

    async def upload(self, path: Path, fields: Mapping[str, str]) -> dict:
        """POST the file as multipart; aiohttp sends it from disk piece by piece."""
        form = aiohttp.FormData()
        for name, value in fields.items():  # before the file: the server applies them while it streams
            form.add_field(name, value)
        with path.open("rb") as handle:
            form.add_field("file", handle, filename=path.name, content_type="application/octet-stream")
            return await self.request_json("POST", f"{API}/batch/upload", data=form)

    async def status(self, job_id: str) -> dict:
        return await self.request_json("GET", f"{API}/batch/{job_id}/status")

    async def results(self, job_id: str, params: Mapping[str, str]) -> dict:
        return await self.request_json("GET", f"{API}/batch/{job_id}", params=dict(params))

    async def cancel(self, job_id: str) -> dict:
        return await self.request_json("DELETE", f"{API}/batch/{job_id}")

    async def export(self, job_id: str, params: Mapping[str, str], target: Path | None,
                     indices: list[int] | None = None) -> tuple[Path, int, str | None]:
        """Stream an export into `target` (or the server's file name); (path, bytes, row count).
        With `indices`, POST them as the body (`{"indices": [...]}`: no URL length limit).

        The download goes to `<target>.part` first and is renamed only when complete, so a cut
        connection never leaves a file that merely looks shorter.
        """
        url = f"{self.base}{API}/batch/{job_id}/export"
        request = (self.session.get(url, params=dict(params)) if indices is None
                   else self.session.post(url, params=dict(params), json={"indices": indices}))
        try:
            async with request as response:
                if response.status >= 400:
                    raise await server_error(response)
                fallback = f"{job_id}.{params.get('format', 'csv')}"
                target = target or Path(safe_download_name(response.content_disposition.filename
                                                           if response.content_disposition else None, fallback))
                partial = target.with_name(target.name + ".part")
                written = 0
                try:
                    with partial.open("wb") as handle:
                        async for piece in response.content.iter_chunked(DOWNLOAD_PIECE):
                            handle.write(piece)
                            written += len(piece)
                except (TimeoutError, aiohttp.ClientPayloadError, aiohttp.ClientConnectionError):
                    partial.unlink(missing_ok=True)
                    raise Unreachable("The download was cut off before the end; nothing was written.") from None
                partial.replace(target)
                return target, written, response.headers.get("X-Total-Results")
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            raise _unreachable(self.base, exc) from None

    async def socket_messages(self, job_id: str, after_seq: int = 0) -> AsyncGenerator[dict, None]:
        """The job's progress messages from its WebSocket, until the server closes it.

        SocketRefused: the handshake got an HTTP answer other than a socket (polling may work);
        SocketLost: no connection, or it broke; ServerError: unknown job or a bad API key.
        """
        params = {"after_seq": str(after_seq)} if after_seq else None
        try:
            async with self.session.ws_connect(self.ws_url(job_id), params=params, heartbeat=HEARTBEAT) as ws:
                async for frame in ws:
                    if frame.type == aiohttp.WSMsgType.TEXT:
                        message = json.loads(frame.data)
                        if isinstance(message, dict) and "status" in message:
                            yield message
                    elif frame.type == aiohttp.WSMsgType.ERROR:
                        raise SocketLost(str(ws.exception() or "socket error"))
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 404:
                raise ServerError(404, "job_not_found", f"No job with id {job_id}.") from None
            if exc.status == 401:
                raise ServerError(401, "unauthorized", "A valid API key is required (--api-key).") from None
            raise SocketRefused(f"HTTP {exc.status} {exc.message}".strip()) from None
        except (TimeoutError, aiohttp.ClientConnectionError, ValueError) as exc:
            raise SocketLost(str(exc) or type(exc).__name__) from None
