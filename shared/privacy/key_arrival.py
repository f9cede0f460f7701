"""Waiting, before an event is projected, for the keys its sealed values need.

The subject-keys topic and the event topics are not ordered together: the reporting worker
can read an event before the key that opens its sealed values has reached its own keys.
Read models store the sealed form and open it when read, so the event would read as
pending until the key arrives. Projecting only once every key it needs is known (active or
erased) keeps "projected" meaning "readable". The wait is bounded: a key that does not come
(a source restored from a backup older than the key, which then never published it) is
waited for once, and its values read as pending.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from shared.privacy.sealing import kids_in

log = logging.getLogger(__name__)

KNOWN_LIMIT = 200_000  # kids remembered as known (a set of short strings), then forgotten


class KnownKeys(Protocol):
    """A service's keys, as far as knowing a key id goes (shared/privacy/key_store.py)."""

    def known(self, kid: str) -> bool: ...

    def wait_learnt(self, timeout: float) -> None: ...


class KeyArrival:
    """Holds an event back until the keys its sealed values need are known here."""

    def __init__(
        self,
        keys: KnownKeys,
        timeout_seconds: float = 5.0,
        poll_seconds: float = 0.05,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._keys = keys
        self._timeout = timeout_seconds
        self._poll = poll_seconds
        self._monotonic = monotonic
        # between looks: until the process's key loop learns a record (or the poll passes)
        self._sleep = sleep or keys.wait_learnt
        self._known: set[str] = set()
        self._given_up: set[str] = set()

    def wait_for(self, envelope: dict[str, Any]) -> list[str]:
        """Wait (bounded) until every key the envelope's sealed values name is known; the
        key ids still unknown when the wait ended (they read as pending)."""
        needed = [k for k in dict.fromkeys(kids_in(envelope.get("data")))
                  if k not in self._known and k not in self._given_up]  # fmt: skip
        missing = self._unknown(needed)
        deadline = self._monotonic() + self._timeout
        while missing and self._monotonic() < deadline:
            self._sleep(self._poll)
            missing = self._unknown(missing)
        if missing:
            log.warning("subject keys not known after the wait; their values read as pending",
                        extra={"kids": missing, "event_id": envelope.get("id")})  # fmt: skip
            self._given_up.update(missing)
        return missing

    def _unknown(self, kids: Iterable[str]) -> list[str]:
        unknown = []
        for kid in kids:
            if self._keys.known(kid):
                if len(self._known) >= KNOWN_LIMIT:
                    self._known.clear()
                self._known.add(kid)
            else:
                unknown.append(kid)
        return unknown
