"""The ETA of a job on shared workers: simulate the fair-share rule over every running job.

A job's own recent rate is its current share of the workers, which changes whenever another
job starts or ends; extrapolating it makes the ETA lag a start by the rate window and ignore
the speed-up when a neighbour finishes. Here the service's total rate (molecules per second
over all jobs, recently) is shared the way the scheduler shares it, equally between owners,
then by priority weight within an owner, and the jobs are run forward until the target ends:
jobs that will finish first hand their share to the others. Only jobs not yet uploaded are
unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

_STEPS = 10_000  # a bound on the simulation's iterations (each retires at least one job)


@dataclass(frozen=True)
class Load:
    job_id: object
    owner: str
    weight: float
    remaining: float  # molecules still to process


def _rates(active: dict, capacity: float) -> dict:
    owners: dict[str, list[Load]] = {}
    for load in active.values():
        owners.setdefault(load.owner, []).append(load)
    rates = {}
    for jobs in owners.values():
        owner_rate = capacity / len(owners)
        total_weight = sum(job.weight for job in jobs)
        for job in jobs:
            rates[job.job_id] = owner_rate * job.weight / total_weight
    return rates


def shared_eta(target, loads: list[Load], capacity: float) -> float | None:
    """Seconds until `target` finishes if `capacity` molecules/s are shared fairly; None if unknown."""
    if capacity <= 0:
        return None
    left = {load.job_id: load.remaining for load in loads if load.remaining > 0}
    active = {load.job_id: load for load in loads if load.remaining > 0}
    if target not in active:
        return 0.0 if any(load.job_id == target for load in loads) else None
    elapsed = 0.0
    for _ in range(_STEPS):
        rates = _rates(active, capacity)
        step = min(left[job] / rates[job] for job in active)
        elapsed += step
        for job in list(active):
            left[job] -= rates[job] * step
            if left[job] <= 1e-9 * max(1.0, active[job].remaining):
                if job == target:
                    return elapsed
                del active[job]
    return None
