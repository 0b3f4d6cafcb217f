"""POST one webhook: resolve, check every address, connect to the checked one, never redirect.

Only a 2xx counts as delivered. A redirect is not followed (it could point anywhere, the
address check included), so it is a failed attempt like any other status; 410 Gone stops the
retries. The body read back is capped: a receiver cannot make the worker hold megabytes.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from chemaudit.notify.addresses import IPNetwork, refusal
from tasks.delivery import Outcome

MAX_REPLY_BYTES = 64 * 1024
SHOWN_REPLY_CHARS = 200


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a given address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    """The same over TLS: the certificate is verified against the URL's host name."""

    default_port = 443
    tls = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.host)


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))  # the address of (address, port, ...)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float,
         allowed: tuple[IPNetwork, ...] | None) -> Outcome:
    """Send the webhook. `allowed` None: any address (the operator's own URL); else only public
    addresses and those networks (an upload's URL)."""
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    try:
        addresses = resolve(parts.hostname or "", port)
    except OSError as exc:
        return Outcome(False, error=f"name lookup of {parts.hostname} failed: {exc}")
    if allowed is not None:
        for address in addresses:
            refused = refusal(ipaddress.ip_address(address.split("%")[0]), allowed)
            if refused:
                return Outcome(False, error=f"{parts.hostname} resolves to {refused}", permanent=True)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    outcome = Outcome(False, error=f"{parts.hostname} has no address")
    for address in addresses:  # the next address only when this one could not be reached at all
        connection = (_PinnedHTTPS if https else _PinnedHTTP)(parts.hostname or "", port, address, timeout)
        try:
            connection.connect()
        except OSError as exc:
            outcome = Outcome(False, error=f"cannot connect to {address} port {port}: {exc}")
            connection.close()
            continue
        return _exchange(connection, path, body, headers)
    return outcome


def _exchange(connection: http.client.HTTPConnection, path: str, body: bytes,
              headers: dict[str, str]) -> Outcome:
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        reply = response.read(MAX_REPLY_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return Outcome(True, code=response.status)
    shown = reply[:SHOWN_REPLY_CHARS].decode("utf-8", "replace").strip()
    note = " (redirects are not followed)" if 300 <= response.status < 400 else ""
    return Outcome(False, code=response.status, permanent=response.status == 410,
                   error=f"HTTP {response.status} {response.reason}{note}" + (f": {shown}" if shown else ""))
