"""The Mongo event store's outbox: one entry per commit not yet published (its public
envelopes), so the relay reads a collection as small as its backlog, never the whole
history.

Without transactions a writer orders its writes so no commit can be lost:

1. insert the entry, not ready;  2. insert the commit (or drop the entry when the commit
lost the race);  3. only if steps 1 and 2 took so long that a relay may have taken the
writer for dead (half of `abandon_after`, by the writer's clock): mark the entry ready,
putting it back if it was dropped.

The relay reads the whole outbox (it holds only the backlog) and publishes each stream in
version order, up to its first entry whose commit it cannot find: an entry marked ready is
published as it is; for one that is not, the relay looks its commit up by `_id` and
publishes it if stored with the entry's events. An entry without a commit is a writer
between steps 1 and 2, or one that died there: once this relay has seen it so for
`abandon_after` (its own clock: writers' clocks may be skewed), it is dropped. A writer
that slow puts its entry back at step 3, so a commit stored is always published.
"""

from __future__ import annotations

import contextlib
import heapq
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from shared.eventstore.port import Backlog, Commit

ABANDON_AFTER = timedelta(minutes=2)
MAX_READ = 10_000  # entries read per pass: the backlog, unless Kafka was away for long


class MongoOutbox:
    """The entries collection, beside the commits it points to."""

    def __init__(
        self,
        entries: Collection[Any],
        commits: Collection[Any],
        abandon_after: timedelta = ABANDON_AFTER,
    ) -> None:
        self.entries = entries
        self._commits = commits
        self._abandon_after = abandon_after.total_seconds()
        self._first_seen: dict[str, float] = {}  # entries seen not ready, by this relay
        # entries not marked ready whose commit this relay found: not looked up again (a
        # backlog kept while Kafka is away would otherwise be looked up on every pass)
        self._confirmed: set[str] = set()
        # what the last read found waiting, by commit id: when each was stored (metrics)
        self._waiting: dict[str, Any] = {}

    def setup(self) -> None:
        """The index the relay reads in."""
        self.entries.create_index([("seq", ASCENDING)], name="seq")

    def add(self, commit_document: dict[str, Any]) -> dict[str, Any]:
        """Step 1: an entry for the commit about to be stored, not ready."""
        skipped = ("_id", "private", "recorded_at")
        public = {k: v for k, v in commit_document.items() if k not in skipped}
        entry = public | {"_id": uuid.uuid4().hex, "commit": commit_document["_id"],
                          "ready": False, "created": commit_document["recorded_at"]}  # fmt: skip
        self.entries.insert_one(entry)
        return entry

    def stored(self, entry: dict[str, Any], seconds: float) -> None:
        """The commit is stored, `seconds` after step 1 began: step 3 when a relay may have
        dropped the entry meanwhile (it waits `abandon_after` by its own clock first)."""
        if seconds >= self._abandon_after / 2:
            self.ready(entry)

    def ready(self, entry: dict[str, Any]) -> None:
        """Step 3: the commit is stored. If a relay took this writer for dead and dropped
        the entry meanwhile, it goes back in, ready."""
        if self.entries.update_one({"_id": entry["_id"]}, {"$set": {"ready": True}}).matched_count:
            return
        with contextlib.suppress(DuplicateKeyError):  # put back by someone else: there it is
            self.entries.insert_one(entry | {"ready": True})

    def drop(self, entry_id: str) -> None:
        """The commit lost the race: nothing to publish."""
        self.entries.delete_one({"_id": entry_id})

    def pending(self, limit: int) -> list[Commit]:
        """Up to `limit` ready commits, oldest first, each stream in version order and only
        up to its first commit not ready."""
        found = list(self.entries.find().sort([("seq", ASCENDING), ("_id", ASCENDING)])
                     .limit(MAX_READ))  # fmt: skip
        self._waiting = {str(e["commit"]): e.get("created") for e in found}
        seen_now = {str(e["_id"]) for e in found}
        self._first_seen = {k: v for k, v in self._first_seen.items() if k in seen_now}
        self._confirmed &= seen_now
        streams: dict[str, dict[int, list[dict[str, Any]]]] = {}
        for entry in found:
            streams.setdefault(entry["stream"], {}).setdefault(entry["start"], []).append(entry)
        prefixes = [self._ready_prefix(by_start) for by_start in streams.values()]
        return _merged_by_seq([p for p in prefixes if p], limit)

    def _ready_prefix(self, by_start: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """A stream's entries to publish: in version order, up to its first not ready."""
        prefix = []
        for start in sorted(by_start):
            entries = by_start[start]
            ready = next((e for e in entries if e.get("ready")), None)
            if ready is None:
                ready = next((e for e in entries if self._settle(e)), None)
            if ready is None:
                break
            prefix.append(ready)
        return prefix

    def remove(self, commit_ids: list[str]) -> None:
        """The commits reached the broker."""
        if commit_ids:
            self.entries.delete_many({"commit": {"$in": commit_ids}})
            for commit_id in commit_ids:
                self._waiting.pop(commit_id, None)

    def backlog(self) -> Backlog:
        """The entries the last read found, less those published since (no query)."""
        stored = [c for c in self._waiting.values() if isinstance(c, datetime)]
        oldest = min(stored) if stored else None
        return Backlog(len(self._waiting), _aware(oldest) if oldest else None)

    def _settle(self, entry: dict[str, Any]) -> bool:
        """An entry not marked ready: True if its commit is stored with its events (publish
        it); an entry of a writer that died before its commit is dropped once this relay has
        waited long enough to be sure (by its own clock: the writer's may be skewed)."""
        if str(entry["_id"]) in self._confirmed:
            return True
        stored = self._commits.find_one({"_id": entry["commit"]}, {"events.id": 1})
        if stored is not None and _event_ids(stored) == _event_ids(entry):
            self._first_seen.pop(str(entry["_id"]), None)
            self._confirmed.add(str(entry["_id"]))
            return True
        first = self._first_seen.setdefault(str(entry["_id"]), time.monotonic())
        if time.monotonic() - first < self._abandon_after:
            return False  # most likely a writer between its two inserts: wait
        # a writer that slow puts its entry back, ready, if its commit lands after this
        self.entries.delete_one({"_id": entry["_id"], "ready": False})
        return False


def commit_of(doc: dict[str, Any]) -> Commit:
    """The Commit a commit document (or an outbox entry, `_id` set to its commit) holds."""
    return Commit(
        stream_id=doc["stream"],
        tenant=doc["tenant"],
        subject=doc["subject"],
        start=doc["start"],
        events=tuple(doc["events"]),
        commit_id=doc["_id"],
        private=tuple(doc.get("private") or ()),
        published=not doc.get("internal", False),
    )


def _merged_by_seq(prefixes: list[list[dict[str, Any]]], limit: int) -> list[Commit]:
    """Up to `limit` commits from the streams' prefixes, each stream in its own order, the
    streams interleaved oldest first by `seq` (the writers' clocks: a skewed one may delay
    another stream, never reorder its own)."""
    heap = [(p[0]["seq"], n, 0) for n, p in enumerate(prefixes)]
    heapq.heapify(heap)
    merged: list[Commit] = []
    while heap and len(merged) < limit:
        _, n, i = heapq.heappop(heap)
        entry = prefixes[n][i]
        merged.append(commit_of(entry | {"_id": entry["commit"]}))
        if i + 1 < len(prefixes[n]):
            heapq.heappush(heap, (prefixes[n][i + 1]["seq"], n, i + 1))
    return merged


def _event_ids(doc: dict[str, Any]) -> list[str]:
    return [event["id"] for event in doc["events"]]


def _aware(moment: datetime) -> datetime:
    """A stored time as UTC (pymongo answers naive UTC datetimes unless told otherwise)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
