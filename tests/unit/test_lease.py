"""The lease (shared/messaging/lease.py) over a collection in memory, with a clock of its
own: one holder at a time, a dead holder's lease taken over once it expires, each take a new
fencing token, and a holder that paused past its expiry fenced off."""

from __future__ import annotations

from shared.messaging.lease import Lease
from tests.unit.memory_collection import Interleaved, MemoryCollection


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def pair(ttl: float = 6.0):
    collection, clock = MemoryCollection(), Clock()
    first = Lease(collection, "relay:assessment", "worker-1", ttl, clock)
    second = Lease(collection, "relay:assessment", "worker-2", ttl, clock)
    return first, second, clock


def test_one_holder_at_a_time_and_the_holder_renews():
    first, second, clock = pair()
    assert first.acquire() and first.token == 1
    assert not second.acquire() and second.token is None
    clock.now += 5
    assert first.acquire() and first.token == 1  # renewed: same token
    clock.now += 5  # 10 s after the take, 5 after the renewal: still held
    assert not second.acquire()
    assert first.still_held() and not second.still_held()


def test_a_dead_holders_lease_is_taken_once_expired_with_a_new_token():
    first, second, clock = pair()
    assert first.acquire()
    clock.now += 6.5  # the holder died: no renewal
    assert second.acquire() and second.token == 2
    assert not first.still_held()  # fenced off: it must not publish beside the new holder
    assert not first.acquire()  # and it does not take the lease back while it is held


def test_a_holder_that_paused_past_its_expiry_finds_itself_fenced_off():
    first, second, clock = pair()
    assert first.acquire()
    clock.now += 7
    assert not first.still_held()  # expired, even before anyone took it
    assert second.acquire()
    clock.now += 1
    assert not first.still_held() and second.still_held()


def test_two_takers_of_an_expired_lease_cannot_both_win():
    collection, clock = Interleaved(), Clock()
    assert Lease(collection, "dispatcher", "worker-0", 6.0, clock).acquire()
    clock.now += 10
    one, other = (Lease(collection, "dispatcher", f"worker-{n}", 6.0, clock) for n in (1, 2))
    results = []
    collection.after_read = lambda: results.append(other.acquire())  # reads it expired too
    results.append(one.acquire())  # writes after the other: its read is stale
    assert results == [True, False]
    assert collection.documents["dispatcher"]["holder"] == "worker-2"
    assert other.token == 2 and one.token is None


def test_a_released_lease_is_taken_at_the_next_try():
    first, second, _ = pair()
    assert first.acquire()
    first.release()
    assert first.token is None and not first.still_held()
    assert second.acquire() and second.token == 2
