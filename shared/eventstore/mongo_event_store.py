"""Event store on MongoDB (or FerretDB): one document per commit, and a small outbox.

Optimistic concurrency without transactions: a writer appends only when the
stream's head equals its expected version, and the commit's `_id` (stream and
start version) is unique, so of two writers at the same head one insert fails.
Commits tile each stream without overlap, because a writer can only expect a
version that some earlier commit ended at.

The outbox holds one entry per commit not yet published (its public envelopes), so
the relay reads a collection as small as its backlog, never the whole history: on
FerretDB 1.24 (SQLite) every query scans its collection, `_id` equality included.
Without transactions the two inserts are ordered so no commit can be lost:

1. insert the entry, not ready;  2. insert the commit;  3. mark the entry ready
(or delete it when the commit lost the race).

A ready entry is published. An entry not ready is a writer between steps, or one
that died: the relay holds back the later entries of its stream (stream order),
and once the entry is older than `abandon_after` looks the commit up — published
if its commit is stored with the entry's events, dropped if not.

Reads: each process keeps the commits of the streams it used last (`StreamCache`). A
stream's commits never change and tile it, so the only commit that can be newer than the
cached ones starts where they end: `load` and `version` look up that one `_id` (and the
next, while there are more) instead of querying the stream — on FerretDB a query on
`stream` decodes every commit ever stored, an `_id` lookup is answered inside SQLite.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.eventstore.port import Commit, ConcurrencyConflict, EventStore, with_private

COLLECTION = "commits"
OUTBOX = "outbox"
ABANDON_AFTER = timedelta(minutes=2)
CACHED_STREAMS = 512


class StreamCache:
    """The stored commit documents of recently used streams, least recently used dropped."""

    def __init__(self, capacity: int = CACHED_STREAMS) -> None:
        self._capacity = capacity
        self._streams: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, stream_id: str) -> list[dict[str, Any]] | None:
        """The cached commits (a copy of the list), or None."""
        with self._lock:
            commits = self._streams.get(stream_id)
            if commits is None:
                return None
            self._streams.move_to_end(stream_id)
            return list(commits)

    def put(self, stream_id: str, commits: list[dict[str, Any]]) -> None:
        """Remember a stream's commits unless a longer list is cached already."""
        with self._lock:
            cached = self._streams.get(stream_id)
            if cached is None or len(cached) <= len(commits):
                self._streams[stream_id] = list(commits)
            self._streams.move_to_end(stream_id)
            while len(self._streams) > self._capacity:
                self._streams.popitem(last=False)


