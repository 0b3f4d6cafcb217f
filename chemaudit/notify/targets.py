"""Who is told when a job ends: the upload's fields, checked, and the service-wide settings.

An upload may name a webhook (`webhook_url`, optionally with its own `webhook_secret`) and an
email address (`notification_email`, ChemAudit's field). The service adds CHEMAUDIT_WEBHOOK_URL
to every job, and CHEMAUDIT_NOTIFICATION_EMAIL to every job that names no address of its own
(ChemAudit's rule). The targets are stored with the job at upload; the job's end turns each
into one delivery (migration 0009).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from chemaudit.errors import InvalidOption
from chemaudit.notify.addresses import literal_refusal, parse_networks

WEBHOOK, EMAIL = "webhook", "email"
UPLOAD, SERVICE = "upload", "service"
# The upload form's notification fields; they are kept out of jobs.options.
FIELDS = ("webhook_url", "webhook_secret", "notification_email")
# One address, nothing a mail header could be bent with (no spaces, commas, angle brackets, CR/LF).
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


@dataclass(frozen=True)
class Target:
    channel: str  # WEBHOOK or EMAIL
    target: str  # the URL or the address
    source: str  # UPLOAD or SERVICE
    secret: str | None = None  # an upload's own webhook secret; None: CHEMAUDIT_WEBHOOK_SECRET


def parse_webhook_url(name: str, raw: str) -> str:
    """An http(s) URL with a host and no credentials; 422 otherwise."""
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise InvalidOption(f"{name} is not a URL.", code="invalid_webhook_url") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidOption(f"{name} must be an http:// or https:// URL, not {parts.scheme or 'no'} scheme.",
                            code="invalid_webhook_url")
    if not parts.hostname:
        raise InvalidOption(f"{name} has no host.", code="invalid_webhook_url")
    if parts.username is not None or parts.password is not None:
        raise InvalidOption(f"{name} must not carry a user or password; the X-Signature header "
                            "authenticates the sender.", code="invalid_webhook_url")
    if port == 0:
        raise InvalidOption(f"{name} has port 0.", code="invalid_webhook_url")
    return parts._replace(fragment="").geturl()


def parse_secret(name: str, raw: str) -> str:
    if len(raw) < 16:
        raise InvalidOption(f"{name} must be at least 16 characters long.", code="invalid_webhook_secret")
    return raw


def parse_email(name: str, raw: str) -> str:
    if len(raw) > 254 or not _EMAIL.fullmatch(raw) or ".." in raw.split("@")[1]:
        raise InvalidOption(f"{name} must be one email address (name@example.org).", code="invalid_email")
    return raw


def targets_for_upload(settings, values: dict) -> list[Target]:
    """The job's targets from its checked form fields and the settings; 422 for a webhook whose
    host is not allowed, a webhook nobody can sign, or an email the service cannot send."""
    url, secret, email = (values.get(name) for name in FIELDS)
    targets = []
    if secret and not url:
        raise InvalidOption("webhook_secret was sent without webhook_url.", code="invalid_webhook_secret")
    if settings.webhook_url:
        targets.append(Target(WEBHOOK, settings.webhook_url, SERVICE))
    if url and url != settings.webhook_url:
        refused = literal_refusal(urlsplit(url).hostname or "", parse_networks(settings.webhook_allow_networks))
        if refused:
            raise InvalidOption(f"webhook_url is not allowed: {refused}.", code="webhook_not_allowed")
        if not secret and not settings.webhook_secret:
            raise InvalidOption("webhook_url needs a secret to sign with: send webhook_secret (this service "
                                "has no CHEMAUDIT_WEBHOOK_SECRET).", code="webhook_not_configured")
        targets.append(Target(WEBHOOK, url, UPLOAD, secret or None))
    if email and not settings.smtp_host:
        raise InvalidOption("notification_email cannot be sent: this service has no SMTP server "
                            "(CHEMAUDIT_SMTP_HOST).", code="email_not_configured")
    if email or settings.notification_email:
        targets.append(Target(EMAIL, email or settings.notification_email, UPLOAD if email else SERVICE))
    return targets


def check_settings(settings) -> None:
    """ValueError for notification settings a node must not start with (one line, no secrets)."""
    parse_networks(settings.webhook_allow_networks)
    if settings.webhook_url:
        try:
            parse_webhook_url("CHEMAUDIT_WEBHOOK_URL", settings.webhook_url)
        except InvalidOption as exc:
            raise ValueError(exc.detail) from None
        if not settings.webhook_secret:
            raise ValueError("CHEMAUDIT_WEBHOOK_URL is set without CHEMAUDIT_WEBHOOK_SECRET to sign with")
    if settings.notification_email:
        if not settings.smtp_host:
            raise ValueError("CHEMAUDIT_NOTIFICATION_EMAIL is set without CHEMAUDIT_SMTP_HOST to send through")
        try:
            parse_email("CHEMAUDIT_NOTIFICATION_EMAIL", settings.notification_email)
        except InvalidOption as exc:
            raise ValueError(exc.detail) from None
