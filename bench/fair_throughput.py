"""What fair scheduling costs in throughput: the 4-owner mix under fair and fifo, run alternately.

One server per run; the runs alternate (fifo, fair, fifo, fair, ...) so a change in the machine's
load during the benchmark falls on both sides alike. The figure is the median of the per-pair ratios,
both in wall-clock molecules per second and in molecules per worker CPU second (the latter does not
move with whatever else loads the machine).
"""

from __future__ import annotations

import statistics

from bench.common import Row, say, verdict, write_smiles
from bench.fair_mix import KEYS, OwnerJob


def four_owner_jobs(path) -> list[OwnerJob]:
    return [OwnerJob(KEYS[n], path, delay=2.0 * n) for n in range(4)]


def compare(mix, path, timeout: float, rounds: int) -> Row:
    """`mix(label, env, jobs, timeout)` runs one mix on a fresh server; fair/fifo alternate."""
    walls, cpus = [], []
    for n in range(rounds):
        fifo = mix(f"fifo-4owners-{n}", {"CHEMAUDIT_SCHEDULING": "fifo"}, four_owner_jobs(path), timeout)
        fair = mix(f"fair-4owners-{n}", {}, four_owner_jobs(path), timeout)
        walls.append(fair["throughput"] / fifo["throughput"])
        cpus.append(fair["per_cpu"] / fifo["per_cpu"])
        say(f"  round {n + 1}: fair {fair['throughput']:.0f} vs fifo {fifo['throughput']:.0f} mol/s "
            f"({walls[-1]:.3f}); per worker CPU s {fair['per_cpu']:.0f} vs {fifo['per_cpu']:.0f} ({cpus[-1]:.3f})")
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return Row("fairness", f"throughput fair / fifo, median of {rounds}: wall | per worker CPU s",
               f"{wall:.3f} | {cpu:.3f}", ">= 0.97", verdict(wall, 0.97, higher_is_better=True))


def run(opts) -> list[Row]:
    from bench.fairness import mix  # the servers and keys of the fairness benchmark

    path = write_smiles(opts.fair_job, f"fair_job_{opts.fair_job}.smi")
    return [compare(mix, path, opts.timeout, opts.fair_rounds)]
