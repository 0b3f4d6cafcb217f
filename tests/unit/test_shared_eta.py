"""The shared-workers ETA: fair shares by owner then weight, and neighbours' shares handed on."""

import pytest

from chemaudit.shared_eta import Load, shared_eta


def test_alone_a_job_gets_the_whole_capacity():
    assert shared_eta("a", [Load("a", "x", 2, 500)], 100) == pytest.approx(5.0)


def test_a_neighbour_that_finishes_first_hands_its_share_on():
    loads = [Load("a", "x", 2, 100), Load("b", "y", 2, 300)]
    # Both at 50/s until a is done at 2 s; b then has 200 left at the full 100/s: 2 s more.
    assert shared_eta("a", loads, 100) == pytest.approx(2.0)
    assert shared_eta("b", loads, 100) == pytest.approx(4.0)


def test_owners_share_equally_whatever_their_number_of_jobs():
    loads = [Load("a1", "x", 2, 1000), Load("a2", "x", 2, 1000), Load("a3", "x", 2, 1000),
             Load("lone", "y", 2, 500)]
    assert shared_eta("lone", loads, 100) == pytest.approx(10.0)  # half of 100/s


def test_priority_weighs_within_the_owner_only():
    loads = [Load("high", "x", 4, 400), Load("normal", "x", 2, 400), Load("other", "y", 2, 10_000)]
    # Owner x gets 50/s: high 33.3/s and normal 16.7/s, so high ends after 12 s.
    assert shared_eta("high", loads, 100) == pytest.approx(12.0)


def test_unknown_capacity_or_job_gives_no_estimate():
    assert shared_eta("a", [Load("a", "x", 2, 10)], 0) is None
    assert shared_eta("zzz", [Load("a", "x", 2, 10)], 100) is None
    assert shared_eta("a", [Load("a", "x", 2, 0)], 100) == 0.0
