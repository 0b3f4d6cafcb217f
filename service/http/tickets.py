"""Short-lived signed tickets, so a browser never has to put its API key in a URL.

A browser cannot set headers on a WebSocket handshake, nor on a plain download link. Instead of
`?api_key=` (which lands in proxy logs and browser history) it asks `POST /api/v1/tickets` with
its key in the `X-API-Key` header and puts the answer in the URL as `?ticket=`. A ticket names the
owner, expires after TICKET_SECONDS, is signed with HMAC-SHA256, and is only accepted on GET
requests (socket handshakes and downloads): a leaked one can read for a minute, never upload,
cancel, or mint another ticket.

Every web node verifies every node's tickets without shared state: the signing key is
CHEMAUDIT_TICKET_SECRET, or, when that is empty, derived from the accepted key digests (which
every node of one deployment shares). Removing a key from the list invalidates its tickets.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from chemaudit.errors import Unauthorized
from chemaudit.settings import Settings

QUERY = "ticket"
TICKET_SECONDS = 60
_LABEL = b"chemaudit-ticket-v1"


def signing_key(settings: Settings) -> bytes:
    if settings.ticket_secret:
        return hashlib.sha256(_LABEL + b"\0" + settings.ticket_secret.encode("utf-8")).digest()
    digests = "\n".join(sorted(settings.accepted_key_hashes))
    return hashlib.sha256(_LABEL + b"\1" + digests.encode("ascii")).digest()


def _signature(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode("ascii"), hashlib.sha256).hexdigest()


def issue(settings: Settings, owner: str, now: float | None = None) -> tuple[str, int]:
    """A ticket for `owner` (the 32-hex owner id) and its expiry, in Unix seconds."""
    expires = int(now if now is not None else time.time()) + TICKET_SECONDS
    body = f"{owner}.{expires}.{secrets.token_hex(8)}"
    return f"{body}.{_signature(signing_key(settings), body)}", expires


def redeem(settings: Settings, ticket: str, now: float | None = None) -> str:
    """The owner a ticket was issued to; 401 when it is forged, expired or its key was removed."""
    parts = ticket.split(".")
    if len(parts) != 4 or not parts[1].isdigit():
        raise Unauthorized("The ticket is malformed: ask POST /api/v1/tickets for a new one.")
    owner, expires, _, signature = parts
    if not hmac.compare_digest(signature, _signature(signing_key(settings), ".".join(parts[:3]))):
        raise Unauthorized("The ticket's signature is wrong: ask POST /api/v1/tickets for a new one.")
    if int(expires) < (now if now is not None else time.time()):
        raise Unauthorized("The ticket has expired: ask POST /api/v1/tickets for a new one.")
    if not any(digest.startswith(owner) for digest in settings.accepted_key_hashes):
        raise Unauthorized("The ticket's API key is no longer accepted.")
    return owner

