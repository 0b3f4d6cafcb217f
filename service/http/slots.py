"""How many of one kind of long request a web node, and one client on it, may have in progress.

Beyond the node's cap the answer is 503, beyond the client's 429, both with Retry-After and
at once: a full budget refuses, it never makes the request (or anyone else) wait.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from prometheus_client import Counter

from chemaudit.errors import RateLimited, Unavailable


class Slots:
    """Per-node and per-client caps on requests of one kind (`what`, a plural noun: "exports")."""

    def __init__(self, what: str, per_node: int, per_client: int, retry_after: int,
                 refused: Counter | None = None):
        self.what = what
        self.per_node = max(1, per_node)
        self.per_client = max(1, per_client)
        self.retry_after = str(max(1, retry_after))
        self.refused = refused  # counted by reason: "client" or "node"
        self.active = 0
        self.by_client: dict[str, int] = {}

    def _refuse(self, reason: str, error):
        if self.refused is not None:
            self.refused.labels(reason).inc()
        raise error.with_header("Retry-After", self.retry_after)

    @contextlib.contextmanager
    def hold(self, client: str) -> Iterator[None]:
        """One slot for the duration of the block; refused (429/503) when a cap is reached."""
        held = self.by_client.get(client, 0)
        if held >= self.per_client:
            self._refuse("client", RateLimited(
                f"You already have {held} {self.what} in progress, the most one client may have at once; "
                "wait for one to finish.", code=f"too_many_{self.what}"))
        if self.active >= self.per_node:
            self._refuse("node", Unavailable(
                f"This server has {self.active} {self.what} in progress, the most it runs at once; "
                "try again shortly.", code=f"{self.what}_busy"))
        self.active += 1
        self.by_client[client] = held + 1
        try:
            yield
        finally:
            self.active -= 1
            left = self.by_client[client] - 1
            if left:
                self.by_client[client] = left
            else:
                del self.by_client[client]
