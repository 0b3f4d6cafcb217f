"""Hosts of their own on one machine: network namespaces on a bridge, with latency and cuts.

Each host is a namespace with one veth (`eth0`) whose other end is a port of a bridge in the
root namespace, where the test process itself sits (it is the clients' host). Faults are an
nftables table in the host's namespace, rewritten whole at each change: a partition drops the
other host's packets both ways, silently, as on a cut link (no RST, no ICMP: TCP waits and
retransmits rather than failing fast); packet loss drops a random share of what the host sends.
Latency is a netem qdisc on each host's egress where the kernel has netem (CONFIG_NET_SCH_NETEM);
where it has not, the hosts run without added latency and `Network.latency` says so.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field

from service.ops.metrics_dir import process_alive

PREFIX = "chca"  # names of everything made here start with this, then the owner's pid


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def tc(ns: str | None, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = ["tc", *args] if ns is None else ["ip", "netns", "exec", ns, "tc", *args]
    return subprocess.run(command, check=check, capture_output=True, text=True)


def nft(ns: str, ruleset: str) -> None:
    subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=ruleset, check=True,
                   capture_output=True, text=True)


def namespaces_available() -> str | None:
    """None when namespaces, veths and nftables can be used here; else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    probe = f"{PREFIX}{os.getpid()}-probe"
    try:
        ip("netns", "add", probe)
        ip("-n", probe, "link", "add", "p0", "type", "veth", "peer", "name", "p1")
        nft(probe, "table inet probe {\n chain out {\n type filter hook output priority 0;\n }\n}\n")
    except FileNotFoundError as exc:
        return f"{exc.filename} is missing; run scripts/install-netns.sh"
    except subprocess.CalledProcessError as exc:
        return f"cannot make a namespace with veth and nftables: {exc.stderr.strip()}"
    finally:
        ip("netns", "del", probe, check=False)
    return None


def netem_available(ns: str) -> bool:
    return tc(ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms", check=False).returncode == 0


def remove_orphans() -> None:
    """Namespaces and bridges left by an earlier run whose process is gone (killed mid-test)."""
    names = ip("netns", "list", check=False).stdout.split()
    links = [line.split(":")[1].strip().split("@")[0]
             for line in ip("-o", "link", "show", "type", "bridge", check=False).stdout.splitlines()]
    for name in names + links:
        owner = name[len(PREFIX):].split("-")[0].rstrip("b")
        if name.startswith(PREFIX) and owner.isdigit() and not process_alive(int(owner)):
            if name in names:
                ip("netns", "del", name, check=False)
            else:
                ip("link", "del", name, check=False)


@dataclass
class Host:
    name: str
    ns: str
    address: str
    port_dev: str  # the bridge end of its veth, in the root namespace
    delay_ms: int
    blocked: set[str] = field(default_factory=set)  # addresses it cannot reach nor hear from
    isolated: bool = False
    loss_percent: int = 0

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.ns]

    def ruleset(self) -> str:
        out, into = [], []
        if self.blocked:
            addresses = ", ".join(sorted(self.blocked))
            out.append(f"ip daddr {{ {addresses} }} drop")
            into.append(f"ip saddr {{ {addresses} }} drop")
        if self.isolated:
            out.append('oifname "eth0" drop')
            into.append('iifname "eth0" drop')
        if self.loss_percent:
            out.append(f'oifname "eth0" numgen random mod 100 < {self.loss_percent} drop')
        return ("table inet chca\ndelete table inet chca\ntable inet chca {\n"
                "  chain out { type filter hook output priority 0; policy accept;\n    "
                + "\n    ".join(out) + "\n  }\n"
                "  chain in { type filter hook input priority 0; policy accept;\n    "
                + "\n    ".join(into) + "\n  }\n}\n")


class Network:
    """A bridge with hosts on it; `close()` removes all of it."""

    def __init__(self) -> None:
        pid = os.getpid()
        self.tag = f"{PREFIX}{pid}"
        self.bridge = f"{self.tag}b"[:15]
        self.subnet = f"10.{200 + pid % 50}.{(pid // 50) % 256}"
        self.hosts: dict[str, Host] = {}
        self.latency: bool | None = None  # whether netem could add the hosts' delays
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.subnet}.1/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")

    def add_host(self, name: str, delay_ms: int) -> Host:
        number = len(self.hosts) + 2
        host = Host(name, f"{self.tag}-{name}", f"{self.subnet}.{number}",
                    f"c{os.getpid()}p{number}"[:15], delay_ms)
        self.hosts[name] = host
        ip("netns", "add", host.ns)
        ip("link", "add", host.port_dev, "type", "veth", "peer", "name", "eth0", "netns", host.ns)
        ip("link", "set", host.port_dev, "master", self.bridge, "up")
        ip("-n", host.ns, "addr", "add", f"{host.address}/24", "dev", "eth0")
        ip("-n", host.ns, "link", "set", "eth0", "up")
        ip("-n", host.ns, "link", "set", "lo", "up")
        if self.latency is None:
            self.latency = netem_available(host.ns)
        if self.latency:
            tc(host.ns, "qdisc", "add", "dev", "eth0", "root", "netem", "delay", f"{delay_ms}ms",
               "limit", "100000")
        self._apply(host)
        return host

    def _apply(self, host: Host) -> None:
        nft(host.ns, host.ruleset())

    def block(self, a: Host, b: Host) -> None:
        """Cut the link between two hosts, both ways, silently."""
        a.blocked.add(b.address)
        b.blocked.add(a.address)
        self._apply(a)
        self._apply(b)

    def unblock(self, a: Host, b: Host) -> None:
        a.blocked.discard(b.address)
        b.blocked.discard(a.address)
        self._apply(a)
        self._apply(b)

    def isolate(self, host: Host) -> None:
        """Cut the host off from everything (the other hosts and the test's own clients)."""
        host.isolated = True
        self._apply(host)

    def rejoin(self, host: Host) -> None:
        host.isolated = False
        self._apply(host)

    def set_loss(self, host: Host, percent: int) -> None:
        """Drop this share of what the host sends (its egress only: an asymmetric loss)."""
        host.loss_percent = percent
        self._apply(host)

    def heal_all(self) -> None:
        """Undo every cut and loss (run after each test, whatever it left)."""
        for host in self.hosts.values():
            host.blocked.clear()
            host.isolated = False
            host.loss_percent = 0
            self._apply(host)

    def close(self) -> None:
        for host in self.hosts.values():
            ip("netns", "del", host.ns, check=False)  # takes its veth (and the bridge port) along
        ip("link", "del", self.bridge, check=False)
        self.hosts.clear()
