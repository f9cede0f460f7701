"""The rebuild's write-behind collection answers like the server would, without reading it,
and stores its writes in bulk only when flushed."""

from __future__ import annotations

from typing import Any

import bson
import pytest
from pymongo.errors import DuplicateKeyError

from services.reporting.projections.batch import BufferedCollection, BufferedReadModels
from shared.projections.writes import insert_once


class Sink:
    """A collection that records the bulk writes it receives and refuses unexpected reads."""

    codec_options = bson.CodecOptions(tz_aware=True)

    def __init__(self, name: str = "g1_rows", stored: dict[str, Any] | None = None) -> None:
        self.name = name
        self.inserted: list[list[dict[str, Any]]] = []
        self.replaced: list[list[Any]] = []
        self.reads: list[dict[str, Any]] = []
        self.stored = stored or {}

    def insert_many(self, documents: list[Any], ordered: bool = True) -> None:
        assert ordered is False
        self.inserted.append([dict(d) for d in documents])

    def bulk_write(self, requests: list[Any], ordered: bool = True) -> None:
        assert ordered is False
        self.replaced.append(requests)

    def find_one(self, filter: dict[str, Any]) -> dict[str, Any] | None:
        self.reads.append(filter)
        return self.stored.get(filter["_id"])

    def create_index(self, keys: Any, **kwargs: Any) -> str:
        return kwargs.get("name", "index")


def buffered(retain: bool = True, chunk: int = 1_000, **sink: Any) -> BufferedCollection:
    return BufferedCollection(Sink(**sink), retain=retain, chunk=chunk)  # type: ignore[arg-type]


def test_a_fresh_generation_answers_misses_without_reading_the_database():
    rows = buffered()
    assert rows.find_one({"_id": "k1"}) is None
    rows.update_one({"_id": "k1", "version": {"$lt": 2}}, {"$set": {"phase": "x"}})
    rows.replace_one({"_id": "k1"}, {"state": "x"})  # no upsert: nothing to replace
    assert rows.find_one({"_id": "k1"}) is None
    assert rows.collection.reads == [] and rows.flush() == 0


def test_insert_once_inserts_once_before_and_after_a_flush():
    rows = buffered(retain=False)
    assert insert_once(rows, {"_id": "e1", "line": "first"}) is True  # type: ignore[arg-type]
    assert insert_once(rows, {"_id": "e1", "line": "again"}) is False  # type: ignore[arg-type]
    assert rows.flush() == 1
    with pytest.raises(DuplicateKeyError):
        rows.insert_one({"_id": "e1", "line": "after the flush"})
    assert rows.collection.inserted == [[{"_id": "e1", "line": "first"}]]


def test_finds_answer_copies_and_honour_extra_equality_fields():
    rows = buffered()
    rows.insert_one({"_id": "e1", "tenant": "acme", "coach": {"id": "c1"}, "none": None})
    found = rows.find_one({"_id": "e1"})
    assert found == {"_id": "e1", "tenant": "acme", "coach": {"id": "c1"}, "none": None}
    found["coach"]["id"] = "changed"
    assert rows.find_one({"_id": "e1", "tenant": "acme"})["coach"] == {"id": "c1"}
    assert rows.find_one({"_id": "e1", "tenant": "other"}) is None


def test_the_version_guard_applies_only_newer_updates():
    rows = buffered()
    rows.insert_one({"_id": "e1", "phase": "needs_assessment", "version": 3})
    rows.update_one({"_id": "e1", "version": {"$lt": 3}}, {"$set": {"phase": "old", "version": 3}})
    assert rows.find_one({"_id": "e1"})["phase"] == "needs_assessment"
    rows.update_one({"_id": "e1", "version": {"$lt": 5}}, {"$set": {"phase": "new", "version": 5}})
    assert rows.find_one({"_id": "e1"}) == {"_id": "e1", "phase": "new", "version": 5}


def test_flush_inserts_new_documents_in_chunks_and_replaces_stored_ones():
    rows = buffered(chunk=2)
    for n in range(5):
        rows.replace_one({"_id": f"k{n}"}, {"n": n}, upsert=True)
    rows.replace_one({"_id": "k0"}, {"n": 10}, upsert=True)  # still pending: one insert
    assert rows.flush() == 5
    assert [[d["_id"] for d in part] for part in rows.collection.inserted] == [
        ["k0", "k1"], ["k2", "k3"], ["k4"]
    ]  # fmt: skip
    assert rows.collection.inserted[0][0] == {"_id": "k0", "n": 10}
    rows.update_one({"_id": "k1"}, {"$set": {"n": 11}})
    assert rows.flush() == 1 and rows.flush() == 0
    (requests,) = rows.collection.replaced
    assert [(type(r).__name__, r._filter) for r in requests] == [("ReplaceOne", {"_id": "k1"})]
    assert rows.find_one({"_id": "k1"}) == {"_id": "k1", "n": 11}
    assert rows.collection.reads == []  # retained: every answer came from memory


