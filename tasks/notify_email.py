"""Send one notification email through the configured SMTP server (STARTTLS and login when set).

A recipient refused with a 5xx reply (an address the server will never take) stops the
retries. Anything else (a 4xx, a timeout, a lost connection, and the server refusing the login
or the sender, which the operator can fix) is tried again later.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from tasks.delivery import Outcome

SENT = 250


def send(settings, message: EmailMessage) -> Outcome:
    if not settings.smtp_host:
        return Outcome(False, error="this worker has no SMTP server (CHEMAUDIT_SMTP_HOST is not set)")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.notify_timeout) as smtp:
            if settings.smtp_tls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        return Outcome(False, code=code, error=f"recipient refused: {_reply(code, reply)}", permanent=code >= 500)
    except smtplib.SMTPResponseException as exc:
        return Outcome(False, code=exc.smtp_code, error=_reply(exc.smtp_code, exc.smtp_error))
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}")
    return Outcome(True, code=SENT)


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"SMTP {code} {text.strip()[:200]}"
