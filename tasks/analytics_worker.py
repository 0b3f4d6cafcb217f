"""Analytics worker entry point: `dramatiq tasks.analytics_worker --queues chemaudit_analytics`."""

from __future__ import annotations

import dramatiq

from chemaudit.broker import make_broker
from chemaudit.settings import Settings
from tasks.analytics_actors import AnalyticsResources, declare_analytics_actors

settings = Settings.from_env()
resources = AnalyticsResources(settings, lower_priority=True)
broker = make_broker(settings)
broker.add_middleware(resources)
dramatiq.set_broker(broker)
actors = declare_analytics_actors(broker, resources)