def test_insert_only_collections_leave_memory_and_read_back_from_the_database():
    stored = {"e1": {"_id": "e1", "from": "database"}}
    rows = buffered(retain=False, stored=stored)
    rows.insert_one({"_id": "e1", "from": "memory"})
    assert rows.find_one({"_id": "e1"}) == {"_id": "e1", "from": "memory"}
    rows.flush()
    assert rows.find_one({"_id": "e1"}) == {"_id": "e1", "from": "database"}
    assert rows.collection.reads == [{"_id": "e1"}]


def test_a_replace_at_a_version_answers_whether_it_matched_as_the_server_does():
    rows = buffered()
    rows.insert_one({"_id": "h1", "v": 1, "pages": []})
    assert rows.replace_one({"_id": "h1", "v": 2}, {"v": 3}).matched_count == 0
    assert rows.find_one({"_id": "h1"}) == {"_id": "h1", "v": 1, "pages": []}
    assert rows.replace_one({"_id": "h1", "v": 1}, {"v": 2, "pages": [1]}).matched_count == 1
    assert rows.find_one({"_id": "h1"}) == {"_id": "h1", "v": 2, "pages": [1]}
    assert rows.delete_one({"_id": "h1", "v": 1}).deleted_count == 0
    assert rows.delete_one({"_id": "h1"}).deleted_count == 1
    assert rows.find_one({"_id": "h1"}) is None
    assert rows.flush() == 0  # inserted, changed and deleted before any flush: nothing to store
    rows.insert_one({"_id": "h1", "v": 1})  # the _id is free again
    assert rows.flush() == 1 and rows.collection.inserted == [[{"_id": "h1", "v": 1}]]


@pytest.mark.parametrize(
    "call",
    [
        lambda rows: rows.find_one({"tenant": "acme"}),
        lambda rows: rows.find_one({"_id": {"$in": ["e1"]}}),
        lambda rows: rows.update_one({"_id": "e1"}, {"$inc": {"version": 1}}),
        lambda rows: rows.update_one({"_id": "e1"}, {"$set": {"coach.id": "c2"}}),
        lambda rows: rows.update_one({"_id": "e1", "version": {"$gt": 1}}, {"$set": {"a": 1}}),
        lambda rows: rows.replace_one({"_id": "e1", "coach.id": "c1"}, {"a": 1}),
        lambda rows: rows.insert_one({"line": "no id"}),
    ],
)
def test_queries_the_buffer_cannot_answer_faithfully_are_refused(call):
    rows = buffered()
    rows.insert_one({"_id": "e1", "tenant": "acme", "version": 1})
    with pytest.raises(NotImplementedError):
        call(rows)


def test_read_models_hand_out_one_buffer_per_name_and_flush_them_all():
    sinks: dict[str, Sink] = {}

    class Database(dict):
        def __missing__(self, name: str) -> Sink:
            return sinks.setdefault(name, Sink(name))

    models = BufferedReadModels(Database(), 4)  # type: ignore[arg-type]
    models["timeline"].insert_one({"_id": "e1"})
    models["timeline"].insert_one({"_id": "e2"})
    models["kpis"].replace_one({"_id": "k1"}, {"state": "proposed"}, upsert=True)
    assert models.flush() == 3
    assert {name: len(sink.inserted[0]) for name, sink in sinks.items()} == {
        "g4_timeline": 2, "g4_kpis": 1
    }  # fmt: skip


def test_bulk_writes_are_split_by_bytes_as_well_as_by_count():
    from services.reporting.projections.batch import _chunks

    sizes = [3, 3, 3, 9, 1, 1]
    parts = list(_chunks(list(range(6)), 10, lambda i: sizes[i], limit=6))
    assert parts == [[0, 1], [2], [3], [4, 5]]  # 9 bytes exceed the limit: it goes alone
    assert list(_chunks(list(range(5)), 2, lambda i: 1, limit=100)) == [[0, 1], [2, 3], [4]]


def test_paged_rows_written_behind_keep_objects_and_store_them_once_encoded_and_packed():
    from bson.codec_options import DEFAULT_CODEC_OPTIONS

    from services.reporting.projections.batch import SharedBufferedCollection
    from services.reporting.projections.packed import unpack
    from services.reporting.projections.paged_rows import PagedRows

    rows = SharedBufferedCollection(Sink(), retain=True)  # type: ignore[arg-type]
    paged = PagedRows(rows, {}, page_size=3)
    for n in range(7):
        paged.add("e1", "acme", {"_id": f"r{n}", "key": [6 - n]})  # arriving newest first
    assert rows.replace_one({"_id": "e1", "v": 0}, {"v": 9}).matched_count == 0  # stale
    assert [r["_id"] for r in paged.rows("e1", "acme")] == [f"r{n}" for n in range(6, -1, -1)]
    assert rows.collection.reads == []  # every answer came from memory
    rows.flush()
    stored = [d for part in rows.collection.inserted for d in part]
    assert {d["_id"] for d in stored} == set(rows._documents)
    head = next(d for d in stored if d["_id"] == "e1")
    assert isinstance(head["pages"], bytes) and isinstance(head["rows"], bytes)  # as PagedRows
    head = unpack(head, DEFAULT_CODEC_OPTIONS)  # stores them (projections/packed.py)
    assert sum(e["count"]["all"] for e in head["pages"]) == 7
