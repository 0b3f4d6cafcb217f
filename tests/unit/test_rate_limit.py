"""The upload token bucket, driven by a fake clock (no sleeping, no wall time)."""

import pytest

from chemaudit.errors import RateLimited
from service.http.auth import hash_key
from service.http.rate_limit import RateLimiter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_bucket_allows_the_burst_then_refuses_with_retry_after():
    clock = Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)
    for _ in range(3):
        limiter.take("a")
    with pytest.raises(RateLimited) as refused:
        limiter.take("a")
    assert refused.value.status == 429
    assert int(refused.value.headers["Retry-After"]) == 20
    limiter.take("b")  # another client has its own bucket
    clock.now = 20.0
    limiter.take("a")


def test_keys_are_compared_as_sha256_digests():
    assert hash_key("secret") == "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
