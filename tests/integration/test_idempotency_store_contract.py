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
    assert store.claim("k1", "f1", NOW) is None
    held = store.claim("k1", "f1", NOW)
    assert held is not None and held["state"] == "pending" and held["fingerprint"] == "f1"
    store.release("k1")
    assert store.claim("k1", "f2", NOW) is None


def test_a_completed_key_returns_its_response_and_release_no_longer_frees_it(store):
    store.claim("k1", "f1", NOW)
    store.complete("k1", 201, b'{"id": "e1"}', {"ETag": '"1"'})
    store.release("k1")  # only pending claims are released
    done = store.claim("k1", "f1", NOW + timedelta(minutes=5))
    assert done is not None
    assert (done["state"], done["status"], bytes(done["body"]), done["headers"]) == (
        "done", 201, b'{"id": "e1"}', {"ETag": '"1"'}
    )  # fmt: skip


def test_stale_claims_and_old_answers_free_their_key(store):
    store.claim("pending", "f1", NOW)
    assert store.claim("pending", "f2", NOW + PENDING_FOR + timedelta(seconds=1)) is None
    store.claim("done", "f1", NOW)
    store.complete("done", 200, b"{}", {})
    assert store.claim("done", "f1", NOW + KEPT_FOR - timedelta(minutes=1)) is not None
    assert store.claim("done", "f2", NOW + KEPT_FOR + timedelta(minutes=1)) is None


def test_of_concurrent_claims_exactly_one_wins(store):
    barrier = threading.Barrier(8)
    won: list[int] = []

    def claim(n: int) -> None:
        barrier.wait()
        if store.claim("k1", "f1", NOW) is None:
            won.append(n)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_purge_forgets_only_records_past_their_keeping(store):
    store.claim("old", "f1", NOW - KEPT_FOR - timedelta(minutes=1))
    store.complete("old", 201, b"{}", {})
    store.claim("recent", "f1", NOW - timedelta(hours=1))
    store.complete("recent", 201, b"{}", {})
    assert store.purge(NOW) == 1
    assert store.purge(NOW) == 0
    assert store.claim("recent", "f1", NOW)["state"] == "done"
    assert store.claim("old", "f2", NOW) is None  # a new claim, nothing left of the old
