"""10. Batch analytics: time and peak memory of each analysis at 10,000 and 100,000 molecules
(scaffolds and taxonomy also at 1,000,000).

Each size is a complete job written straight into a database of its own (canonical SMILES,
scores and scaffolds in result_rows, as an audit leaves them; bench/analytics_molecules.py makes
the molecules and their scaffolds), so the figures are the analyses alone. The scaffold analysis
also runs on a second job of the same molecules stored without scaffolds ("none stored": rows
stored before migration 0011, the way every scaffold run went before it), except at 1,000,000. Each run is computed by the workers' own
code (`AnalyticsRunner.run_next`, 2 helper processes, 2 kernel threads) in a fresh process, whose
wall time and peak RSS are printed with the peak RSS of its helper processes together
(sampled every 0.1 s).
Order per size: similarity search (computes and stores the job's fingerprints), similarity
search again (fingerprints stored: the latency target), clustering (cutoff 0.35), chemical
space (PCA; t-SNE at the first size only: it embeds a 5,000-molecule sample at any size), scaffold
(stored, then none stored), taxonomy, MMP, R-groups (core: pyridine). `--analytics-types scaffold`
runs only the analyses of those types.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import threading
import time
import uuid

import psycopg

from bench.analytics_molecules import library, library_scaffolds
from bench.common import ROOT, Row, admin_url, mb, say, verdict
from chemaudit.analytics.params import normalise
from chemaudit.db import migrate
from tests.support import pg

SIZES = (10_000, 100_000)
BIG = 1_000_000
BIG_TYPES = ("scaffold", "taxonomy")
PLAN = (("similarity_search", {"query_index": 0, "top_k": 10}, "fingerprints + search"),
        ("similarity_search", {"query_index": 1, "top_k": 10}, "search, fingerprints stored"),
        ("clustering", {"cutoff": 0.35}, ""), ("chemical_space", {"method": "pca"}, ""),
        ("chemical_space", {"method": "tsne"}, "t-SNE (5,000 sampled)"),
        ("scaffold", {}, ""), ("scaffold", {}, "scaffold, none stored"),
        ("taxonomy", {}, ""), ("mmp", {}, ""), ("rgroup", {"core_smarts": "c1ccncc1"}, ""))
UNSTORED = "scaffold, none stored"  # the PLAN entry run on the job stored without scaffolds
TARGETS = {("clustering", 100_000): ("time", 120.0), ("scaffold", 1_000_000): ("time", 120.0),
           ("search, fingerprints stored", 100_000): ("time", 1.0)}
RSS_TARGET_MB = {("clustering", 100_000): 2048}


def make_job(url: str, smiles: list[str], scaffolds: list[str | None] | None) -> str:
    """A complete job of these molecules; `scaffolds` None: stored without them."""
    job_id = str(uuid.uuid4())
    scores = random.Random(5)
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO jobs (id, status, filename, format, total, processed, chunk_count, finished_at)"
                     " VALUES (%s, 'complete', 'bench.smi', 'smiles', %s, %s, 0, now())",
                     (job_id, len(smiles), len(smiles)))
        doc = conn.execute("INSERT INTO result_docs (status, detail) VALUES ('success', '{}') RETURNING id").fetchone()[0]
        with conn.cursor().copy("COPY result_rows (job_id, idx, name, smiles, status, canonical_smiles, score,"
                                " doc_id, scaffold) FROM STDIN") as copy:
            for idx, text in enumerate(smiles):
                copy.write_row((job_id, idx, f"m{idx}", text, "success", text, scores.randint(20, 100), doc,
                                scaffolds[idx] if scaffolds is not None else None))
    return job_id


def timed_run(url: str, job_id: str, analysis: str, params: dict) -> dict:
    with psycopg.connect(url) as conn:
        run_id = conn.execute("INSERT INTO analytics_runs (job_id, type, params) VALUES (%s, %s, %s) RETURNING id",
                              (job_id, analysis, json.dumps(normalise(analysis, params)))).fetchone()[0]
    done = subprocess.run([sys.executable, "-m", "bench.analytics", "--one-run", url, str(run_id)], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"{analysis} run failed: {done.stderr[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class PeakMemory:
    """Samples the RSS of this process and of every process under it (the run's helpers)."""

    def __init__(self, interval: float = 0.1):
        import psutil

        self.me = psutil.Process()
        self.interval = interval
        self.peak_self = self.peak_helpers = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        while not self.stopping.wait(self.interval):
            helpers = 0
            for child in self.me.children(recursive=True):
                try:
                    helpers += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_self = max(self.peak_self, self.me.memory_info().rss)
            self.peak_helpers = max(self.peak_helpers, helpers)

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()


def one_run(url: str) -> None:
    """In the measured process: compute the one pending run and print the figures as JSON."""
    from psycopg_pool import ConnectionPool

    from chemaudit.settings import Settings
    from tasks.analytics_runner import AnalyticsRunner

    settings = Settings(database_url=url, analytics_processes=2, analytics_threads=2)
    with ConnectionPool(url, min_size=1, max_size=6) as pool, PeakMemory() as memory:
        started = time.perf_counter()
        run_id = AnalyticsRunner(pool, settings).run_next()
        seconds = time.perf_counter() - started
        with pool.connection() as conn:
            status, error = conn.execute("SELECT status, error FROM analytics_runs WHERE id = %s", (run_id,)).fetchone()
    rss_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, memory.peak_self // 1024)
    print(json.dumps({"seconds": seconds, "status": status, "error": error, "rss_kb": rss_kb,
                      "helper_rss_kb": memory.peak_helpers // 1024}))


def _rows(label: str, n: int, figures: dict) -> list[Row]:
    key = (label, n)
    target = TARGETS.get(key)
    time_row = Row("analytics", f"{label} {n:,}: time", f"{figures['seconds']:.2f} s",
                   f"<= {target[1]:.0f} s" if target else "",
                   verdict(figures["seconds"], target[1], False) if target else "")
    peak = figures["rss_kb"] + figures["helper_rss_kb"]
    rss_target = RSS_TARGET_MB.get(key)
    rss_row = Row("analytics", f"{label} {n:,}: peak RSS", f"{mb(figures['rss_kb'])} + helper {mb(figures['helper_rss_kb'])}",
                  f"<= {rss_target} MB" if rss_target else "",
                  verdict(peak / 1024, rss_target, False) if rss_target else "")
    if figures["status"] != "complete":
        time_row.verdict = f"run {figures['status']}: {figures['error']}"
    return [time_row, rss_row]


def _plan(n: int, types: list[str] | None) -> list[tuple[str, dict, str]]:
    """The PLAN entries run at size n (of `types` only, when given)."""
    plan = []
    for analysis, params, label in PLAN:
        if types and analysis not in types:
            continue
        if n >= BIG and (analysis not in BIG_TYPES or label == UNSTORED):
            continue  # the none-stored scaffold run is the one measured before migration 0011
        if label.startswith("t-SNE") and n > SIZES[0]:
            continue  # the same 5,000-molecule sample at any size above it
        plan.append((analysis, params, label))
    return plan


def run(args) -> list[Row]:
    sizes = getattr(args, "analytics_sizes", None) or [*SIZES, BIG]
    types = getattr(args, "analytics_types", None)
    unknown = set(types or ()) - {analysis for analysis, _, _ in PLAN}
    if unknown:
        raise ValueError(f"--analytics-types: no such analysis {', '.join(sorted(unknown))}")
    admin = admin_url()
    name = pg.unique_name("chemaudit_bench_analytics")
    url = pg.create_database(admin, name)
    rows: list[Row] = []
    try:
        migrate.upgrade(url)
        for n in sizes:
            plan = _plan(n, types)
            smiles = library(n)
            began = time.monotonic()
            jobs = {False: make_job(url, smiles, library_scaffolds(n))}
            if any(label == UNSTORED for _, _, label in plan):
                jobs[True] = make_job(url, smiles, None)
            say(f"{n:,} molecules stored in {time.monotonic() - began:.0f} s ({len(jobs)} jobs)")
            for analysis, params, label in plan:
                figures = timed_run(url, jobs[label == UNSTORED], analysis, params)
                say(f"  {label or analysis} {n:,}: {figures['seconds']:.2f} s, {figures['status']},"
                    f" RSS {mb(figures['rss_kb'])} + helper {mb(figures['helper_rss_kb'])}")
                rows += _rows(label or analysis, n, figures)
    finally:
        pg.drop_database(admin, name)
    return rows


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--one-run":
    one_run(sys.argv[2])
