"""Typed application keys for the resources the app factory sets up."""

from __future__ import annotations

import asyncio

from aiohttp import web
from dramatiq.broker import Broker
from psycopg_pool import AsyncConnectionPool

from chemaudit.settings import Settings
from service.http.rate_limit import RateLimiter
from service.http.slots import Slots
from service.progress.hub import Hub
from service.progress.listener import ProgressListener

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", AsyncConnectionPool)
BROKER = web.AppKey("broker", Broker)
HUB = web.AppKey("hub", Hub)
LISTENER = web.AppKey("listener", ProgressListener)
UPLOAD_LIMITER = web.AppKey("upload_limiter", RateLimiter)
UPLOAD_SLOTS = web.AppKey("upload_slots", Slots)
UPLOAD_COMMITS = web.AppKey("upload_commits", asyncio.Semaphore)  # uploads storing their job at once
