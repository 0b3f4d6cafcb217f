"""The webhook payload and signature in ChemAudit's shape, the email, and the retry schedule."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from chemaudit.notify.email_message import build_message
from chemaudit.notify.payload import build_payload, encode, signature, verify, webhook_headers
from chemaudit.settings import Settings
from tasks.delivery import Outcome, next_step, retry_delay

JOB = uuid.UUID("550e8400-e29b-41d4-a716-446655440000")
ENDED = datetime(2026, 2, 26, 10, 35, tzinfo=UTC)
CHEMAUDIT_FIELDS = {"event", "job_id", "status", "molecule_count", "pass_count", "fail_count", "avg_score",
                    "report_url", "timestamp"}


def facts(status="complete", processed=1000, errors=150, avg=78.5, message=None) -> dict:
    return {"job_id": JOB, "status": status, "processed": processed, "errors": errors, "total": 1000,
            "finished_at": ENDED, "error_message": message, "avg_score": avg}


def test_the_payload_has_chemaudits_fields_and_values():
    payload = build_payload(Settings(base_url="https://chemaudit.example.com/"), facts())
    assert CHEMAUDIT_FIELDS <= set(payload)
    assert payload["event"] == "batch_complete" and payload["status"] == "complete"
    assert (payload["molecule_count"], payload["pass_count"], payload["fail_count"]) == (1000, 850, 150)
    assert payload["avg_score"] == 78.5 and payload["job_id"] == str(JOB)
    assert payload["report_url"] == f"https://chemaudit.example.com/#/job/{JOB}"
    assert payload["timestamp"] == "2026-02-26T10:35:00+00:00"


@pytest.mark.parametrize("status,event", [("failed", "batch_failed"), ("cancelled", "batch_cancelled")])
def test_other_endings_are_events_of_their_own(status, event):
    payload = build_payload(Settings(), facts(status, processed=400, errors=10, message="disk on fire"))
    assert payload["event"] == event and payload["molecule_count"] == 400 and payload["total"] == 1000
    assert payload["error_message"] == "disk on fire"
    assert payload["report_url"].startswith("http://localhost:8001/")


def test_the_body_is_sorted_json_and_the_signature_is_hmac_sha256_of_it():
    body = encode(build_payload(Settings(), facts())).encode()
    assert list(json.loads(body)) == sorted(json.loads(body))
    headers = webhook_headers("k" * 20, body, "batch_complete", 7)
    assert headers["X-Signature"] == headers["X-ChemAudit-Signature"] == signature("k" * 20, body)
    assert headers["X-Signature"].startswith("sha256=") and len(headers["X-Signature"]) == 7 + 64
    assert verify("k" * 20, body, headers["X-Signature"])
    assert not verify("k" * 19 + "x", body, headers["X-Signature"])
    assert not verify("k" * 20, body + b" ", headers["X-Signature"])
    assert headers["X-Hook-Event"] == "batch_complete" and headers["X-ChemAudit-Delivery"] == "7"


def test_the_email_has_a_plain_and_an_html_part_with_the_counts():
    payload = build_payload(Settings(base_url="https://c.example.com"), facts())
    message = build_message(payload, "chemaudit@lab.example.org", "chemist@example.org", 42)
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Subject"] == "ChemAudit: Batch 550e8400 complete"
    assert parsed["To"] == "chemist@example.org" and parsed["From"] == "chemaudit@lab.example.org"
    assert parsed["Message-ID"].strip() == "<chemaudit.42.550e8400@lab.example.org>"
    plain = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    for text in (plain, html):
        assert "1000" in text and "850" in text and "150" in text and "78.5" in text
        assert f"https://c.example.com/#/job/{JOB}" in text


def test_a_failed_jobs_email_says_so_and_why():
    payload = build_payload(Settings(), facts("failed", processed=400, errors=0, avg=None, message="<disk>"))
    parsed = message_from_bytes(build_message(payload, "a@b.org", "c@d.org", 1).as_bytes(), policy=policy.default)
    assert parsed["Subject"].endswith(" failed")
    html = parsed.get_body(("html",)).get_content()
    assert "&lt;disk&gt;" in html and "<disk>" not in html and "n/a" in html
    assert "400 of 1000" in parsed.get_body(("plain",)).get_content()


def test_retries_back_off_exponentially_up_to_the_cap():
    delays = [retry_delay(n, 10.0, 300.0) for n in range(1, 8)]
    assert all(0.8 * min(10 * 2 ** (n - 1), 300) <= d <= min(10 * 2 ** (n - 1), 300)
               for n, d in zip(range(1, 8), delays))
    assert max(delays) <= 300


def test_the_next_step_after_each_kind_of_outcome():
    assert next_step(Outcome(True, 200), 3, 5, 1, 10) == ("delivered", None, None)
    assert next_step(Outcome(False, error="410", permanent=True), 1, 5, 1, 10) == ("failed", "410", None)
    status, error, delay = next_step(Outcome(False, 503, "HTTP 503"), 2, 5, 1, 10)
    assert status == "pending" and error == "HTTP 503" and 1.6 <= delay <= 2
    assert next_step(Outcome(False, 503, "HTTP 503"), 5, 5, 1, 10) == (
        "failed", "gave up after 5 attempts; last: HTTP 503", None)
