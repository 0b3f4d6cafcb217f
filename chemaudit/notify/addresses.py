"""Where an upload's webhook may go: public addresses only, unless the operator allows a network.

A webhook URL comes from whoever uploads, and the worker that posts it sits inside the
operator's network, so an unchecked URL would let any user reach the database, the cloud
metadata service (169.254.169.254) or anything on the loopback. A destination is allowed when
it is a globally routable unicast address, or inside one of CHEMAUDIT_WEBHOOK_ALLOW_NETWORKS.
The check runs on every address a name resolves to, at send time, and the connection goes to
the address that was checked (no second lookup a DNS server could answer differently).
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOCAL_NAMES = ("localhost", "localhost.localdomain")


def parse_networks(raw: str, setting: str = "CHEMAUDIT_WEBHOOK_ALLOW_NETWORKS") -> tuple[IPNetwork, ...]:
    """The comma-separated CIDRs (or single addresses) of a setting; ValueError naming a bad entry."""
    networks = []
    for position, entry in enumerate((e.strip() for e in raw.split(",")), start=1):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{setting}: entry {position} ({entry[:60]!r}) is not an address or CIDR") from None
    return tuple(networks)


def refusal(address: IPAddress, allowed: tuple[IPNetwork, ...]) -> str | None:
    """Why a webhook may not be sent to `address`; None when it may."""
    if any(address in network for network in allowed):
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:  # ::ffff:10.0.0.1 is 10.0.0.1
        return refusal(mapped, allowed)
    if address.is_multicast or not address.is_global:
        return (f"{address} is not a public address (loopback, private, link-local or reserved); "
                "the operator may allow it with CHEMAUDIT_WEBHOOK_ALLOW_NETWORKS")
    return None


def literal_refusal(host: str, allowed: tuple[IPNetwork, ...]) -> str | None:
    """The refusal for a host given as an address literal or a local name; names that need DNS
    are checked when the webhook is sent, against what they resolve to then."""
    bare = host.strip("[]").lower().rstrip(".")
    if bare in LOCAL_NAMES or bare.endswith(".localhost"):
        return refusal(ipaddress.ip_address("127.0.0.1"), allowed)
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        return None
    return refusal(address, allowed)
