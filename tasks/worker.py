"""Worker entry point: `dramatiq tasks.worker` (what `chemaudit worker` runs).

Settings are read here, once, at the process boundary.
"""

from __future__ import annotations

import dramatiq

from chemaudit.broker import make_broker
from chemaudit.settings import Settings
from tasks.actors import WorkerResources, declare_actors

settings = Settings.from_env()
resources = WorkerResources(settings, freeze_after_boot=True)  # a process of its own
broker = make_broker(settings)
broker.add_middleware(resources)
dramatiq.set_broker(broker)
actors = declare_actors(broker, resources)
