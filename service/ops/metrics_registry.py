"""The web node's Prometheus metrics (objects only; /metrics renders them in service.ops.metrics)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()
JOBS = Gauge("chemaudit_jobs", "Jobs by status", ["status"], registry=REGISTRY)
MOLECULES_PROCESSED = Gauge("chemaudit_molecules_processed", "Molecules processed over all jobs",
                            registry=REGISTRY)
QUEUE_DEPTH = Gauge("chemaudit_queue_depth_chunks", "Chunks of running jobs not done yet", registry=REGISTRY)
OWNER_RUNNING_JOBS = Gauge("chemaudit_owner_running_jobs", "Running jobs per owner (API key id, or anonymous)",
                           ["owner"], registry=REGISTRY)
OWNER_QUEUED_CHUNKS = Gauge("chemaudit_owner_queued_chunks", "Chunks waiting for a worker, per owner",
                            ["owner"], registry=REGISTRY)
OWNER_CHUNKS_IN_FLIGHT = Gauge("chemaudit_owner_chunks_in_flight", "Chunks being audited now, per owner",
                               ["owner"], registry=REGISTRY)
# multiprocess_mode: how the web processes of one node add up (service/shared_metrics.py).
SOCKETS = Gauge("chemaudit_websocket_connections", "Open progress sockets on this node", registry=REGISTRY,
                multiprocess_mode="livesum")
RECONNECTS = Gauge("chemaudit_listener_reconnects", "LISTEN connection re-establishments on this node",
                   registry=REGISTRY, multiprocess_mode="livesum")
NOTIFY_TO_SEND = Histogram(
    "chemaudit_notify_to_send_seconds",
    "From a NOTIFY reaching this node to the end of its fan-out (written to every socket keeping up,"
    " queued for the others); once per message that had subscribers",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1), registry=REGISTRY)
REQUESTS = Counter("chemaudit_http_requests_total", "HTTP requests", ["method", "status"], registry=REGISTRY)
EXPORTS_IN_PROGRESS = Gauge("chemaudit_exports_in_progress",
                            "Exports streaming on this node (each holds a database connection)", registry=REGISTRY,
                            multiprocess_mode="livesum")
EXPORTS_STARTED = Counter("chemaudit_exports_started_total", "Exports started on this node", registry=REGISTRY)
EXPORTS_REFUSED = Counter("chemaudit_exports_refused_total",
                          "Exports refused at a cap: reason client (429) or node (503)", ["reason"],
                          registry=REGISTRY)
EXPORTS_TIMED_OUT = Counter("chemaudit_exports_timed_out_total",
                            "Exports cut off because the client stopped reading", registry=REGISTRY)
QUERY_KEYS = Counter("chemaudit_query_api_keys_total",
                     "Requests that sent their API key in the URL (?api_key=, deprecated)", registry=REGISTRY)


def stamp(message: dict) -> None:
    """Mark when a progress message reached this node (read back when it is sent)."""
    message.setdefault("_received", time.perf_counter())


def observe_fanout(message: dict) -> None:
    received = message.get("_received")
    if received is not None:
        NOTIFY_TO_SEND.observe(time.perf_counter() - received)
