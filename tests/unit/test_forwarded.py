"""Reading the client's address from forwarding headers: right-most untrusted hop, never further."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from service.http.forwarded import client_address, forwarded_hops, parse_trusted

TRUSTED = parse_trusted("10.0.0.0/8, 2001:db8:ffff::1")


@pytest.mark.parametrize(("peer", "hops", "expected"), [
    ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
    ("10.0.0.2", ["6.6.6.6", "198.51.100.1", "10.0.0.9"], "198.51.100.1"),  # past a second proxy
    ("10.0.0.2", ["198.51.100.1:5555"], "198.51.100.1"),
    ("10.0.0.2", ['"[2001:db8::5]:80"'], "2001:db8::5"),
    ("10.0.0.2", ["::ffff:198.51.100.3"], "198.51.100.3"),
    ("2001:db8:ffff::1", ["198.51.100.4"], "198.51.100.4"),
    ("10.0.0.2", ["6.6.6.6", "unknown"], "10.0.0.2"),  # not an address: nothing left of it is believed
    ("10.0.0.2", ["10.0.0.3"], "10.0.0.3"),  # every hop trusted: the farthest
    ("10.0.0.2", [], "10.0.0.2"),
    ("192.0.2.1", ["198.51.100.1"], "192.0.2.1"),  # the peer is no proxy of ours
])
def test_the_right_most_untrusted_hop_is_the_client(peer, hops, expected):
    assert client_address(peer, hops, TRUSTED) == expected


def test_nothing_trusted_means_the_peer():
    assert client_address("10.0.0.2", ["198.51.100.1"], parse_trusted("")) == "10.0.0.2"


def test_hops_come_from_x_forwarded_for_first_then_forwarded():
    headers = CIMultiDict([("X-Forwarded-For", "1.1.1.1, 2.2.2.2"), ("X-Forwarded-For", "3.3.3.3"),
                           ("Forwarded", "for=9.9.9.9")])
    assert forwarded_hops(headers) == ["1.1.1.1", " 2.2.2.2", "3.3.3.3"]
    headers = CIMultiDict([("Forwarded", 'for=1.1.1.1;proto=http, by=x;FOR="[::1]:80"'), ("Forwarded", "for=_hidden")])
    assert forwarded_hops(headers) == ["1.1.1.1", '"[::1]:80"', "_hidden"]


@pytest.mark.parametrize("raw", ["nginx", "10.0.0.0/33", "1.2.3"])
def test_a_malformed_entry_is_named(raw):
    with pytest.raises(ValueError, match="entry 2"):
        parse_trusted(f"10.0.0.1,{raw}")
