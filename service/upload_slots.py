"""How many uploads a web node, and one client on it, may have in progress at once.

An upload in progress costs a spool file, a splitter and a socket for as long as its client
sends; the caps keep slow or stalled clients from piling those up. Beyond the node's cap the
answer is 503, beyond the client's 429, both with Retry-After; nothing of the body is read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from chemaudit.errors import RateLimited, Unavailable


class UploadSlots:
    def __init__(self, per_node: int, per_client: int, retry_after: int):
        self.per_node = max(1, per_node)
        self.per_client = max(1, per_client)
        self.retry_after = str(max(1, retry_after))
        self.active = 0
        self.by_client: dict[str, int] = {}

    @contextlib.contextmanager
    def hold(self, client: str) -> Iterator[None]:
        """One slot for the duration of the block; refused (503/429) when a cap is reached."""
        held = self.by_client.get(client, 0)
        if held >= self.per_client:
            raise RateLimited(
                f"You already have {held} uploads in progress, the most one client may have at once; "
                "wait for one to finish.", code="too_many_uploads",
            ).with_header("Retry-After", self.retry_after)
        if self.active >= self.per_node:
            raise Unavailable(
                f"This server is receiving {self.active} uploads, the most it takes at once; "
                "try again shortly.", code="uploads_busy",
            ).with_header("Retry-After", self.retry_after)
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
