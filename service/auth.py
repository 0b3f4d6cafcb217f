"""Optional API keys: who owns a request.

Keys are configured as SHA-256 digests, never in clear. With keys enabled every job belongs to
the key that created it, and any other key is told the job does not exist (404), so job ids
cannot be probed. Browsers cannot set headers on a WebSocket, so the key is also accepted as the
`api_key` query parameter.
"""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

from chemaudit.errors import Unauthorized
from service.keys import SETTINGS

HEADER = "X-API-Key"
QUERY = "api_key"


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
