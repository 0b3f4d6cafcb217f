"""2. Scaling with job size: 1,000 / 10,000 / 30,000 molecules (100,000 with --full).

Each size runs on its own fresh server, so peak memory (VmHWM, and RSS sampled every 0.1 s) belongs
to that job alone. The rate must not fall as the job grows, nor memory grow with it.
"""

from __future__ import annotations

import asyncio
import time

from bench.common import Row, load_average, mb, say, write_smiles
from bench.harness import Server, follow, session_factory, upload
from bench.procs import CpuAccount, RssSampler


async def _one_job(server: Server, path, timeout: float) -> dict:
    async with session_factory() as session:
        started = time.perf_counter()
        job = await upload(session, server.base, path)
        accepted = time.perf_counter()
        messages = await follow(session, server.ws_base, job.job_id, timeout)
        done = time.perf_counter()
    return {"seconds": done - started, "accept": accepted - started, "messages": len(messages),
            "status": messages[-1][1]["status"] if messages else None, "total": job.total}


def one_size(size: int, timeout: float) -> dict:
    path = write_smiles(size, f"scaling_{size}.smi")
    with Server(f"scaling-{size}") as server:
        sampler = RssSampler({"web": lambda: [server.web_pid], "worker": server.worker_pids})
        sampler.start()
        account = CpuAccount(server.tree_cpu)
        result = asyncio.run(_one_job(server, path, timeout))
        result["split"] = account.stop()
        result["rss"] = sampler.stop()
        result["hwm"] = server.peak_kib()
    result["rate"] = size / result["seconds"]
    return result


def run(opts) -> list[Row]:
    rows = []
    rates = {}
    say(f"scaling: sizes {', '.join(f'{s:,}' for s in opts.sizes)}; load average {load_average()}")
    for size in opts.sizes:
        r = one_size(size, opts.timeout)
        rates[size] = r["rate"]
        say(f"  {size:>8,} molecules: {r['seconds']:7.1f} s, {r['rate']:6.1f} molecules/s, accepted in "
            f"{r['accept']:.2f} s, {r['messages']} WS messages, {r['status']}; peak RSS web "
            f"{mb(r['hwm']['web'])}, worker {mb(r['hwm']['worker'])} (sampled during the job: web "
            f"{mb(r['rss']['web'])}, worker {mb(r['rss']['worker'])})")
        say(f"      {CpuAccount.describe(r['split'])}")
        rows.append(Row("scaling", f"{size:,} molecules: time | rate",
                        f"{r['seconds']:.1f} s | {r['rate']:.1f} mol/s",
                        "", f"others used {100 * r['split']['others']:.0f}% CPU"))
        rows.append(Row("scaling", f"{size:,} molecules: peak RSS web | worker",
                        f"{mb(r['hwm']['web'])} | {mb(r['hwm']['worker'])}"))
    sizes = sorted(rates)
    if len(sizes) >= 2:
        # The smallest job is dominated by start-up and the last chunk's tail; compare the others.
        reference = sizes[1] if len(sizes) >= 3 else sizes[0]
        change = rates[sizes[-1]] / rates[reference] - 1
        verdict = "met" if change >= -0.05 else f"NOT met (rate falls {-100 * change:.0f}%)"
        rows.append(Row("scaling", f"rate {sizes[-1]:,} vs {reference:,}", f"{100 * change:+.1f}%",
                        "does not fall (within 5%)", verdict))
    return rows