class MongoEventStore(EventStore):
    """Commits in one collection; a stream is the commits sharing `stream`."""

    def __init__(
        self,
        database: Database[Any],
        collection: str = COLLECTION,
        abandon_after: timedelta = ABANDON_AFTER,
        on_append: Callable[[], None] = lambda: None,
        cache: StreamCache | None = None,
    ) -> None:
        self._commits: Collection[Any] = database[collection]
        self._outbox: Collection[Any] = database[f"{collection}_{OUTBOX}"]
        self._abandon_after = abandon_after
        self._on_append = on_append  # e.g. ring the relay's doorbell
        self._cache = cache or StreamCache()

    def setup(self) -> None:
        """Create the indexes (idempotent)."""
        self._commits.create_index(
            [("stream", ASCENDING), ("start", ASCENDING)], unique=True, name="stream_start"
        )
        self._commits.create_index(
            [("subject", ASCENDING), ("tenant", ASCENDING), ("start", ASCENDING)], name="subject"
        )
        self._outbox.create_index([("seq", ASCENDING)], name="seq")

    def append(self, commit: Commit) -> None:
        cached = self._cache.get(commit.stream_id)
        if cached is not None and _end(cached) == commit.start:
            # the writer loaded the stream here just now: a commit stored since then starts
            # at the same version and its unique _id refuses ours below, so no probe first
            current = commit.start
        else:
            current = self.version(commit.stream_id)
        if commit.start != current:
            raise ConcurrencyConflict(
                f"stream {commit.stream_id} is at version {current}, not {commit.start}"
            )
        document = _document(commit)
        entry = _outbox_entry(document)
        self._outbox.insert_one(entry)
        # Any other failure leaves the entry not ready: the commit may be stored even so
        # (a lost reply), and the relay settles it by looking.
        try:
            self._commits.insert_one(document)
        except DuplicateKeyError as exc:
            self._outbox.delete_one({"_id": entry["_id"]})
            raise ConcurrencyConflict(
                f"stream {commit.stream_id} moved past version {commit.start}"
            ) from exc
        self._outbox.update_one({"_id": entry["_id"]}, {"$set": {"ready": True}})
        if cached is not None and _end(cached) == commit.start:
            self._cache.put(commit.stream_id, [*cached, document])
        self._on_append()

    def load(self, stream_id: str) -> list[dict[str, Any]]:
        events = [e for doc in self._stored(stream_id) for e in with_private(_commit(doc))]
        return copy.deepcopy(events)  # the cached documents stay as stored

    def version(self, stream_id: str) -> int:
        return _end(self._stored(stream_id))

    def _stored(self, stream_id: str) -> list[dict[str, Any]]:
        """The stream's commit documents in order: the cached ones and any stored since."""
        commits = self._cache.get(stream_id)
        if commits is None:
            cursor = self._commits.find({"stream": stream_id}).sort("start", ASCENDING)
            commits = list(cursor)
        while newer := self._commits.find_one({"_id": _commit_id(stream_id, _end(commits))}):
            commits.append(newer)
        self._cache.put(stream_id, commits)
        return commits

    def stream_ids(self, tenant: str, subject: str, prefix: str = "") -> list[str]:
        cursor = self._commits.find(
            {"subject": subject, "tenant": tenant, "start": 0}, {"stream": 1}
        ).sort("seq", ASCENDING)
        return [doc["stream"] for doc in cursor if doc["stream"].startswith(prefix)]

    def events_of_type(self, event_type: str) -> list[dict[str, Any]]:
        cursor = self._commits.find({"events.type": event_type}, {"events": 1}).sort("seq", 1)
        return [e for doc in cursor for e in doc["events"] if e["type"] == event_type]

    def unpublished(self, limit: int = 100) -> list[Commit]:
        entries = self._outbox.find().sort([("seq", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        held: set[str] = set()  # streams behind an entry whose writer has not finished
        ready: dict[str, Commit] = {}
        for entry in entries:
            if entry["stream"] in held or entry["commit"] in ready:
                continue
            if entry.get("ready") or self._settle(entry):
                ready[entry["commit"]] = _commit(entry | {"_id": entry["commit"]})
            else:
                held.add(entry["stream"])
        return _in_stream_order(list(ready.values()))

    def mark_published(self, commit_ids: list[str]) -> None:
        if commit_ids:
            self._outbox.delete_many({"commit": {"$in": commit_ids}})

    def _settle(self, entry: dict[str, Any]) -> bool:
        """An entry not marked ready: True if its commit is stored (publish it); an entry of
        a writer that died before its commit is dropped once old enough to be sure."""
        age = datetime.now(UTC) - entry["created"].replace(tzinfo=UTC)
        if age < self._abandon_after:
            return False  # most likely a writer between its two inserts: wait
        stored = self._commits.find_one({"_id": entry["commit"]}, {"events.id": 1})
        if stored is not None and _event_ids(stored) == _event_ids(entry):
            self._outbox.update_one({"_id": entry["_id"]}, {"$set": {"ready": True}})
            return True
        self._outbox.delete_one({"_id": entry["_id"]})
        return False


def _document(commit: Commit) -> dict[str, Any]:
    return {
        "_id": commit.id,
        "stream": commit.stream_id,
        "tenant": commit.tenant,
        "subject": commit.subject,
        "start": commit.start,
        "end": commit.end,
        "events": list(commit.events),
        "private": list(commit.private),
        "recorded_at": datetime.now(UTC),
        # nanoseconds: orders commits finer than BSON dates (milliseconds) can
        "seq": time.time_ns(),
    }


def _outbox_entry(document: dict[str, Any]) -> dict[str, Any]:
    """The commit's public part, waiting for the relay (not ready until the commit is in)."""
    skipped = ("_id", "private", "recorded_at")
    public = {key: value for key, value in document.items() if key not in skipped}
    return public | {"_id": uuid.uuid4().hex, "commit": document["_id"], "ready": False,
                     "created": document["recorded_at"]}  # fmt: skip


def _end(commits: list[dict[str, Any]]) -> int:
    return int(commits[-1]["end"]) if commits else 0


def _commit_id(stream_id: str, start: int) -> str:
    return Commit(stream_id, "", "", start, ()).id


def _in_stream_order(commits: list[Commit]) -> list[Commit]:
    """Oldest first, with each stream's commits by version in the places its commits hold
    (`seq` comes from the writers' clocks: a skewed clock must not reorder a stream)."""
    places: dict[str, list[int]] = {}
    for place, commit in enumerate(commits):
        places.setdefault(commit.stream_id, []).append(place)
    ordered = list(commits)
    for stream_places in places.values():
        by_version = sorted((commits[p] for p in stream_places), key=lambda c: c.start)
        for place, commit in zip(stream_places, by_version, strict=True):
            ordered[place] = commit
    return ordered


def _event_ids(doc: dict[str, Any]) -> list[str]:
    return [event["id"] for event in doc["events"]]


def _commit(doc: dict[str, Any]) -> Commit:
    return Commit(
        stream_id=doc["stream"],
        tenant=doc["tenant"],
        subject=doc["subject"],
        start=doc["start"],
        events=tuple(doc["events"]),
        commit_id=doc["_id"],
        private=tuple(doc.get("private") or ()),
    )
