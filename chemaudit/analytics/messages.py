"""The analytics queue and its work token (ids only), shared by the web side and the workers.

Analytics run on a queue of their own, consumed only by the analytics worker pool
(`CHEMAUDIT_ANALYTICS_WORKERS` processes per node), so a long clustering never takes a worker
from audit chunks. A token names the run it was sent for, but the worker claims the oldest
claimable run, so any token serves (the sweeper re-sends lost ones).
"""

from __future__ import annotations

import dramatiq

ANALYTICS_QUEUE = "chemaudit_analytics"
RUN_ANALYTICS = "run_analytics"


def analytics_message(run_id: int) -> dramatiq.Message:
    return dramatiq.Message(queue_name=ANALYTICS_QUEUE, actor_name=RUN_ANALYTICS, args=(int(run_id),),
                            kwargs={}, options={})
