"""What one delivery attempt came to, and what the outbox does next (retry, give up, done)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    code: int | None = None  # HTTP status, or the SMTP server's reply code
    error: str | None = None
    permanent: bool = False  # no retry can help (an address not allowed, a recipient refused for good)


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff after the `attempt`-th try, capped, with jitter so that deliveries
    that failed together do not all come back in the same second."""
    return min(base * 2 ** (attempt - 1), cap) * random.uniform(0.8, 1.0)


def next_step(outcome: Outcome, attempt: int, max_attempts: int, base: float, cap: float
              ) -> tuple[str, str | None, float | None]:
    """(new status, error to keep, seconds until the next try) after an attempt."""
    if outcome.delivered:
        return "delivered", None, None
    if outcome.permanent:
        return "failed", outcome.error, None
    if attempt >= max_attempts:
        return "failed", f"gave up after {attempt} attempts; last: {outcome.error}", None
    return "pending", outcome.error, retry_delay(attempt, base, cap)
