"""The MongoDB event store's outbox: what the relay sees when a writer dies between steps.

A writer inserts an outbox entry (not ready), then its commit; it marks the entry ready only
when it was slow enough for a relay to have taken it for dead. The relay looks up the
commit of an entry not marked ready. These tests stop writers at each step on the real
MongoDB-wire server.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from shared.eventstore.mongo_event_store import MongoEventStore
from shared.eventstore.port import Commit, ConcurrencyConflict


def commit(stream: str, start: int) -> Commit:
    events = ({"id": f"{stream}-{start + 1}", "streamversion": start + 1},)
    return Commit(stream, "acme", f"subject-{stream}", start, events)


@pytest.fixture
def store(mongo_db) -> MongoEventStore:
    store = MongoEventStore(mongo_db)
    store.setup()
    return store


def patient(store: MongoEventStore) -> MongoEventStore:
    """The same database, read by a relay that settles unfinished entries at once."""
    return MongoEventStore(store._commits.database, abandon_after=timedelta(0))


def died_before_ready(store: MongoEventStore, c: Commit) -> None:
    """Steps 1 and 2 done, the writer gone before marking its entry ready."""
    store.append(c)
    store.outbox.entries.update_one({"commit": c.id}, {"$set": {"ready": False}})


def died_before_commit(store: MongoEventStore, c: Commit) -> None:
    """Step 1 done: the entry is there, the commit never was."""
    store.append(c)
    store._commits.delete_one({"_id": c.id})
    store.outbox.entries.update_one({"commit": c.id}, {"$set": {"ready": False}})


def test_the_outbox_holds_only_what_is_not_published(store):
    for start in range(3):
        store.append(commit("s1", start))
    assert store.outbox.entries.count_documents({}) == 3
    store.mark_published([c.id for c in store.unpublished()])
    assert store.outbox.entries.count_documents({}) == 0
    assert store._commits.count_documents({}) == 3


def test_a_writer_that_lost_the_race_leaves_no_entry(store):
    store.append(commit("s1", 0))
    with pytest.raises(ConcurrencyConflict):
        # past the head check (as if both read version 0), then the unique _id refuses it
        MongoEventStore.append(_StaleHead(store._commits.database), commit("s1", 0))
    assert [c.id for c in store.unpublished()] == ["s1:000000000000"]
    assert store.outbox.entries.count_documents({}) == 1


class _StaleHead(MongoEventStore):
    """A writer that read the stream's head before the other writer's commit landed."""

    def version(self, stream_id: str) -> int:
        return 0


def document_of(c: Commit, seq: int = 1) -> dict:
    """The commit's document as the store writes it."""
    return {"_id": c.id, "stream": c.stream_id, "tenant": c.tenant, "subject": c.subject,
            "start": c.start, "end": c.end, "events": list(c.events), "private": [],
            "recorded_at": datetime.now(UTC), "seq": seq}  # fmt: skip


def test_a_writer_between_its_steps_holds_back_its_stream_only(store):
    store.append(commit("s1", 0))
    store.append(commit("s2", 0))
    late = document_of(commit("s1", 1))
    store.outbox.add(late)  # step 1 done, its commit not stored yet: young, so it waits
    assert [c.id for c in store.unpublished()] == ["s1:000000000000", "s2:000000000000"]
    assert store.outbox.entries.count_documents({"commit": late["_id"]}) == 1
    store._commits.insert_one(late)  # step 2: the relay finds the commit by itself
    assert [c.id for c in store.unpublished() if c.stream_id == "s1"] == [
        "s1:000000000000", "s1:000000000001"
    ]  # fmt: skip


def test_a_fast_writer_leaves_its_entry_unmarked_and_the_relay_publishes_it(store):
    store.append(commit("s1", 0))
    [entry] = store.outbox.entries.find()
    assert entry["ready"] is False  # two writes: the entry, then the commit
    assert [c.id for c in store.unpublished()] == ["s1:000000000000"]


def test_a_relay_looks_up_each_commit_once_while_its_backlog_waits(store):
    for start in range(5):
        store.append(commit("s1", start))
    relay = MongoEventStore(store._commits.database)
    looked_up: list[object] = []
    find_one = relay._commits.find_one

    def counted(*args, **kwargs):
        looked_up.append(args)
        return find_one(*args, **kwargs)

    relay._commits.find_one = counted  # type: ignore[method-assign]
    for _ in range(3):  # Kafka away: nothing is marked published, the backlog stays
        assert len(relay.unpublished()) == 5
    assert len(looked_up) == 5


def test_a_slow_writer_whose_entry_a_relay_dropped_puts_it_back(store):
    slow = MongoEventStore(store._commits.database, abandon_after=timedelta(0))
    inserted = slow._commits.insert_one

    def relay_pass_first(document, *args, **kwargs):
        assert patient(store).unpublished() == []  # no commit yet: the entry is dropped
        assert store.outbox.entries.count_documents({}) == 0
        return inserted(document, *args, **kwargs)

    slow._commits.insert_one = relay_pass_first  # type: ignore[method-assign]
    slow.append(commit("s1", 0))  # took "long" (abandon_after 0): step 3 puts the entry back
    assert [c.id for c in store.unpublished()] == ["s1:000000000000"]


