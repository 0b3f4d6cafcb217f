"""Settings read once from CHEMAUDIT_* environment variables into a frozen object."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from chemaudit.db.cut_detection import with_cut_detection

PREFIX = "CHEMAUDIT_"
# Settings whose empty value is kept (it means "set to nothing"), not read as "not set".
EMPTY_IS_A_VALUE = frozenset({"api_key_hashes"})


@dataclass(frozen=True)
class Settings:
    # Where things live. An empty database_url means "start the embedded PostgreSQL".
    database_url: str = ""
    broker_url: str = ""  # empty: the PostgreSQL broker on database_url; redis://... for Redis
    data_dir: str = ".chemaudit"
    host: str = "0.0.0.0"
    port: int = 8001
    web_processes: int = 1  # web processes of one node, all on the one port (SO_REUSEPORT)
    workers: int = 2
    worker_threads: int = 1
    # Seconds after which a connection to a silently cut database host is dropped and made again
    # (libpq's tcp_user_timeout and keepalives, chemaudit/db/cut_detection.py); 0: the kernel's.
    database_tcp_timeout: float = 10.0

    # Upload limits.
    max_upload_bytes: int = 1024 * 1024 * 1024
    max_decompressed_bytes: int = 4 * 1024 * 1024 * 1024
    max_molecules: int = 2_000_000
    max_line_bytes: int = 1024 * 1024
    max_record_bytes: int = 4 * 1024 * 1024
    max_sd_data_bytes: int = 1024 * 1024

    # Upload budgets, per web node (docs/operations.md, "Upload budgets").
    max_concurrent_uploads: int = 64  # uploads receiving at once; beyond it 503
    max_uploads_per_client: int = 4  # per API key (else per address); beyond it 429
    upload_retry_after: int = 5  # the Retry-After of those answers, in seconds
    upload_idle_timeout: float = 30.0  # seconds without a byte before an upload is cut off (408)
    upload_commit_connections: int = 3  # pooled connections uploads may use at once to store jobs
    upload_spool_dir: str = ""  # where spool files go; empty: the system's temporary directory
    max_form_fields: int = 32  # form parts besides the file
    max_form_field_bytes: int = 1024

    # Work splitting and pacing.
    chunk_size: int = 200
    commit_interval: float = 0.25  # seconds between partial commits inside a chunk
    event_min_interval: float = 0.1  # at most ~10 progress events per second per job
    sweep_interval: float = 10.0
    stale_chunk_seconds: float = 60.0
    chunk_max_attempts: int = 5
    scheduling: str = "fair"  # "fair" (owners, then jobs by priority) or "fifo" (upload order)

    # Chemistry guards.
    max_input_chars: int = 100_000
    max_heavy_atoms: int = 1_000
    max_fragments: int = 200
    max_rings: int = 200
    molecule_timeout: float = 60.0  # per-molecule budget; past it the record is retried in isolation

    # Fault drills: a record whose text contains a marker crashes (SIGSEGV) or hangs the toolkit.
    fault_crash_marker: str = ""
    fault_hang_marker: str = ""

    # WebSockets.
    ws_queue_size: int = 256
    ws_max_per_job: int = 2_000
    ws_max_per_address: int = 2_000
    listener_probe_interval: float = 2.0
    gc_freeze_sockets: bool = True  # full GC passes kept off long-lived sockets (service/ops/gc_policy.py)
    loop_stall_trace_ms: float = 0.0  # diagnostic: log the stack of a web loop held this long (0: off)

    # Access control: comma-separated SHA-256 hex digests of accepted API keys. None (not set):
    # open. Set but empty, or not digests: the web node refuses to start (service/http/auth.py).
    api_key_hashes: str | None = None
    metrics_require_key: bool = False  # with keys on, /metrics needs one too
    ticket_secret: str = ""  # signs socket/download tickets; empty: derived from the key digests
    upload_rate_per_minute: int = 60

    # Batch analytics (docs/operations.md, "Analytics"): their own worker pool and queue.
    analytics_workers: int = 1  # analytics worker processes per node (0: none on this node)
    analytics_processes: int = 2  # processes one run uses for per-molecule RDKit work
    analytics_threads: int = 2  # threads of the similarity kernels in one run
    analytics_nice: int = 10  # CPU priority of analytics workers below audit workers (0: the same)
    analytics_lease_seconds: float = 60.0  # a run's worker is taken as lost after this without progress
    analytics_max_attempts: int = 3  # claims of one run before a lost worker ends it failed

    retention: str = ""  # e.g. "30d": default age for `chemaudit purge`; empty keeps everything

    log_json: bool = False

    # Budgets of exports and /validate, per web node, and the proxies whose forwarding headers
    # are believed (docs/operations.md, "Request budgets").
    max_concurrent_exports: int = 8  # exports streaming at once, one database connection each; beyond it 503
    max_exports_per_client: int = 2  # per API key (else per address); beyond it 429
    export_stall_timeout: float = 30.0  # seconds a write may make no progress before the export is cut off
    validate_rate_per_minute: int = 60  # /validate calls per API key (else per address); 429 above
    validate_processes: int = 2  # processes that audit /validate molecules
    validate_max_waiting: int = 8  # /validate calls waiting for a process; beyond it 503
    validate_timeout: float = 10.0  # seconds one /validate audit may take; past it 422, the process is replaced
    busy_retry_after: int = 5  # the Retry-After of those 429 and 503 answers, in seconds
    trusted_proxies: str = ""  # addresses/CIDRs whose X-Forwarded-For or Forwarded is read; empty: none

    # Notifications on a job's end: webhooks and email through the outbox (docs/operations.md,
    # "Notifications"). Service-wide targets are taken at upload; a job's own come from its form.
    base_url: str = ""  # public address of the dashboard, for links; empty: http://localhost:<port>
    webhook_url: str = ""  # every job's webhook (besides the upload's own webhook_url)
    webhook_secret: str = ""  # HMAC-SHA256 key of X-Signature when the upload gave no webhook_secret
    webhook_allow_networks: str = ""  # CIDRs an upload's webhook may reach although not public
    notification_email: str = ""  # recipient when the upload gives no notification_email
    smtp_host: str = ""  # empty: email notifications are off (an upload asking for one is a 422)
    smtp_port: int = 587
    smtp_from: str = "chemaudit@localhost"
    smtp_tls: bool = True  # STARTTLS before login and sending
    smtp_user: str = ""
    smtp_password: str = ""
    notify_timeout: float = 10.0  # seconds per connection step of one delivery
    notify_max_attempts: int = 10  # then the delivery is failed, with its last error
    notify_retry_base: float = 10.0  # seconds before the first retry; doubles with each
    notify_retry_max: float = 3600.0  # longest wait between two attempts
    notify_poll_interval: float = 1.0  # seconds between looks for due deliveries, per worker process

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Build settings from CHEMAUDIT_* variables; explicit overrides win."""
        env = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            raw = env.get(PREFIX + field.name.upper())
            if raw is not None and (raw != "" or field.name in EMPTY_IS_A_VALUE):
                values[field.name] = _coerce(str(field.type), raw, field.name)  # a string: annotations are postponed
        values.update(overrides)
        return cls(**values)

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def accepted_key_hashes(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in (self.api_key_hashes or "").split(",") if h.strip())

    @functools.cached_property  # parsed once: pools, exports and workers all read it
    def sync_database_url(self) -> str:
        """The URL in the plain libpq form that psycopg and asyncpg both accept, with the options
        that bound how long a cut link can hold a connection (`database_tcp_timeout`)."""
        url = self.database_url
        for prefix in ("postgresql+psycopg://", "postgresql+asyncpg://", "postgres://"):
            if url.startswith(prefix):
                url = "postgresql://" + url[len(prefix):]
                break
        return with_cut_detection(url, self.database_tcp_timeout)


def _coerce(kind: str, raw: str, name: str):
    if kind in ("int", "float"):
        try:
            return int(raw) if kind == "int" else float(raw)
        except ValueError:
            article = "an integer" if kind == "int" else "a number"
            raise ValueError(f"{PREFIX}{name.upper()} must be {article}, got {raw!r}") from None
    if kind == "bool":
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"{PREFIX}{name.upper()} must be a boolean, got {raw!r}")
    return raw
