"""The GC policy's decisions, from counts alone; and what a step does with them."""

from __future__ import annotations

import gc
import weakref

import pytest

from service.ops.gc_policy import Action, Counts, FullCollectionTimer, GcPolicy, Limits, decide
from service.progress.socket_loop import SocketTally

LIMITS = Limits(freeze_step=100, min_closes=1_000, max_closes=50_000, quiet_share=0.05,
                min_interval=60.0, max_interval=3600.0)


def counts(open=0, new=0, closed=0, peak=0, freezes=0, since_full=0.0) -> Counts:
    return Counts(open=open, new=new, closed=closed, peak=peak, freezes=freezes, since_full=since_full)


@pytest.mark.parametrize(("state", "action"), [
    (counts(), Action.NONE),
    (counts(open=99, new=99), Action.NONE),  # too few new sockets to be worth a freeze
    (counts(open=100, new=100), Action.FREEZE),
    (counts(open=5_000, new=100), Action.FREEZE),
    (counts(open=40, new=300), Action.NONE),  # many opened, but at most 40 of them can still be open
    (counts(open=0, new=0, closed=900, peak=10_000, freezes=3, since_full=600), Action.NONE),  # too little left behind
    (counts(open=400, closed=9_600, peak=10_000, freezes=3, since_full=600), Action.FULL),  # quiet: 4% open
    (counts(open=600, closed=9_400, peak=10_000, freezes=3, since_full=600), Action.NONE),  # 6% open: not quiet
    (counts(open=400, closed=9_600, peak=10_000, freezes=3, since_full=59), Action.NONE),  # too soon after the last
    (counts(open=10_000, closed=50_000, peak=10_000, freezes=0, since_full=60), Action.FULL),  # busy, but much churn
    (counts(open=10_000, closed=49_999, peak=10_000, freezes=0, since_full=3_599), Action.NONE),
    (counts(open=10_000, closed=10, peak=10_000, freezes=1, since_full=3_600), Action.FULL),  # a freeze an hour ago
    (counts(open=10_000, closed=10, peak=10_000, freezes=0, since_full=7_200), Action.NONE),  # nothing frozen since
    (counts(open=0, closed=60_000, peak=0, since_full=7_200), Action.NONE),  # the policy never froze a socket
    (counts(open=400, new=400, closed=9_600, peak=10_000, freezes=3, since_full=600), Action.FULL),  # full first
])
def test_decide(state, action):
    assert decide(state, LIMITS) is action


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_a_freeze_moves_the_objects_to_the_permanent_generation_and_resets_the_new_count(unfrozen):
    tally, clock = SocketTally(), Clock()
    policy = GcPolicy(tally, Limits(freeze_step=10, min_interval=60.0, min_closes=5), clock)
    kept = [[object()] for _ in range(50)]  # long-lived, tracked objects, like a socket's
    tally.opened = 12
    before = gc.get_freeze_count()
    assert policy.step() is Action.FREEZE
    assert gc.get_freeze_count() >= before + len(kept)
    assert policy.counts() == Counts(open=12, new=0, closed=0, peak=12, freezes=1, since_full=0.0)
    assert policy.step() is Action.NONE
    tally.closed = 12
    clock.now += 59
    assert policy.step() is Action.NONE  # all closed, but too soon after the last full collection
    clock.now += 1
    assert policy.step() is Action.FULL
    assert policy.counts() == Counts(open=0, new=0, closed=0, peak=0, freezes=0, since_full=0.0)
    tally.closed, tally.opened = 40, 40
    clock.now += 3600
    assert policy.step() is Action.NONE  # nothing was frozen since: what closed was collected as usual


def test_a_full_collection_frees_a_cycle_frozen_with_it(unfrozen):
    tally, clock = SocketTally(), Clock()
    policy = GcPolicy(tally, Limits(freeze_step=1, min_closes=1, min_interval=0.0), clock)

    class Node:
        pass

    node = Node()
    node.self = node  # a reference cycle, as a closed socket's transport leaves
    alive = weakref.ref(node)
    tally.opened = 1
    assert policy.step() is Action.FREEZE
    del node
    tally.closed = 1
    gc.collect()
    assert alive() is not None  # frozen: an ordinary full collection does not see it
    assert policy.step() is Action.FULL
    assert alive() is None


def test_the_timer_notes_only_full_collections():
    timer = FullCollectionTimer()
    timer("start", {"generation": 0})
    timer("stop", {"generation": 0})
    timer("start", {"generation": 2})
    timer("stop", {"generation": 2})
    assert len(timer.pauses) == 1 and timer.pauses[0] >= 0
