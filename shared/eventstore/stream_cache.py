"""Each process's cache of the commits of the streams it used last.

A stream's commits never change and tile it, so the only commit that can be newer than
the cached ones starts where they end: the Mongo store looks up that one `_id` (and the
next, while there are more) instead of querying the stream. On FerretDB 1.24 a query on
`stream` decodes every commit ever stored; an `_id` lookup is answered inside SQLite.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

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


def end_of(commits: list[dict[str, Any]]) -> int:
    """The stream version the commit documents reach (0 for none)."""
    return int(commits[-1]["end"]) if commits else 0
