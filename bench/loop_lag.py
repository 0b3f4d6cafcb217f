"""The web process's own event-loop lag, read from its /metrics (service/ops/loop_lag.py).

Unlike a client's response times, this is measured inside the web process: the overshoot of a
10 ms timer, sampled continuously. The histogram's buckets, read before and after a phase, say how
many samples of that phase were later than each bound.
"""

from __future__ import annotations

from dataclasses import dataclass

NAME = "chemaudit_event_loop_lag_seconds"


@dataclass
class LagReading:
    buckets: dict[float, float]  # upper bound -> cumulative count
    count: float
    worst: float  # worst since the process started

    def over(self, bound: float, before: LagReading) -> tuple[int, int]:
        """(samples later than `bound`, all samples) between `before` and this reading."""
        total = self.count - before.count
        under = self.buckets.get(bound, 0.0) - before.buckets.get(bound, 0.0)
        return int(total - under), int(total)

    def worst_bucket(self, before: LagReading) -> str:
        """The bucket the worst sample between the two readings fell in, like "50-100 ms"."""
        lower = 0.0
        for bound in sorted(self.buckets):
            if self.buckets[bound] - before.buckets.get(bound, 0.0) == self.count - before.count:
                return f"{lower * 1000:.0f}-{bound * 1000:.0f} ms"
            lower = bound
        return f"> {lower * 1000:.0f} ms"


def parse(text: str) -> LagReading:
    buckets, count, worst = {}, 0.0, float("nan")
    for line in text.splitlines():
        if line.startswith(f'{NAME}_bucket{{le="'):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            if bound != "+Inf":
                buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
        elif line.startswith(f"{NAME}_count "):
            count = float(line.rsplit(" ", 1)[1])
        elif line.startswith("chemaudit_event_loop_lag_max_seconds "):
            worst = float(line.rsplit(" ", 1)[1])
    return LagReading(buckets, count, worst)


async def read(session, base: str) -> LagReading:
    async with session.get(f"{base}/metrics") as response:
        return parse(await response.text())
