"""Signed socket/download tickets: who they name, when they die, what a forger cannot do."""

from __future__ import annotations

import pytest

from chemaudit.errors import Unauthorized
from chemaudit.settings import Settings
from service.http import tickets
from service.http.auth import hash_key

ALICE, BOB = hash_key("alice-key"), hash_key("bob-key")
KEYED = Settings(api_key_hashes=f"{ALICE},{BOB}")
NOW = 1_800_000_000.0


def test_a_ticket_names_its_owner_until_it_expires():
    ticket, expires = tickets.issue(KEYED, ALICE[:32], now=NOW)
    assert expires == NOW + tickets.TICKET_SECONDS
    assert tickets.redeem(KEYED, ticket, now=NOW) == ALICE[:32]
    assert tickets.redeem(KEYED, ticket, now=expires) == ALICE[:32]
    with pytest.raises(Unauthorized, match="expired"):
        tickets.redeem(KEYED, ticket, now=expires + 1)


def test_two_tickets_of_one_owner_differ():
    assert tickets.issue(KEYED, ALICE[:32], now=NOW)[0] != tickets.issue(KEYED, ALICE[:32], now=NOW)[0]


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace(ALICE[:32], BOB[:32]),  # someone else's owner id
    lambda t: ".".join([*t.split(".")[:1], str(int(t.split(".")[1]) + 3600), *t.split(".")[2:]]),  # a later expiry
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # a changed signature
    lambda t: t.rsplit(".", 1)[0],  # no signature
    lambda t: "alice-key",  # the key itself is not a ticket
])
def test_a_changed_ticket_is_refused(tamper):
    ticket, _ = tickets.issue(KEYED, ALICE[:32], now=NOW)
    with pytest.raises(Unauthorized):
        tickets.redeem(KEYED, tamper(ticket), now=NOW)


def test_removing_a_key_voids_its_tickets_and_a_secret_pins_the_signing_key():
    ticket, _ = tickets.issue(KEYED, ALICE[:32], now=NOW)
    with pytest.raises(Unauthorized):  # the derived signing key changed with the key list
        tickets.redeem(Settings(api_key_hashes=BOB), ticket, now=NOW)
    pinned = KEYED.replace(ticket_secret="s3cret")
    ticket, _ = tickets.issue(pinned, ALICE[:32], now=NOW)
    with pytest.raises(Unauthorized):
        tickets.redeem(KEYED, ticket, now=NOW)  # another node without the secret
    with pytest.raises(Unauthorized, match="no longer accepted"):
        tickets.redeem(pinned.replace(api_key_hashes=BOB), ticket, now=NOW)
    assert tickets.redeem(pinned.replace(api_key_hashes=f"{BOB},{ALICE}"), ticket, now=NOW) == ALICE[:32]
