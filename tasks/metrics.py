"""Worker-side Prometheus metrics (multi-process files when PROMETHEUS_MULTIPROC_DIR is set).

`chemaudit serve` points every process at one directory, and the web node's /metrics adds the
workers' files up; a separate worker node sets the variable for its own exporter.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

CHUNK_SECONDS = Histogram(
    "chemaudit_chunk_seconds", "Time to audit and store one chunk",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300))
MOLECULE_SECONDS = Histogram(
    "chemaudit_molecule_seconds", "Time to audit one molecule",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30))
MOLECULES_AUDITED = Counter("chemaudit_molecules_audited_total", "Molecules audited by workers",
                            ["status"])
# A hit is a record whose result was taken from the cache (or from a repeat of it earlier in the
# same chunk) instead of being audited; a miss, one audited after the cache had no result for it.
# Records of reuse=false jobs are neither.
RESULT_CACHE_HITS = Counter("chemaudit_result_cache_hits", "Records whose stored result was reused")
RESULT_CACHE_MISSES = Counter("chemaudit_result_cache_misses",
                              "Records audited because the result cache had no result for them")
