"""Fixtures for fault tests: a fresh database and a cluster of real processes on it."""

from __future__ import annotations

import pytest

from tests.faults.cluster import Cluster


@pytest.fixture
def make_cluster(fresh_database, tmp_path):
    clusters: list[Cluster] = []

    def make(**env: str) -> Cluster:
        cluster = Cluster(fresh_database, tmp_path, **env)
        clusters.append(cluster)
        return cluster

    yield make
    for cluster in clusters:
        cluster.stop()
