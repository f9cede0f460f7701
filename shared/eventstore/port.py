"""The event store port: append-only streams of commits with optimistic concurrency."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.domain.errors import ConcurrencyConflict

__all__ = ["Backlog", "Commit", "ConcurrencyConflict", "EventStore", "commit_id"]


@dataclass(frozen=True)
class Commit:
    """The events of one command on one stream, stored all-or-nothing.

    `start` is the stream version before the commit (the writer's expected
    version); its events carry versions start+1 .. start+len(events).
    `private` holds, per event, data that stays in this service's store (contacts,
    token hashes): it is never published and is outside the hash chain. A commit not
    `published` (of an aggregate whose stream stays in the service) never reaches a topic.
    """

    stream_id: str
    tenant: str
    subject: str
    start: int
    events: tuple[dict[str, Any], ...]
    commit_id: str = field(default="")
    private: tuple[dict[str, Any], ...] = ()
    published: bool = True

    @property
    def end(self) -> int:
        """The stream version after this commit."""
        return self.start + len(self.events)

    @property
    def id(self) -> str:
        """Stable identity: the stream and its start version."""
        return self.commit_id or commit_id(self.stream_id, self.start)


@dataclass(frozen=True)
class Backlog:
    """The commits waiting to be published: how many, and when the oldest was stored."""

    commits: int
    oldest: datetime | None


def commit_id(stream_id: str, start: int) -> str:
    """The id of a stream's commit that starts at a version (unique per stream and start)."""
    return f"{stream_id}:{start:012d}"


def with_private(commit: Commit) -> list[dict[str, Any]]:
    """The commit's envelopes, each joined with its private data (if any)."""
    extras = commit.private or ({},) * len(commit.events)
    return [
        event | {"private": extra} if extra else event
        for event, extra in zip(commit.events, extras, strict=True)
    ]


class EventStore(abc.ABC):
    """Contract (tests/integration/test_event_store_contract.py holds every adapter to it):

    - `append` stores a commit whole or not at all. It raises ConcurrencyConflict
      unless `commit.start` equals the stream's current version; of concurrent
      writers with the same expected version exactly one succeeds.
    - `load` returns a stream's events in version order ([] for an unknown stream),
      each with its private data under "private" when it has any.
    - `unpublished` commits carry the public envelopes only.
    - Every appended commit that is `published` is returned by `unpublished` (oldest
      first, each stream in version order) until `mark_published` names it; one that is
      not is loaded like any other and never returned by `unpublished`.
    """

    @abc.abstractmethod
    def append(self, commit: Commit) -> None:
        """Store the commit if the stream is still at `commit.start`."""

    @abc.abstractmethod
    def load(self, stream_id: str) -> list[dict[str, Any]]:
        """All events of one stream, oldest first."""

    @abc.abstractmethod
    def version(self, stream_id: str) -> int:
        """The stream's current version (0 for an unknown stream)."""

    @abc.abstractmethod
    def stream_ids(self, tenant: str, subject: str, prefix: str = "") -> list[str]:
        """Ids of a tenant's streams about one subject (engagement), oldest first."""

    @abc.abstractmethod
    def unpublished(self, limit: int = 100) -> list[Commit]:
        """Commits not yet published, oldest first."""

    @abc.abstractmethod
    def mark_published(self, commit_ids: list[str]) -> None:
        """Record that these commits reached the broker."""

    def backlog(self) -> Backlog | None:
        """How many commits wait to be published and since when, as the last `unpublished`
        (and the `mark_published` after it) saw it, for the relay's metrics; None when the
        store cannot tell."""
        return None
