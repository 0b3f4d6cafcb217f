"""The budgets of exports and /validate on a web node: set up by the app factory in one call."""

from __future__ import annotations

from aiohttp import web

from service.keys import SETTINGS
from service.metrics_registry import EXPORTS_REFUSED
from service.slots import Slots

EXPORT_SLOTS = web.AppKey("export_slots", Slots)


def setup_budgets(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[EXPORT_SLOTS] = Slots("exports", settings.max_concurrent_exports, settings.max_exports_per_client,
                              settings.busy_retry_after, refused=EXPORTS_REFUSED)
