"""Batch analytics over a job's stored results: pure functions over SMILES and fingerprints.

No I/O here: the workers (tasks/analytics_*.py) read the job's rows, call these, and store what
they return (chemaudit/db/analytics_queries.py).
"""
