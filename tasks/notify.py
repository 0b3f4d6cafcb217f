"""The notification sender: claims due deliveries from the outbox, sends them, records each try.

Every worker process runs one sender thread beside its chunk threads (`WorkerResources`), so a
slow receiver holds up only other notifications, never an audit. Any number of senders may run:
a claim takes one row with FOR UPDATE SKIP LOCKED and leases it, and an outcome is only
recorded by the sender holding the lease, so one delivery is sent by one sender at a time.
Everything lives in the table, so a sender that is restarted, or another one, picks up where
the last left off: retries wait out their backoff whoever sends them.

At least once, at most one success recorded: the one window for a duplicate is a sender that
dies after the receiver accepted the request and before recording it; the retry then carries
the same body, signature and `X-ChemAudit-Delivery`, for the receiver to recognise.

`python -m tasks.notify` runs a sender alone (with the CHEMAUDIT_* settings), e.g. on a node
that audits nothing.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from chemaudit.db import outbox_queries as oq
from chemaudit.db.executor import run
from chemaudit.db.queries import Query, Read
from chemaudit.notify.addresses import parse_networks
from chemaudit.notify.email_message import build_message
from chemaudit.notify.payload import EVENTS, build_payload, encode, webhook_headers
from chemaudit.notify.targets import SERVICE, WEBHOOK
from chemaudit.settings import Settings
from tasks import notify_email, notify_webhook
from tasks.delivery import Outcome, next_step

log = logging.getLogger("chemaudit.notify")

OUTAGE = (psycopg.OperationalError, PoolTimeout)


class NotificationSender(threading.Thread):
    def __init__(self, pool: ConnectionPool, settings: Settings):
        super().__init__(name="chemaudit-notify", daemon=True)
        self.pool = pool
        self.settings = settings
        self.stopping = threading.Event()
        # A delivery's lease: long enough for every step of a send to use its whole timeout.
        self.lease = 6 * settings.notify_timeout + 1.0
        try:
            self.allowed = parse_networks(settings.webhook_allow_networks)
        except ValueError as exc:
            log.error("%s; uploads' webhooks may reach public addresses only", exc)
            self.allowed = ()

    def run(self) -> None:
        while not self.stopping.wait(self.settings.notify_poll_interval):
            try:
                self.drain()
            except Exception:  # thread boundary: the sender must outlive any one delivery's bug
                log.exception("notification round failed; trying again next round")

    def stop(self, wait: float = 0.0) -> None:
        """Stop after the delivery in hand (waiting up to `wait` seconds for it)."""
        self.stopping.set()
        if wait and self.is_alive():
            self.join(wait)

    def drain(self) -> int:
        """Send every due delivery; a database outage ends the round (the next one retries)."""
        sent = 0
        try:
            while not self.stopping.is_set() and self.send_one():
                sent += 1
        except OUTAGE as exc:
            log.warning("notifications paused: database unavailable (%s: %s)", type(exc).__name__, exc)
        return sent

    def send_one(self) -> bool:
        """Claim, send and record one due delivery; False when none is due."""
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            row = _fetch(cur, oq.claim_due(self.lease))
            if row is None:
                return False
            if row["body"] is None:
                facts = _fetch(cur, oq.payload_facts(row["job_id"]))
                if facts is None:
                    return True  # the job was purged meanwhile, its deliveries with it
                kept = _fetch(cur, oq.keep_body(row["id"], encode(build_payload(self.settings, facts))))
                assert kept is not None, "the claimed delivery is locked by this transaction"
                row["body"] = kept["body"]
        outcome = self.deliver(row)
        status, error, retry_in = next_step(outcome, row["attempts"], self.settings.notify_max_attempts,
                                            self.settings.notify_retry_base, self.settings.notify_retry_max)
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            recorded = _fetch(cur, oq.record_outcome(row["id"], row["attempts"], status, outcome.code, error, retry_in))
        log.info("notification %d (%s, job %s) attempt %d: %s%s", row["id"], row["channel"], row["job_id"],
                 row["attempts"], status if recorded else "superseded by a later claim",
                 f" ({error})" if error else "")
        return True

    def deliver(self, row: dict) -> Outcome:
        payload = json.loads(row["body"])
        if row["channel"] == WEBHOOK:
            secret = row["secret"] or self.settings.webhook_secret
            if not secret:
                return Outcome(False, error="no secret to sign with (CHEMAUDIT_WEBHOOK_SECRET is not set on this worker)")
            body = row["body"].encode()
            headers = webhook_headers(secret, body, EVENTS[row["transition"]], row["id"])
            allowed = None if row["source"] == SERVICE else self.allowed
            return notify_webhook.post(row["target"], body, headers, self.settings.notify_timeout, allowed)
        message = build_message(payload, self.settings.smtp_from, row["target"], row["id"])
        return notify_email.send(self.settings, message)


def _fetch(cur: psycopg.Cursor[Any], query: Query) -> dict | None:
    return run(cur, query, Read.ONE)


def main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with ConnectionPool(settings.sync_database_url, min_size=1, max_size=1, open=True) as pool:
        sender = NotificationSender(pool, settings)
        signal.signal(signal.SIGTERM, lambda *_: sender.stopping.set())
        log.info("notification sender started")
        sender.run()
        log.info("notification sender stopped")


if __name__ == "__main__":
    main()
