"""Optional API keys: who owns a request.

Keys are configured as SHA-256 digests, never in clear. With keys enabled every job belongs to
the key that created it, and any other key is told the job does not exist (404), so job ids
cannot be probed. Browsers cannot set headers on a WebSocket handshake or a download link: they
trade the key for a short-lived ticket (`POST /api/v1/tickets`, service/http/tickets.py) and send
that as `?ticket=` on GET requests. The key itself as the `api_key` query parameter still works,
but is deprecated (it lands in proxy logs and browser history) and logged as such.

At start the web node checks the setting (`check_key_settings`): an explicitly set but empty
list (say, the result of a failed `$(chemaudit hash-key ...)`) or an entry that is not a digest
refuses to start instead of silently leaving the service open.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time

from aiohttp import web

from chemaudit.errors import Unauthorized
from chemaudit.settings import Settings
from service.http import tickets
from service.keys import SETTINGS
from service.ops.metrics_registry import QUERY_KEYS

HEADER = "X-API-Key"
QUERY = "api_key"
VARIABLE = "CHEMAUDIT_API_KEY_HASHES"
DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")
DEPRECATION_LOG_SECONDS = 60.0
log = logging.getLogger("chemaudit.auth")
# When this app last logged a key in a URL (a one-item list, so handlers can update it).
QUERY_KEY_LOGGED = web.AppKey("query_key_logged", list)


def setup_query_key_log(app: web.Application) -> None:
    app[QUERY_KEY_LOGGED] = [float("-inf")]


class KeySettingsError(ValueError):
    """The API key setting would not do what the operator meant; the message says why."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def request_owner(request: web.Request, allow_ticket: bool = True) -> str | None:
    """The owner id of the request's key; None when keys are disabled. 401 for a bad key.

    The key comes from the X-API-Key header; on GET requests a ticket (`?ticket=`) stands for it;
    the key in the query (`?api_key=`) is the deprecated fallback."""
    settings = request.app[SETTINGS]
    accepted = settings.accepted_key_hashes
    if not accepted:
        return None
    key = request.headers.get(HEADER)
    if not key:
        ticket = request.query.get(tickets.QUERY)
        if ticket and allow_ticket and request.method == "GET":
            return tickets.redeem(settings, ticket)
        key = request.query.get(QUERY)
        if key:
            _note_query_key(request)
    digest = hash_key(key) if key else ""
    if not digest or not any(hmac.compare_digest(digest, known) for known in accepted):
        raise Unauthorized("A valid API key is required (X-API-Key header, or a ?ticket= from "
                           "POST /api/v1/tickets on sockets and downloads).")
    return digest[:32]


def _note_query_key(request: web.Request) -> None:
    """Count, and now and then log, a key sent in the URL (never the key itself)."""
    QUERY_KEYS.inc()
    now = time.monotonic()
    last_logged = request.app[QUERY_KEY_LOGGED]
    if now - last_logged[0] >= DEPRECATION_LOG_SECONDS:
        last_logged[0] = now
        log.warning("an API key was sent as ?api_key= (%s %s): deprecated, it lands in proxy logs and "
                    "browser history; send X-API-Key, or a ?ticket= from POST /api/v1/tickets",
                    request.method, request.path)


async def create_ticket(request: web.Request) -> web.Response:
    """POST /api/v1/tickets: a ticket for the key of this request (never for another ticket)."""
    owner = request_owner(request, allow_ticket=False)
    if owner is None:  # keys are off: nothing to prove, and a socket or download needs no ticket
        return web.json_response({"ticket": None, "expires_in": None, "expires_at": None}, status=201)
    ticket, expires = tickets.issue(request.app[SETTINGS], owner)
    return web.json_response({"ticket": ticket, "expires_in": tickets.TICKET_SECONDS, "expires_at": expires},
                             status=201)


def check_key_settings(settings: Settings) -> str:
    """Refuse a set-but-empty or malformed key list; otherwise describe the mode, for the log."""
    raw = settings.api_key_hashes
    if raw is None:
        unused = "; CHEMAUDIT_METRICS_REQUIRE_KEY has no effect" if settings.metrics_require_key else ""
        return f"API keys off: every request is accepted ({VARIABLE} is not set){unused}"
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    if not entries:
        raise KeySettingsError(f"{VARIABLE} is set but empty (a failed `$(chemaudit hash-key ...)`?):"
                               f" put key digests in it, or unset it to run without keys")
    for position, entry in enumerate(entries, 1):
        if not DIGEST.match(entry):  # the value itself is not shown: it might be a key in clear
            raise KeySettingsError(f"{VARIABLE} entry {position} of {len(entries)} is not a SHA-256 hex"
                                   f" digest (64 hex digits, it has {len(entry)} characters):"
                                   " use the output of `chemaudit hash-key KEY`, never the key")
    metrics = "needs a key too" if settings.metrics_require_key else "needs none"
    return f"API keys on: {len(set(entries))} accepted; /metrics {metrics}"


def require_metrics_key(request: web.Request) -> None:
    """401 unless the request has a valid key, when keys are on and /metrics is to need one."""
    if request.app[SETTINGS].metrics_require_key:
        request_owner(request)
