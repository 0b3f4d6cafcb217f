"""The notification email: a plain-text part and an HTML part with the same summary.

Like ChemAudit's: the subject names the job's first eight characters, the body the molecule,
passed and failed counts, the average score and a link to the results. The Message-ID is fixed
per delivery, so a retry that reaches a mailbox twice can be told to be the same message.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from html import escape

WORDS = {"complete": "complete", "failed": "failed", "cancelled": "cancelled"}


def subject(payload: dict) -> str:
    return f"ChemAudit: Batch {payload['job_id'][:8]} {WORDS[payload['status']]}"


def _rows(payload: dict) -> list[tuple[str, str]]:
    score = payload["avg_score"]
    rows = [("Total molecules", str(payload["molecule_count"])), ("Passed", str(payload["pass_count"])),
            ("Failed", str(payload["fail_count"])),
            ("Average score", "n/a" if score is None else f"{score:.1f}")]
    if payload["status"] != "complete":
        rows.insert(0, ("Audited before the end", f"{payload['molecule_count']} of {payload['total']}"))
    if payload.get("error_message"):
        rows.append(("Reason", payload["error_message"]))
    return rows


def plain_text(payload: dict) -> str:
    head = f"Your batch validation job {payload['job_id'][:8]} is {WORDS[payload['status']]}."
    lines = [head, ""] + [f"{label}: {value}" for label, value in _rows(payload)]
    return "\n".join(lines + ["", f"View results: {payload['report_url']}", ""])


def html_text(payload: dict) -> str:
    cells = "".join(f"<tr><th align=\"left\">{escape(label)}</th><td align=\"right\">{escape(value)}</td></tr>"
                    for label, value in _rows(payload))
    link = escape(payload["report_url"], quote=True)
    return (f"<!DOCTYPE html><html><body style=\"font-family: sans-serif\">"
            f"<h2>Batch {escape(payload['job_id'][:8])} {WORDS[payload['status']]}</h2>"
            f"<table cellpadding=\"6\">{cells}</table>"
            f"<p><a href=\"{link}\">View results</a></p>"
            f"<p style=\"color: #888\">An automated notification from ChemAudit.</p></body></html>")


def build_message(payload: dict, sender: str, recipient: str, delivery_id: int) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(payload)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<chemaudit.{delivery_id}.{payload['job_id'][:8]}@{domain}>"
    message["X-ChemAudit-Job"] = payload["job_id"]
    message.set_content(plain_text(payload))
    message.add_alternative(html_text(payload), subtype="html")
    return message
