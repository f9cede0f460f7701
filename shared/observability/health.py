"""A worker's readiness: each of its loops reports that it is making progress.

A loop that beats (a consumer after each poll, the relay after each pass, the key loop after
each read of its topic) is ready while its last beat is younger than STALE_SECONDS and it has
said it is ready (a consumer once the group gave it its partitions, the key loop once it read
its topic to the end); a loop that never beats is ready while its thread runs. The worker's
`/readyz` answers 200 when every loop is ready, else 503 with the loops that are not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

STALE_SECONDS = 30.0  # a consumer polls at least every 0.2 s, a relay at least every 1 s


@dataclass
class _Loop:
    beats: bool = False
    ready: bool = False
    last_beat: float = 0.0
    stopped: str = ""
    waiting_for: str = "starting"


class Health:
    """The loops of one worker process and how each is doing."""

    def __init__(self, stale_seconds: float = STALE_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self._stale = stale_seconds
        self._monotonic = monotonic
        self._loops: dict[str, _Loop] = {}
        self._lock = threading.Lock()

    def started(self, loop: str) -> None:
        """A loop's thread started (ready unless it beats and has not said so yet)."""
        with self._lock:
            self._loops.setdefault(loop, _Loop())

    def beat(self, loop: str, ready: bool = True, waiting_for: str = "") -> None:
        """The loop made progress; `ready` False (with what it waits for) while it cannot
        serve yet (no partitions assigned, its topic not read to the end)."""
        with self._lock:
            state = self._loops.setdefault(loop, _Loop())
            state.beats, state.ready = True, ready
            state.last_beat = self._monotonic()
            state.waiting_for = "" if ready else waiting_for

    def stopped(self, loop: str, reason: str) -> None:
        """The loop's thread ended (a crash, or the worker stopping)."""
        with self._lock:
            self._loops.setdefault(loop, _Loop()).stopped = reason

    def forget(self, loop: str) -> None:
        """The loop is no longer this worker's to run (another worker took over its lease)."""
        with self._lock:
            self._loops.pop(loop, None)

    def report(self) -> tuple[bool, dict[str, str]]:
        """Whether every loop is ready, and each loop's state ("ok" or what is wrong)."""
        now = self._monotonic()
        with self._lock:
            checks = {name: self._check(state, now) for name, state in self._loops.items()}
        return bool(checks) and all(v == "ok" for v in checks.values()), checks

    def _check(self, state: _Loop, now: float) -> str:
        if state.stopped:
            return f"stopped: {state.stopped}"
        if not state.beats:
            return "ok"
        if now - state.last_beat > self._stale:
            return f"stale: no progress for {now - state.last_beat:.0f} s"
        return "ok" if state.ready else f"waiting: {state.waiting_for}"
