"""A cluster on one machine: a database host, two web hosts and two worker hosts, each a
network namespace, with netem latency between them. Skips (saying why) only where namespaces,
netem or PostgreSQL's binaries are not to be had; tears everything down whatever happens."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pytest

from chemaudit.db import migrate
from tests.cluster import netns, postgres
from tests.cluster.netns import Host, Network
from tests.cluster.services import Services

# One-way latency each host adds to what it sends: any pair is 5-20 ms apart (round trip 7-16).
DELAYS_MS = {"db": 4, "db2": 4, "web1": 3, "web2": 6, "worker1": 5, "worker2": 8}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/cluster/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def network():
    reason = netns.namespaces_available() or postgres.binaries_available()
    if reason:
        pytest.skip(f"cluster tests need network namespaces, nftables and PostgreSQL 15 binaries: {reason}")
    netns.remove_orphans()
    net = Network()
    try:
        for name, delay in DELAYS_MS.items():
            net.add_host(name, delay)
        if not net.latency:
            warnings.warn("this kernel has no netem (CONFIG_NET_SCH_NETEM): the cluster's hosts"
                          " run without added latency; partitions and loss still apply", stacklevel=2)
        yield net
    finally:
        net.close()


@pytest.fixture(scope="session")
def server_root(network):
    root = postgres.ServerRoot()
    yield root
    root.close()


@pytest.fixture(autouse=True)
def heal_after(request):
    """Whatever a test cut, it is healed before the next one starts (even when it failed)."""
    yield
    if "network" in request.fixturenames:
        request.getfixturevalue("network").heal_all()


@dataclass
class Deployment:
    network: Network
    services: Services
    database_url: str

    @property
    def web1(self):
        return self.services.webs[0]

    @property
    def web2(self):
        return self.services.webs[1]

    def host(self, name: str) -> Host:
        return self.network.hosts[name]


@pytest.fixture(scope="module")
def deployment(network, server_root, tmp_path_factory):
    """One PostgreSQL on the db host, `chemaudit web` on web1/web2, `chemaudit worker` on worker1/2."""
    server = server_root.server(network.hosts["db"], f"single{len(server_root.servers)}").init().start()
    url = server.url()
    migrate.upgrade(url)
    # No libpq options in the URL: the services add their own (CHEMAUDIT_DATABASE_TCP_TIMEOUT's
    # default), so the database cut tests the defaults a deployment runs with.
    services = Services(url, tmp_path_factory.mktemp("cluster-logs"))
    try:
        services.start([network.hosts["web1"], network.hosts["web2"]],
                       [network.hosts["worker1"], network.hosts["worker2"]])
        yield Deployment(network, services, url)
    finally:
        services.stop()
        server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, show the services' log tails: the only view of what happened in the hosts."""
    outcome = yield
    report = outcome.get_result()
    deployment = item.funcargs.get("deployment") or item.funcargs.get("failover")
    if report.failed and deployment is not None:
        report.sections.append(("cluster logs", deployment.services.logs()))
