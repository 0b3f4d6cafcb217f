"""Typed application keys for the resources the app factory sets up."""

from __future__ import annotations

import asyncio

from aiohttp import web
from dramatiq.broker import Broker
from psycopg_pool import AsyncConnectionPool

from chemaudit.settings import Settings
from service.hub import Hub
from service.listener import ProgressListener
from service.rate_limit import RateLimiter
from service.slots import Slots

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", AsyncConnectionPool)
BROKER = web.AppKey("broker", Broker)
HUB = web.AppKey("hub", Hub)
LISTENER = web.AppKey("listener", ProgressListener)
UPLOAD_LIMITER = web.AppKey("upload_limiter", RateLimiter)
UPLOAD_SLOTS = web.AppKey("upload_slots", Slots)
UPLOAD_COMMITS = web.AppKey("upload_commits", asyncio.Semaphore)  # uploads storing their job at once
