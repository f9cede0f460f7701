"""Whether the current request has started a write, for the Idempotency-Key handling: after a
failure, a request that may have stored something must not run again under its key.

The composition root (`shared.resources.Resources`) wraps the process's event store in a
`TrackedStore`, which notes every append in its `WriteTracker` before attempting it; the web
layer resets the tracker when it claims a key and asks it when the request fails. The state
is per context (a request), so concurrent requests of one process do not see each other's.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from shared.eventstore.port import Backlog, Commit, EventStore

_STARTED: ContextVar[bool] = ContextVar("writes_started", default=False)


class WriteTracker:
    """Whether a write was attempted in the current context since the last reset."""

    def reset(self) -> None:
        """Start counting afresh (a request claimed an Idempotency-Key)."""
        _STARTED.set(False)

    def note(self) -> None:
        """A write is about to be attempted."""
        _STARTED.set(True)

    def started(self) -> bool:
        """Whether a write may have happened since the last reset."""
        return _STARTED.get()


class TrackedStore(EventStore):
    """An event store that notes each append in a tracker before attempting it."""

    def __init__(self, store: EventStore, tracker: WriteTracker) -> None:
        self.store = store
        self._tracker = tracker

    def append(self, commit: Commit) -> None:
        self._tracker.note()
        self.store.append(commit)

    def load(self, stream_id: str) -> list[dict[str, Any]]:
        return self.store.load(stream_id)

    def version(self, stream_id: str) -> int:
        return self.store.version(stream_id)

    def stream_ids(self, tenant: str, subject: str, prefix: str = "") -> list[str]:
        return self.store.stream_ids(tenant, subject, prefix)

    def unpublished(self, limit: int = 100) -> list[Commit]:
        return self.store.unpublished(limit)

    def mark_published(self, commit_ids: list[str]) -> None:
        self.store.mark_published(commit_ids)

    def backlog(self) -> Backlog | None:
        return self.store.backlog()
