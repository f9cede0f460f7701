"""One contract, two adapters: the in-memory fake and MongoDB-wire (FerretDB or mongod), each
also as the composition root hands it out (wrapped to note writes for idempotency)."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from shared.eventstore.memory_event_store import MemoryEventStore
from shared.eventstore.mongo_event_store import MongoEventStore
from shared.eventstore.port import Commit, ConcurrencyConflict, EventStore
from shared.eventstore.write_tracking import TrackedStore, WriteTracker


@pytest.fixture(params=["memory", "mongo", "tracked-memory", "tracked-mongo"])
def store(request) -> EventStore:
    adapter: EventStore
    if request.param.endswith("memory"):
        adapter = MemoryEventStore()
    else:
        adapter = MongoEventStore(request.getfixturevalue("mongo_db"))
        adapter.setup()
    return TrackedStore(adapter, WriteTracker()) if request.param.startswith("tracked") else adapter


def events(stream: str, start: int, count: int) -> tuple[dict, ...]:
    return tuple(
        {"id": f"{stream}-{v}", "streamversion": v, "data": {"v": v}}
        for v in range(start + 1, start + count + 1)
    )


def commit(stream: str, start: int, count: int = 1) -> Commit:
    return Commit(stream, "acme", f"subject-{stream}", start, events(stream, start, count))


def test_appended_events_load_in_version_order(store):
    store.append(commit("s1", 0, 2))
    store.append(commit("s1", 2, 3))
    assert [e["streamversion"] for e in store.load("s1")] == [1, 2, 3, 4, 5]
    assert store.version("s1") == 5


def test_unknown_stream_is_empty_at_version_zero(store):
    assert store.load("nope") == [] and store.version("nope") == 0


def test_stale_expected_version_conflicts_and_stores_nothing(store):
    store.append(commit("s1", 0, 2))
    with pytest.raises(ConcurrencyConflict):
        store.append(commit("s1", 0))
    with pytest.raises(ConcurrencyConflict):
        store.append(commit("s1", 1))  # inside the first commit
    with pytest.raises(ConcurrencyConflict):
        store.append(commit("s1", 5))  # beyond the head
    assert store.version("s1") == 2 and len(store.load("s1")) == 2


def test_a_commit_not_published_is_loaded_and_never_offered_to_the_relay(store):
    store.append(dataclasses.replace(commit("quiet", 0, 2), published=False))
    store.append(dataclasses.replace(commit("quiet", 2), published=False))
    store.append(commit("loud", 0))
    with pytest.raises(ConcurrencyConflict):
        store.append(dataclasses.replace(commit("quiet", 2), published=False))
    assert [e["streamversion"] for e in store.load("quiet")] == [1, 2, 3]
    assert [c.stream_id for c in store.unpublished()] == ["loud"]


def test_streams_are_independent(store):
    store.append(commit("s1", 0))
    store.append(commit("s2", 0))
    assert [e["id"] for e in store.load("s2")] == ["s2-1"]


def test_concurrent_writers_at_the_same_version_exactly_one_wins(store):
    store.append(commit("s1", 0))
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def write(n: int) -> None:
        barrier.wait()
        try:
            store.append(Commit("s1", "acme", "x", 1, ({"id": f"w{n}", "streamversion": 2},)))
            outcomes.append("won")
        except ConcurrencyConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    assert store.version("s1") == 2 and len(store.load("s1")) == 2


def test_unpublished_commits_until_marked(store):
    store.append(commit("s1", 0, 2))
    store.append(commit("s2", 0))
    store.append(commit("s1", 2))
    pending = store.unpublished()
    assert [(c.stream_id, c.start) for c in pending if c.stream_id == "s1"] == [
        ("s1", 0),
        ("s1", 2),
    ]
    assert {c.subject for c in pending} == {"subject-s1", "subject-s2"}
    assert pending[0].events == events("s1", 0, 2)
    store.mark_published([pending[0].id])
    assert [c.id for c in store.unpublished()] == [c.id for c in pending[1:]]
    store.mark_published([c.id for c in pending])
    assert store.unpublished() == []


def test_unpublished_respects_the_limit(store):
    for start in range(5):
        store.append(commit("s1", start))
    assert [c.start for c in store.unpublished(limit=3)] == [0, 1, 2]


def test_private_data_is_loaded_with_its_event_but_never_offered_for_publishing(store):
    private = ({"contact": "alex@example.org"}, {})
    store.append(Commit("s1", "acme", "x", 0, events("s1", 0, 2), private=private))
    loaded = store.load("s1")
    assert loaded[0]["private"] == {"contact": "alex@example.org"}
    assert "private" not in loaded[1]
    [pending] = store.unpublished()
    assert pending.events == events("s1", 0, 2)
    assert "alex@example.org" not in repr(pending)


def test_streams_of_a_subject_are_listed_per_tenant_oldest_first(store):
    store.append(Commit("round-1", "acme", "e1", 0, events("round-1", 0, 1)))
    store.append(Commit("engagement-e1", "acme", "e1", 0, events("engagement-e1", 0, 1)))
    store.append(Commit("round-1", "acme", "e1", 1, events("round-1", 1, 1)))
    store.append(Commit("round-2", "acme", "e1", 0, events("round-2", 0, 1)))
    store.append(Commit("round-3", "globex", "e1", 0, events("round-3", 0, 1)))
    assert store.stream_ids("acme", "e1", prefix="round-") == ["round-1", "round-2"]
    assert store.stream_ids("acme", "e1") == ["round-1", "engagement-e1", "round-2"]
    assert store.stream_ids("globex", "e1") == ["round-3"]


def test_a_listed_stream_whose_first_commit_never_landed_is_not_listed(mongo_db):
    store = MongoEventStore(mongo_db)
    store.setup()
    store.append(Commit("round-1", "acme", "e1", 0, events("round-1", 0, 1)))
    # a writer that died between listing its stream and storing the stream's first commit
    mongo_db["commits_streams"].update_one(
        {"_id": '["acme", "e1"]'}, {"$addToSet": {"streams": "round-2"}}
    )
    assert mongo_db["commits_streams"].find_one({"_id": '["acme", "e1"]'})["streams"] == [
        "round-1",
        "round-2",
    ]
    assert store.stream_ids("acme", "e1") == ["round-1"]
    store.append(Commit("round-2", "acme", "e1", 0, events("round-2", 0, 1)))
    assert store.stream_ids("acme", "e1", prefix="round-") == ["round-1", "round-2"]


def test_streams_stored_before_the_lists_existed_are_listed_once_at_setup(mongo_db):
    older = MongoEventStore(mongo_db)
    older.setup()
    older.append(Commit("round-1", "acme", "e1", 0, events("round-1", 0, 1)))
    older.append(Commit("round-2", "acme", "e1", 0, events("round-2", 0, 1)))
    mongo_db["commits_streams"].drop()  # as a database written before the lists existed
    assert MongoEventStore(mongo_db).stream_ids("acme", "e1") == []
    upgraded = MongoEventStore(mongo_db)
    upgraded.setup()
    assert upgraded.stream_ids("acme", "e1") == ["round-1", "round-2"]
    assert mongo_db["commits_streams"].find_one({"_id": "listed-before"}) is not None
