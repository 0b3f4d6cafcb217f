"""Upload slots (service.http.slots.Slots): a cap per node and per client, released however the upload ends."""

from __future__ import annotations

import pytest

from chemaudit.errors import RateLimited, Unavailable
from service.http.slots import Slots


def test_the_caps_refuse_beyond_them_and_free_on_exit():
    slots = Slots("uploads", per_node=3, per_client=2, retry_after=7)
    with slots.hold("a"), slots.hold("a"):
        with pytest.raises(RateLimited) as per_client, slots.hold("a"):
            pass
        assert per_client.value.status == 429 and per_client.value.headers["Retry-After"] == "7"
        assert "2 uploads" in per_client.value.detail
        with slots.hold("b"):
            with pytest.raises(Unavailable) as per_node, slots.hold("c"):
                pass
            assert per_node.value.status == 503 and per_node.value.headers["Retry-After"] == "7"
        assert slots.active == 2
    assert slots.active == 0 and slots.by_client == {}


def test_a_failed_upload_frees_its_slot():
    slots = Slots("uploads", per_node=1, per_client=1, retry_after=1)
    with pytest.raises(ValueError), slots.hold("a"):
        raise ValueError("the upload failed")
    with slots.hold("a"):
        assert slots.active == 1
