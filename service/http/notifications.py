"""GET /api/v1/batch/{job_id}/notifications: each of the job's notifications and every attempt.

A target the job still waits to end for is `waiting`; then `pending` (being tried, or waiting
for its next try at `next_attempt_at`), `delivered` or `failed` (with `last_error`). The
service-wide targets are the operator's, so their address is not shown, only that they exist.
"""

from __future__ import annotations

from aiohttp import web

from chemaudit.db import outbox_queries as oq
from chemaudit.notify.targets import SERVICE
from service.db import fetchall
from service.http.auth import request_owner
from service.keys import POOL
from service.progress.source import parse_job_id, require_message


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _item(row: dict) -> dict:
    return {
        "channel": row["channel"],
        "target": None if row["source"] == SERVICE else row["target"],
        "source": row["source"],
        "delivery_id": row["delivery_id"],
        "transition": row["transition"],
        "status": row["status"],
        "attempts": row["attempts"],
        "next_attempt_at": _iso(row["next_attempt_at"]) if row["status"] == "pending" else None,
        "delivered_at": _iso(row["delivered_at"]),
        "last_error": row["last_error"],
        "history": row["history"],
    }


async def job_notifications(request: web.Request) -> web.Response:
    job_id = parse_job_id(request.match_info["job_id"])
    message = await require_message(request.app[POOL], job_id, request_owner(request))
    rows = await fetchall(request.app[POOL], oq.job_notifications(job_id))
    return web.json_response({"job_id": str(job_id), "status": message["status"],
                              "notifications": [_item(row) for row in rows]})
