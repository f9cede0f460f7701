"""One contract, two adapters: the in-memory fake and MongoDB-wire (FerretDB or mongod)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from shared.web.idempotency_store import (
    KEPT_FOR,
    PENDING_FOR,
    IdempotencyStore,
    MemoryIdempotencyStore,
    MongoIdempotencyStore,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "mongo"])
def store(request) -> IdempotencyStore:
    if request.param == "memory":
        return MemoryIdempotencyStore()
    return MongoIdempotencyStore(request.getfixturevalue("mongo_db")["idempotency_keys"])


def test_a_claimed_key_is_held_until_released(store):
    assert store.claim("k1", "f1", NOW, "o1") is None
    held = store.claim("k1", "f1", NOW, "o2")
    assert held is not None and held["state"] == "pending" and held["fingerprint"] == "f1"
    store.release("k1", "o1")
    assert store.claim("k1", "f2", NOW, "o3") is None


def test_a_completed_key_returns_its_response_and_release_no_longer_frees_it(store):
    store.claim("k1", "f1", NOW, "o1")
    store.complete("k1", "o1", 201, b'{"id": "e1"}', {"ETag": '"1"'})
    store.release("k1", "o1")  # only pending claims are released
    done = store.claim("k1", "f1", NOW + timedelta(minutes=5), "o2")
    assert done is not None
    assert (done["state"], done["status"], bytes(done["body"]), done["headers"]) == (
        "done", 201, b'{"id": "e1"}', {"ETag": '"1"'}
    )  # fmt: skip


def test_stale_claims_and_old_answers_free_their_key(store):
    store.claim("pending", "f1", NOW, "o1")
    assert store.claim("pending", "f2", NOW + PENDING_FOR + timedelta(seconds=1), "o2") is None
    store.claim("done", "f1", NOW, "o1")
    store.complete("done", "o1", 200, b"{}", {})
    assert store.claim("done", "f1", NOW + KEPT_FOR - timedelta(minutes=1), "o2") is not None
    assert store.claim("done", "f2", NOW + KEPT_FOR + timedelta(minutes=1), "o2") is None


def test_of_concurrent_claims_exactly_one_wins(store):
    barrier = threading.Barrier(8)
    won: list[int] = []

    def claim(n: int) -> None:
        barrier.wait()
        if store.claim("k1", "f1", NOW, f"o{n}") is None:
            won.append(n)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_purge_forgets_only_records_past_their_keeping(store):
    store.claim("old", "f1", NOW - KEPT_FOR - timedelta(minutes=1), "o1")
    store.complete("old", "o1", 201, b"{}", {})
    store.claim("recent", "f1", NOW - timedelta(hours=1), "o1")
    store.complete("recent", "o1", 201, b"{}", {})
    assert store.purge(NOW) == 1
    assert store.purge(NOW) == 0
    assert store.claim("recent", "f1", NOW, "o2")["state"] == "done"
    assert store.claim("old", "f2", NOW, "o2") is None  # a new claim, nothing left of the old


def test_only_the_owner_settles_its_claim(store):
    store.claim("k1", "f1", NOW, "first")
    later = NOW + PENDING_FOR + timedelta(seconds=1)
    assert store.claim("k1", "f1", later, "second") is None  # the first took too long
    store.complete("k1", "first", 201, b"{}", {})  # too late: the claim is the second's
    store.release("k1", "first")
    held = store.claim("k1", "f1", later, "third")
    assert held is not None and held["state"] == "pending"
    store.complete("k1", "second", 201, b"{}", {})
    assert store.claim("k1", "f1", later, "fourth")["state"] == "done"


def test_an_unknown_outcome_holds_the_key_until_kept_for_ends(store):
    store.claim("k1", "f1", NOW, "o1")
    store.unknown("k1", "o1")
    store.release("k1", "o1")  # only pending claims are released
    assert store.claim("k1", "f1", NOW + timedelta(hours=1), "o2")["state"] == "unknown"
    assert store.claim("k1", "f1", NOW + KEPT_FOR + timedelta(minutes=1), "o3") is None
