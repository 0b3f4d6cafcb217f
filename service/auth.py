"""Optional API keys: who owns a request.

Keys are configured as SHA-256 digests, never in clear. With keys enabled every job belongs to
the key that created it, and any other key is told the job does not exist (404), so job ids
cannot be probed. Browsers cannot set headers on a WebSocket, so the key is also accepted as the
`api_key` query parameter.

At start the web node checks the setting (`check_key_settings`): an explicitly set but empty
list (say, the result of a failed `$(chemaudit hash-key ...)`) or an entry that is not a digest
refuses to start instead of silently leaving the service open.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from aiohttp import web

from chemaudit.errors import Unauthorized
from chemaudit.settings import Settings
from service.keys import SETTINGS

HEADER = "X-API-Key"
QUERY = "api_key"
VARIABLE = "CHEMAUDIT_API_KEY_HASHES"
DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")


class KeySettingsError(ValueError):
    """The API key setting would not do what the operator meant; the message says why."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def request_owner(request: web.Request) -> str | None:
    """The owner id of the request's key; None when keys are disabled. 401 for a bad key."""
    accepted = request.app[SETTINGS].accepted_key_hashes
    if not accepted:
        return None
    key = request.headers.get(HEADER) or request.query.get(QUERY) or ""
    digest = hash_key(key) if key else ""
    if not digest or not any(hmac.compare_digest(digest, known) for known in accepted):
        raise Unauthorized("A valid API key is required (X-API-Key header or api_key query parameter).")
    return digest[:32]


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
