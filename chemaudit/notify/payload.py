"""The webhook's body and signature, in ChemAudit 2.0's shape.

ChemAudit posts `{"event", "job_id", "status", "molecule_count", "pass_count", "fail_count",
"avg_score", "report_url", "timestamp"}` (its documented payload; its task also sends
`summary_url`), JSON with sorted keys, signed `X-Signature: sha256=<hex HMAC-SHA256 of the body>`
(its docs name the header `X-ChemAudit-Signature`: both are sent). It only ever tells of
`complete`; here `failed` and `cancelled` are told too, as events of their own, so a receiver
that acts on `batch_complete` never mistakes a failed job for a finished one.
"""

from __future__ import annotations

import hashlib
import hmac
import json

EVENTS = {"complete": "batch_complete", "failed": "batch_failed", "cancelled": "batch_cancelled"}
USER_AGENT = "ChemAudit-Service/1.0 (+webhook)"


def public_base(settings) -> str:
    return (settings.base_url or f"http://localhost:{settings.port}").rstrip("/")


def report_url(settings, job_id: str) -> str:
    """The dashboard's page of the job."""
    return f"{public_base(settings)}/#/job/{job_id}"


def build_payload(settings, facts: dict) -> dict:
    """The payload from a job's facts at its end (`outbox_queries.payload_facts`)."""
    job_id = str(facts["job_id"])
    processed, errors = facts["processed"], facts["errors"]
    return {
        "event": EVENTS[facts["status"]],
        "job_id": job_id,
        "status": facts["status"],
        "molecule_count": processed,
        "pass_count": processed - errors,
        "fail_count": errors,
        "avg_score": facts["avg_score"],
        "report_url": report_url(settings, job_id),
        "summary_url": f"/api/v1/batch/{job_id}",
        "timestamp": facts["finished_at"].isoformat(),
        "total": facts["total"],
        "error_message": facts["error_message"],
    }


def encode(payload: dict) -> str:
    """The exact text posted (and stored, so every retry sends the same bytes)."""
    return json.dumps(payload, sort_keys=True)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(signature(secret, body), header)


def webhook_headers(secret: str, body: bytes, event: str, delivery_id: int) -> dict[str, str]:
    signed = signature(secret, body)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Signature": signed,
        "X-ChemAudit-Signature": signed,
        "X-Hook-Event": event,
        "X-ChemAudit-Delivery": str(delivery_id),
    }
