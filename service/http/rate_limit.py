"""Rate limiting (uploads, validations): a token bucket per client (API key, else address), per web node."""

from __future__ import annotations

import math
import time

from aiohttp import web

from chemaudit.errors import RateLimited


class RateLimiter:
    """A token bucket per client (key or address): `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int, clock=time.monotonic, what: str = "uploads"):
        self.what = what  # the requests counted, for the refusal's sentence
        self.capacity = max(1, per_minute)
        self.rate = self.capacity / 60.0
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, client: str) -> None:
        now = self.clock()
        tokens, last = self.buckets.get(client, (float(self.capacity), now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1:
            retry_after = math.ceil((1 - tokens) / self.rate)
            raise RateLimited(f"Too many {self.what}; try again in {retry_after} s.",
                              code="rate_limited", status=429).with_header("Retry-After", str(retry_after))
        self.buckets[client] = (tokens - 1, now)
        if len(self.buckets) > 10_000:
            self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        for client, (tokens, last) in list(self.buckets.items()):
            if tokens + (now - last) * self.rate >= self.capacity:
                del self.buckets[client]


def client_id(request: web.Request, owner: str | None) -> str:
    return owner or (request.remote or "unknown")
