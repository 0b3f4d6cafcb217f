"""The budgets of exports and /validate on a web node: set up by the app factory in one call."""

from __future__ import annotations

from aiohttp import web

from service.http.rate_limit import RateLimiter
from service.http.slots import Slots
from service.http.validate_pool import ValidatePool
from service.keys import SETTINGS
from service.ops.metrics_registry import EXPORTS_REFUSED

EXPORT_SLOTS = web.AppKey("export_slots", Slots)
VALIDATE_LIMITER = web.AppKey("validate_limiter", RateLimiter)
VALIDATE_POOL = web.AppKey("validate_pool", ValidatePool)


def setup_budgets(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[EXPORT_SLOTS] = Slots("exports", settings.max_concurrent_exports, settings.max_exports_per_client,
                              settings.busy_retry_after, refused=EXPORTS_REFUSED)
    app[VALIDATE_LIMITER] = RateLimiter(settings.validate_rate_per_minute, what="validations")
    app.cleanup_ctx.append(_validate_pool)


async def _validate_pool(app: web.Application):
    """cleanup_ctx entry: the pool lives as long as the app; its processes start with the first call."""
    settings = app[SETTINGS]
    pool = ValidatePool(settings.validate_processes, settings.validate_max_waiting, settings.validate_timeout,
                        settings.busy_retry_after)
    app[VALIDATE_POOL] = pool
    yield
    pool.close()
