"""ChemAudit benchmarks: `python -m bench` runs them all and prints one table.

Each benchmark starts a real `chemaudit serve` on a fresh database of the local PostgreSQL
(CHEMAUDIT_BENCH_DATABASE_URL, an admin URL), talks to it only over 127.0.0.1, prints its
figures, and stops the whole server process group and drops the database when it ends.
Nothing here asserts on time: the figures are printed and compared with the targets.
"""
