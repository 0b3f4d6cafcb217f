"""The deployment topology without Docker: two web nodes and two worker nodes on one PostgreSQL,
and the compose file that describes the same topology for Docker."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
import yaml

from chemaudit.settings import Settings
from service.ops.open_files import needed
from tests.faults import client
from tests.faults.cluster import Cluster
from tests.support.molecules import write_csv

pytestmark = pytest.mark.acceptance

DOCKER = Path(__file__).parents[2] / "docker"


def test_compose_file_describes_the_topology():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "migrate", "web-a", "web-b", "worker-a", "worker-b", "proxy"} <= set(services)
    assert services["migrate"]["command"] == ["chemaudit", "migrate"]
    for name in ("web-a", "web-b"):
        assert services[name]["command"][:2] == ["chemaudit", "web"]
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        nofile = services[name]["ulimits"]["nofile"]  # room for the sockets (service/ops/open_files.py)
        assert nofile["soft"] == nofile["hard"] >= needed(Settings())
    for name in ("worker-a", "worker-b"):
        assert services[name]["command"][:2] == ["chemaudit", "worker"]
    database = services["web-a"]["environment"]["CHEMAUDIT_DATABASE_URL"]
    assert all(services[n]["environment"]["CHEMAUDIT_DATABASE_URL"] == database
               for n in ("web-b", "worker-a", "worker-b", "migrate"))
    nginx = (DOCKER / "nginx.conf").read_text()
    assert "web-a:8001" in nginx and "web-b:8001" in nginx and "Upgrade $http_upgrade" in nginx
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "pip install ." in dockerfile and "EXPOSE 8001" in dockerfile


async def test_socket_on_web_a_follows_a_job_uploaded_through_web_b(fresh_database, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    node_a = Cluster(fresh_database, tmp_path / "a").start_web().start_workers(1)
    node_b = Cluster(fresh_database, tmp_path / "b").start_web().start_workers(1)
    try:
        accepted = await client.upload(node_b.base, write_csv(tmp_path / "nci.csv", 800))
        messages, reconnects = await client.follow(node_a.ws_base, accepted["job_id"])
        client.check_stream(messages)
        assert reconnects == 0
        assert messages[-1]["status"] == "complete" and messages[-1]["processed"] == 800
        async with aiohttp.ClientSession() as session:  # and B reports the same final state
            async with session.get(f"{node_b.base}/api/v1/batch/{accepted['job_id']}/status") as r:
                assert (await r.json())["status"] == "complete"
    finally:
        node_a.stop()
        node_b.stop()
