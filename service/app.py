"""The app factory: routes, middleware and the resources each web process owns."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from chemaudit.broker import make_broker
from chemaudit.notify.targets import check_settings as check_notify_settings
from chemaudit.settings import Settings
from service.dashboard.routes import setup_dashboard_routes
from service.db import POOL_SIZE, make_pool
from service.http import (
    config,
    detect_columns,
    health,
    job_details,
    jobs,
    notifications,
    upload,
    validate,
)
from service.http.analytics_api import setup_analytics_routes
from service.http.auth import check_key_settings, create_ticket, setup_query_key_log
from service.http.budgets import setup_budgets
from service.http.export_api import setup_export_routes
from service.http.forwarded import client_address_middlewares
from service.http.middleware import errors_middleware, post_only
from service.http.profiles import setup_profile_routes
from service.http.rate_limit import RateLimiter
from service.http.results_api import setup_results_routes
from service.http.slots import Slots
from service.http.subsets import setup_subset_routes
from service.keys import BROKER, HUB, LISTENER, POOL, SETTINGS, UPLOAD_COMMITS, UPLOAD_LIMITER, UPLOAD_SLOTS
from service.openapi.routes import setup_openapi_routes
from service.ops import metrics
from service.ops.loop_lag import loop_lag_context
from service.ops.shared_metrics import shared_gauges
from service.progress.analytics_socket import analytics_listener
from service.progress.hub import Hub
from service.progress.job_socket import job_socket
from service.progress.listener import ProgressListener
from service.progress.source import latest_message

log = logging.getLogger("chemaudit.app")

API = "/api/v1"


def setup_routes(app: web.Application) -> None:
    upload_resource = app.router.add_resource(f"{API}/batch/upload")
    upload_resource.add_route("POST", upload.upload)
    # Without these, other methods fall through to /batch/{job_id} (a 404 for a job "upload", or
    # a 405 whose Allow lists that resource's methods): they are a 405 allowing POST alone.
    upload_resource.add_route("*", post_only)
    columns_resource = app.router.add_resource(f"{API}/batch/detect-columns")
    columns_resource.add_route("POST", detect_columns.detect_columns)
    columns_resource.add_route("*", post_only)
    app.router.add_get(f"{API}/batch/{{job_id}}/status", jobs.job_status)
    app.router.add_delete(f"{API}/batch/{{job_id}}", jobs.cancel_job)
    app.router.add_get(f"{API}/batch/{{job_id}}/notifications", notifications.job_notifications)
    app.router.add_post(f"{API}/validate", validate.validate_one)
    app.router.add_post(f"{API}/tickets", create_ticket)
    app.router.add_get(f"{API}/checks", validate.list_checks)
    app.router.add_get(f"{API}/health", health.health)
    app.router.add_get(f"{API}/config", config.get_config)
    app.router.add_get("/metrics", metrics.metrics)
    app.router.add_get("/ws/batch/{job_id}", job_socket)
    # First, so it answers GET /batch/{job_id}: results_api's page plus the upload's format and reason.
    app.router.add_get(f"{API}/batch/{{job_id}}", job_details.job_results)
    setup_results_routes(app)  # GET /batch, /batch/{job_id}, /batch/{job_id}/stats, /batch/{job_id}/export
    setup_subset_routes(app)  # POST /batch/{job_id}/subset/revalidate|rescore|score-inline
    setup_profile_routes(app)  # /profiles CRUD, duplicate, export, import
    setup_results_routes(app)  # GET /batch, /batch/{job_id}, /batch/{job_id}/stats
    setup_export_routes(app)  # GET|POST /batch/{job_id}/export, POST .../subset/export, GET /export-formats
    setup_dashboard_routes(app)  # GET /, GET /static/{name}, WS /ws/jobs
    setup_openapi_routes(app)  # GET /api/v1/openapi.json, GET /api/v1/docs
    setup_analytics_routes(app)  # /batch/{job_id}/analytics[/{type}], /batch/{job_id}/mcs, /analytics/{run_id}, WS /ws/analytics/{run_id}


async def _database(app: web.Application):
    pool = make_pool(app[SETTINGS].sync_database_url)
    await pool.open(wait=False)
    app[POOL] = pool
    yield
    await pool.close()


async def _broker(app: web.Application):
    broker = make_broker(app[SETTINGS])
    app[BROKER] = broker
    yield
    broker.close()


async def _listener(app: web.Application):
    hub = Hub()
    pool = app[POOL]
    listener = ProgressListener(app[SETTINGS].sync_database_url, hub,
                                lambda job_id: latest_message(pool, job_id),
                                probe_interval=app[SETTINGS].listener_probe_interval)
    app[HUB] = hub
    app[LISTENER] = listener
    task = asyncio.create_task(listener.run(), name="chemaudit-listener")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await listener.close()


def create_app(settings: Settings) -> web.Application:
    log.info(check_key_settings(settings))  # refuses an empty or malformed key list
    check_notify_settings(settings)  # refuses a webhook nobody can sign, a bad network list
    app = web.Application(middlewares=[errors_middleware, *client_address_middlewares(settings.trusted_proxies)],
                          client_max_size=1024 * 1024)
    app[SETTINGS] = settings
    setup_query_key_log(app)
    app[UPLOAD_LIMITER] = RateLimiter(settings.upload_rate_per_minute)
    app[UPLOAD_SLOTS] = Slots("uploads", settings.max_concurrent_uploads, settings.max_uploads_per_client,
              settings.upload_retry_after)
    app[UPLOAD_COMMITS] = asyncio.Semaphore(max(1, min(settings.upload_commit_connections, POOL_SIZE - 1)))
    setup_budgets(app)  # exports and /validate: caps, rate, process pool
    setup_routes(app)
    app.cleanup_ctx.extend([_database, _broker, _listener, analytics_listener, loop_lag_context, shared_gauges])
    return app
