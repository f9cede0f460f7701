"""Each process's cache of the commits of the streams it used last.

A stream's commits never change and tile it, so the only commit that can be newer than
the cached ones starts where they end: the Mongo store looks up that one `_id` (and the
next, while there are more) instead of querying the stream. On FerretDB 1.24 a query on
`stream` decodes every commit ever stored; an `_id` lookup is answered inside SQLite.

The cache is bounded by the events it holds as well as by streams: a few long streams (a
KPI plan after years of reviews) would otherwise grow a worker's memory with the history.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

CACHED_STREAMS = 512
CACHED_EVENTS = 10_000  # about 45 MB: a one-event commit takes 4.3 KB as Python objects


class StreamCache:
    """The stored commit documents of recently used streams, least recently used dropped
    once more than `capacity` streams or `max_events` events are held (the stream used last
    is kept whatever its length)."""

    def __init__(self, capacity: int = CACHED_STREAMS, max_events: int = CACHED_EVENTS) -> None:
        self._capacity = capacity
        self._max_events = max_events
        self._streams: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._events: dict[str, int] = {}
        self._held = 0
        self._lock = threading.Lock()

    @property
    def held_events(self) -> int:
        """How many events the cached commits hold."""
        return self._held

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
                self._held += _events_in(commits) - self._events.get(stream_id, 0)
                self._streams[stream_id] = list(commits)
                self._events[stream_id] = _events_in(commits)
            self._streams.move_to_end(stream_id)
            while len(self._streams) > self._capacity or (
                self._held > self._max_events and len(self._streams) > 1
            ):
                dropped, _ = self._streams.popitem(last=False)
                self._held -= self._events.pop(dropped)


def _events_in(commits: list[dict[str, Any]]) -> int:
    return sum(len(c.get("events") or ()) for c in commits)


def end_of(commits: list[dict[str, Any]]) -> int:
    """The stream version the commit documents reach (0 for none)."""
    return int(commits[-1]["end"]) if commits else 0
