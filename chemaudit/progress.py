"""Progress arithmetic shared by the workers (ETA) and the web side (message checks)."""

from __future__ import annotations

import math

from chemaudit.progress_fields import CORE_FIELDS, MESSAGE_FIELDS

PROGRESS_FIELDS = CORE_FIELDS  # the six every client reads, in order (chemaudit/progress_fields.py)
RATE_WINDOW_SECONDS = 15.0


def estimate_eta(processed: int, total: int, *, anchor_processed: int | None,
                 anchor_age: float | None, running_for: float) -> int:
    """Seconds left, from the rate over the recent window (falling back to the whole run).

    The recent window follows speed changes (a slow stretch of big molecules, a worker added)
    instead of averaging them away since the upload.
    """
    remaining = max(total - processed, 0)
    if remaining == 0:
        return 0
    rate = None
    if anchor_processed is not None and anchor_age is not None and anchor_age >= 0.5:
        done_in_window = processed - anchor_processed
        if done_in_window > 0:
            rate = done_in_window / anchor_age
    if rate is None and running_for > 0 and processed > 0:
        rate = processed / running_for
    if not rate:
        return 0
    return int(math.ceil(remaining / rate))


def progress_message(raw: dict) -> dict:
    """A progress message in its one shape, whether read from a NOTIFY or from the tables:
    MESSAGE_FIELDS in that order (PROGRESS_FIELDS, then `seq` and `error_message`), then anything
    else it holds.

    The database builds the message as jsonb, whose keys come out sorted by length (`seq`
    first), so the order is set here, for live messages and snapshots alike.
    """
    message = {name: raw.get(name) for name in MESSAGE_FIELDS}
    message.update((key, value) for key, value in raw.items() if key not in message)
    return message
