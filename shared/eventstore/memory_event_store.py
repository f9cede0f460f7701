"""In-memory event store: the fake for unit tests, held to the same contract."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from shared.eventstore.port import Backlog, Commit, ConcurrencyConflict, EventStore, with_private


class MemoryEventStore(EventStore):
    """Keeps commits in a list, guarded by a lock."""

    def __init__(self) -> None:
        self._commits: list[Commit] = []
        self._published: set[str] = set()
        self._lock = threading.Lock()

    def append(self, commit: Commit) -> None:
        with self._lock:
            current = self._version(commit.stream_id)
            if commit.start != current:
                raise ConcurrencyConflict(
                    f"stream {commit.stream_id} is at version {current}, not {commit.start}"
                )
            self._commits.append(commit)

    def load(self, stream_id: str) -> list[dict[str, Any]]:
        with self._lock:
            commits = [c for c in self._commits if c.stream_id == stream_id]
            return [e for c in commits for e in with_private(c)]

    def version(self, stream_id: str) -> int:
        with self._lock:
            return self._version(stream_id)

    def stream_ids(self, tenant: str, subject: str, prefix: str = "") -> list[str]:
        with self._lock:
            return [
                c.stream_id
                for c in self._commits
                if c.start == 0 and c.tenant == tenant and c.subject == subject
                and c.stream_id.startswith(prefix)
            ]  # fmt: skip

    def unpublished(self, limit: int = 100) -> list[Commit]:
        with self._lock:
            pending = [c for c in self._commits if c.published and c.id not in self._published]
            pending = pending[:limit]
            return [dataclasses.replace(c, private=()) for c in pending]

    def backlog(self) -> Backlog:
        """How many commits wait (the memory store keeps no times: oldest is None)."""
        with self._lock:
            waiting = [c for c in self._commits if c.published and c.id not in self._published]
            return Backlog(len(waiting), None)

    def mark_published(self, commit_ids: list[str]) -> None:
        with self._lock:
            self._published.update(commit_ids)

    def _version(self, stream_id: str) -> int:
        return max((c.end for c in self._commits if c.stream_id == stream_id), default=0)