def test_a_dead_writers_stored_commit_is_published_at_once_in_order(store):
    died_before_ready(store, commit("s1", 0))
    store.append(commit("s1", 1))
    assert [c.id for c in store.unpublished()] == ["s1:000000000000", "s1:000000000001"]


def test_a_dead_writers_entry_without_commit_is_dropped(store):
    died_before_commit(store, commit("s1", 0))
    relay_view = patient(store)
    assert relay_view.unpublished() == []
    assert store.outbox.entries.count_documents({}) == 0
    another_writer = MongoEventStore(store._commits.database)
    another_writer.append(commit("s1", 0))  # the stream is free for the next writer
    assert [c.id for c in relay_view.unpublished()] == ["s1:000000000000"]


def test_a_skewed_writer_clock_does_not_reorder_a_stream(store):
    store.append(commit("s1", 0))
    store.append(commit("s1", 1))
    # the second writer's clock ran behind the first one's
    store.outbox.entries.update_one({"commit": "s1:000000000001"}, {"$set": {"seq": 0}})
    assert [c.start for c in store.unpublished()] == [0, 1]


def test_concurrent_writers_leave_one_entry_per_stored_commit(store):
    barrier = threading.Barrier(8)
    wins: list[int] = []

    def write(n: int) -> None:
        barrier.wait()
        try:
            store.append(commit("s1", 0))
            wins.append(n)
        except ConcurrencyConflict:
            pass

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert store.outbox.entries.count_documents({}) == 1
    assert [c.id for c in store.unpublished()] == ["s1:000000000000"]


def test_a_cached_stream_sees_commits_stored_by_other_processes(store):
    other_process = MongoEventStore(store._commits.database)
    store.append(commit("s1", 0))
    assert store.version("s1") == 1  # now cached here
    other_process.append(commit("s1", 1))
    other_process.append(commit("s1", 2))
    assert store.version("s1") == 3
    assert [e["streamversion"] for e in store.load("s1")] == [1, 2, 3]
    with pytest.raises(ConcurrencyConflict):
        store.append(commit("s1", 1))


def test_loaded_events_are_copies_the_cache_does_not_share(store):
    store.append(commit("s1", 0))
    store.load("s1")[0]["data"] = "changed by a caller"
    assert "data" not in store.load("s1")[0]


def test_a_writer_with_a_stale_cache_conflicts_and_stores_nothing(store):
    other_process = MongoEventStore(store._commits.database)
    store.append(commit("s1", 0))
    store.load("s1")  # cached here at version 1
    other_process.append(commit("s1", 1))
    with pytest.raises(ConcurrencyConflict):
        store.append(Commit("s1", "acme", "subject-s1", 1, ({"id": "mine", "streamversion": 2},)))
    assert [e["id"] for e in other_process.load("s1")] == ["s1-1", "s1-2"]
    assert sorted(c.id for c in store.unpublished()) == ["s1:000000000000", "s1:000000000001"]


def test_a_writer_with_a_slow_clock_is_not_taken_for_dead(store):
    died_before_commit(store, commit("s1", 0))
    # its clock runs an hour behind the relay's: the entry looks old, yet was just written
    store.outbox.entries.update_many(
        {}, {"$set": {"created": datetime.now(UTC) - timedelta(hours=1)}}
    )
    assert store.unpublished() == []
    assert store.outbox.entries.count_documents({}) == 1  # still there: not seen long enough


def test_a_writer_whose_entry_was_dropped_puts_it_back_ready(store):
    c = commit("s1", 0)
    document = document_of(c)
    entry = store.outbox.add(document)
    assert patient(store).unpublished() == []  # stalled writer: no commit yet, entry dropped
    assert store.outbox.entries.count_documents({}) == 0
    store._commits.insert_one(document)  # the writer wakes up and finishes
    store.outbox.ready(entry)
    assert [x.id for x in store.unpublished()] == ["s1:000000000000"]


def test_a_stream_waits_for_an_earlier_commit_whose_writer_clock_ran_ahead(store):
    # the first writer's clock ran ahead: its entry sorts after the second writer's
    first = document_of(commit("s1", 0), seq=2**62)
    store.outbox.add(first)  # and it is between its steps
    store.append(commit("s2", 0))
    assert [c.id for c in store.unpublished()] == ["s2:000000000000"]
    store._commits.insert_one(first)
    store.append(commit("s1", 1))
    assert [c.id for c in store.unpublished() if c.stream_id == "s1"] == [
        "s1:000000000000", "s1:000000000001"
    ]  # fmt: skip


def test_a_batch_cut_by_the_limit_keeps_each_stream_in_order(store):
    store.append(commit("s1", 0))
    store.append(commit("s1", 1))
    store.outbox.entries.update_one({"commit": "s1:000000000001"}, {"$set": {"seq": 0}})
    assert [c.id for c in store.unpublished(limit=1)] == ["s1:000000000000"]
