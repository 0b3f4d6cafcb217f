"""Run the benchmarks and print one table.

    python -m bench                      # all of them, default sizes (about 5 minutes on 2 cores)
    python -m bench pipeline scaling     # some of them
    python -m bench --full               # scaling up to 100,000 molecules
    CHEMAUDIT_CHUNK_SIZE=500 python -m bench pipeline   # any CHEMAUDIT_* setting reaches the server
    CHEMAUDIT_BENCH_WORKER_NICE=10 python -m bench upload   # experiment: workers at a lower CPU priority

Needs a local PostgreSQL where it may create databases: CHEMAUDIT_BENCH_DATABASE_URL
(default postgresql://postgres@127.0.0.1:5432/postgres). Logs of each server: bench/out/.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import time
import traceback

from bench.common import Row, load_average, machine, say

BENCHMARKS = {
    "pipeline": "bench.pipeline",
    "scaling": "bench.scaling",
    "upload": "bench.upload",
    "progress": "bench.progress",
    "polling": "bench.polling",
    "dbcost": "bench.dbcost",
    "fairness": "bench.fairness",
    "fair_throughput": "bench.fair_throughput",
    "isolation": "bench.isolation",
    "reuse": "bench.reuse",
    "budgets": "bench.budgets",
    "analytics": "bench.analytics",
    "scaffold_cost": "bench.scaffold_cost",
    "sockets": "bench.sockets",
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="name",
                        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--full", action="store_true", help="scaling: 1k / 10k / 100k instead of 1k / 10k / 30k")
    parser.add_argument("--molecules", type=int, default=20_000,
                        help="pipeline, reuse: molecules (>= 20,000 for the targets)")
    parser.add_argument("--sizes", type=str, default=None, help="scaling: comma-separated job sizes")
    parser.add_argument("--upload-molecules", type=int, default=1_000_000, help="upload: molecules in the big file")
    parser.add_argument("--clients", type=int, default=1000, help="progress: WebSocket clients")
    parser.add_argument("--client-processes", type=int, default=4,
                        help="progress: processes the clients are spread over")
    parser.add_argument("--sockets", type=int, default=10_000, help="sockets: WebSocket clients on the node")
    parser.add_argument("--socket-web-processes", dest="socket_web_processes", default=[1, 2],
                        type=lambda t: [int(s) for s in t.split(",")], help="sockets: web process counts to compare")
    parser.add_argument("--socket-jobs", dest="socket_jobs", default=None,
                        type=lambda t: [int(s) for s in t.split(",")],
                        help="sockets: job counts the sockets spread over (default: sockets / 100 up to 100, and 1)")
    parser.add_argument("--no-socket-floor", dest="socket_floor", action="store_false",
                        help="sockets: skip the floor (one frame to every socket by plain send(), no server)")
    parser.add_argument("--socket-client-processes", dest="socket_client_processes", type=int, default=4,
                        help="sockets: processes the clients are spread over")
    parser.add_argument("--socket-events", dest="socket_events", type=int, default=10,
                        help="sockets: events per job with 100 jobs (the one job gets 3 x as many)")
    parser.add_argument("--socket-tick", dest="socket_tick", type=float, default=0.1,
                        help="sockets, 100 jobs: seconds between rounds of events (a tenth of the jobs each)")
    parser.add_argument("--socket-tick-one-job", dest="socket_tick_one_job", type=float, default=0.5,
                        help="sockets, 1 job: seconds between its events (0.1 is a job's most, EVENT_MIN_INTERVAL)")
    parser.add_argument("--socket-grace", dest="socket_grace", type=float, default=120.0,
                        help="sockets: seconds after the last event before a client still reading is stopped")
    parser.add_argument("--poll-clients", type=int, default=50, help="polling: concurrent clients")
    parser.add_argument("--poll-seconds", type=float, default=10.0, help="polling: seconds per phase")
    parser.add_argument("--jobs", type=int, default=10, help="dbcost: concurrent jobs")
    parser.add_argument("--job-molecules", type=int, default=1000, help="dbcost: molecules per job")
    parser.add_argument("--fair-big", type=int, default=20_000, help="fairness: the big job's molecules")
    parser.add_argument("--fair-job", type=int, default=5_000, help="fairness: molecules of each job of a mix")
    parser.add_argument("--fair-rounds", type=int, default=2, help="fairness: fair/fifo pairs for the throughput ratio")
    parser.add_argument("--py-spy", action="store_true",
                        help="sample with py-spy: the workers (pipeline), the web process (upload, progress, polling)")
    parser.add_argument("--analytics-sizes", dest="analytics_sizes", type=lambda t: [int(s) for s in t.split(",")],
                        default=None, help="analytics: job sizes (default 10000,100000,1000000; 1M: scaffold, taxonomy)")
    parser.add_argument("--analytics-types", dest="analytics_types", type=lambda t: t.split(","), default=None,
                        help="analytics: only these analysis types, comma-separated (e.g. scaffold)")
    parser.add_argument("--scaffold-molecules", dest="scaffold_molecules", type=int, default=2_000,
                        help="scaffold_cost: real molecules audited")
    parser.add_argument("--timeout", type=float, default=1800, help="longest wait for one job, seconds")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    args.names = args.names or list(BENCHMARKS)
    if args.sizes:
        args.sizes = [int(size) for size in args.sizes.split(",")]
    else:
        args.sizes = [1_000, 10_000, 100_000] if args.full else [1_000, 10_000, 30_000]
    return args


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through every `with Server(...)`: nothing is left running


def table(rows: list[Row]) -> str:
    header = ("benchmark", "figure", "value", "target", "verdict")
    cells = [header] + [(r.bench, r.figure, r.value, r.target, r.verdict) for r in rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    info = machine()
    say("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    rows: list[Row] = []
    failed = []
    started = time.monotonic()
    for name in args.names:
        say(f"\n=== {name} ===")
        began = time.monotonic()
        try:
            rows += importlib.import_module(BENCHMARKS[name]).run(args)
        except KeyboardInterrupt:
            say("interrupted")
            break
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            rows.append(Row(name, "FAILED", f"{type(exc).__name__}: {str(exc)[:80]}"))
        say(f"=== {name}: {time.monotonic() - began:.0f} s ===")
    say(f"\nChemAudit benchmarks, {info['date']}; {info.get('cpu', '?')}, {info['nproc']} cores, "
        f"{info.get('memory', '?')}; PostgreSQL {info.get('postgresql', '?')}; "
        f"{time.monotonic() - started:.0f} s; load average at the end {load_average()}\n")
    say(table(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
