"""The Mongo event store's outbox: one entry per commit not yet published (its public
envelopes), so the relay reads a collection as small as its backlog, never the whole
history (on FerretDB 1.24 every query scans its collection, `_id` equality included).

Without transactions a writer orders its writes so no commit can be lost:

1. insert the entry, not ready;  2. insert the commit;  3. mark the entry ready
(or drop it when the commit lost the race).

A ready entry is published. An entry not ready is a writer between steps, or one that
died: the relay holds back the later entries of its stream (stream order), and once the
entry is older than `abandon_after` looks the commit up — published if its commit is
stored with the entry's events, dropped if not.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection

from shared.eventstore.port import Commit

ABANDON_AFTER = timedelta(minutes=2)


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
        self._abandon_after = abandon_after

    def setup(self) -> None:
        """The index the relay reads in."""
        self.entries.create_index([("seq", ASCENDING)], name="seq")

    def add(self, commit_document: dict[str, Any]) -> str:
        """Step 1: an entry for the commit about to be stored, not ready; its id."""
        skipped = ("_id", "private", "recorded_at")
        public = {k: v for k, v in commit_document.items() if k not in skipped}
        entry = public | {"_id": uuid.uuid4().hex, "commit": commit_document["_id"],
                          "ready": False, "created": commit_document["recorded_at"]}  # fmt: skip
        self.entries.insert_one(entry)
        return str(entry["_id"])

    def ready(self, entry_id: str) -> None:
        """Step 3: the commit is stored."""
        self.entries.update_one({"_id": entry_id}, {"$set": {"ready": True}})

    def drop(self, entry_id: str) -> None:
        """The commit lost the race: nothing to publish."""
        self.entries.delete_one({"_id": entry_id})

    def pending(self, limit: int) -> list[Commit]:
        """Ready commits, oldest first, each stream in version order."""
        found = self.entries.find().sort([("seq", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        held: set[str] = set()  # streams behind an entry whose writer has not finished
        ready: dict[str, Commit] = {}
        for entry in found:
            if entry["stream"] in held or entry["commit"] in ready:
                continue
            if entry.get("ready") or self._settle(entry):
                ready[entry["commit"]] = commit_of(entry | {"_id": entry["commit"]})
            else:
                held.add(entry["stream"])
        return _in_stream_order(list(ready.values()))

    def remove(self, commit_ids: list[str]) -> None:
        """The commits reached the broker."""
        if commit_ids:
            self.entries.delete_many({"commit": {"$in": commit_ids}})

    def _settle(self, entry: dict[str, Any]) -> bool:
        """An entry not marked ready: True if its commit is stored (publish it); an entry of
        a writer that died before its commit is dropped once old enough to be sure."""
        age = datetime.now(UTC) - entry["created"].replace(tzinfo=UTC)
        if age < self._abandon_after:
            return False  # most likely a writer between its two inserts: wait
        stored = self._commits.find_one({"_id": entry["commit"]}, {"events.id": 1})
        if stored is not None and _event_ids(stored) == _event_ids(entry):
            self.ready(entry["_id"])
            return True
        self.drop(entry["_id"])
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
    )


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
