"""The client's address behind trusted proxies, for rate limits and per-address caps.

Behind a proxy every request's peer is the proxy, so every anonymous client would share one
bucket. When the peer is one of `CHEMAUDIT_TRUSTED_PROXIES` (addresses or CIDRs), the client is
read from the forwarding headers: walking the hops from the right (the one the nearest proxy
appended) past every trusted address, the first untrusted one is the client. Anything left of
it was written by the client and is never believed. From an untrusted peer, or with the setting
empty (the default), the headers are ignored.

`X-Forwarded-For` is read when present (nginx appends to it), else `Forwarded` (RFC 7239). A
proxy that maintains only `Forwarded` must drop any `X-Forwarded-For` a client sends.
"""

from __future__ import annotations

import ipaddress
import re

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
VARIABLE = "CHEMAUDIT_TRUSTED_PROXIES"
_FOR = re.compile(r'(?:^|[;,\s])for\s*=\s*("[^"]*"|[^;,\s]*)', re.IGNORECASE)


def parse_trusted(raw: str) -> tuple[Network, ...]:
    """The setting's networks; a ValueError naming the entry that is not an address or CIDR."""
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    networks = []
    for position, entry in enumerate(entries, 1):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{VARIABLE} entry {position} ({entry[:60]!r}) is not an IP address or CIDR"
                             " (like 10.0.0.5 or 172.28.0.0/16)") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    """An address from a hop as written: "1.2.3.4", "1.2.3.4:80", "[2001:db8::1]:80", quoted."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address if isinstance(address, ipaddress.IPv6Address) else address


def forwarded_hops(headers) -> list[str]:
    """Every hop the forwarding headers list, left (the original client) to right (the nearest)."""
    chain = headers.getall("X-Forwarded-For", [])
    if chain:
        return [hop for value in chain for hop in value.split(",") if hop.strip()]
    return [match.group(1) for value in headers.getall("Forwarded", []) for match in _FOR.finditer(value)]


def client_address(peer: str | None, hops: list[str], trusted: tuple[Network, ...]) -> str | None:
    """The right-most address not in `trusted`, starting from the peer; the peer when it is untrusted."""
    current = _address(peer or "")
    if current is None or not _is_trusted(current, trusted):
        return peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # not an address: nothing left of it can be believed
            break
        current = address
        if not _is_trusted(address, trusted):
            break
    return str(current)


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)


def client_address_middlewares(raw: str) -> list:
    """The middleware that puts the real client into `request.remote`; none when nothing is trusted."""
    trusted = parse_trusted(raw)
    if not trusted:
        return []

    @web.middleware
    async def real_client(request: web.Request, handler):
        remote = client_address(request.remote, forwarded_hops(request.headers), trusted)
        if remote is not None and remote != request.remote:
            request = request.clone(remote=remote)
        return await handler(request)

    return [real_client]
