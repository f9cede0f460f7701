"""A lease in the service's database: one holder at a time for a job that must not run twice
at once (the outbox relay, the webhook dispatcher), taken over within seconds when the holder
dies, with a fencing token.

The lease is one document `{_id: <job>, holder, token, expires_at}` in `leases`, read and
written by `_id` alone. A process holds it while `expires_at` (the database's clock is not
used: each writer's own, so clocks should agree within a few seconds) lies ahead; it renews
every TTL/3. Another process takes it only once it has expired, with a write conditioned on
the token it read, so of two takers one wins; each take increments the token. The holder
checks, before each unit of work (a batch of the outbox), that the stored token is still its
own: a holder that paused past its expiry (a long GC, a frozen VM) finds it was fenced off
and stops instead of working beside the new holder.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from pymongo.errors import DuplicateKeyError, PyMongoError

log = logging.getLogger(__name__)

COLLECTION = "leases"
TTL_SECONDS = 6.0  # a dead holder's job resumes elsewhere within this (plus a renewal period)


class Lease:
    """One process's claim on one job's lease."""

    def __init__(
        self,
        collection: Any,
        job: str,
        holder: str | None = None,
        ttl_seconds: float = TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._collection = collection
        self.job = job
        self.holder = holder or f"{job}:{uuid.uuid4().hex[:12]}"
        self._ttl = ttl_seconds
        self._clock = clock
        self.token: int | None = None  # the fencing token while held
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        """Take or renew the lease; whether this process holds it now."""
        with self._lock:
            try:
                return self._acquire()
            except PyMongoError:
                log.warning("lease not renewed: the database is away", extra={"job": self.job})
                self.token = None  # unsure: act as if lost, the others wait for its expiry
                return False

    def _acquire(self) -> bool:
        now = self._clock()
        stored = self._collection.find_one({"_id": self.job})
        expires = now + self._ttl
        if stored is None:
            try:
                self._collection.insert_one({"_id": self.job, "holder": self.holder, "token": 1,
                                             "expires_at": expires})  # fmt: skip
            except DuplicateKeyError:
                self.token = None
                return False
            return self._took(1)
        mine = stored["holder"] == self.holder and stored["token"] == self.token
        if not mine and stored["expires_at"] > now:
            self.token = None
            return False
        token = int(stored["token"]) if mine else int(stored["token"]) + 1
        done = self._collection.replace_one(
            {"_id": self.job, "token": stored["token"], "holder": stored["holder"]},
            {"_id": self.job, "holder": self.holder, "token": token, "expires_at": expires},
        )
        if done.matched_count != 1:
            self.token = None
            return False
        return self._took(token) if not mine else True

    def _took(self, token: int) -> bool:
        self.token = token
        log.info("lease taken", extra={"job": self.job, "holder": self.holder, "token": token})
        return True

    def still_held(self) -> bool:
        """Whether the stored lease is still this process's, with its token, and not expired:
        the fence, checked before each unit of work."""
        if self.token is None:
            return False
        try:
            stored = self._collection.find_one({"_id": self.job})
        except PyMongoError:
            return False
        return bool(stored and stored["holder"] == self.holder and stored["token"] == self.token
                    and stored["expires_at"] > self._clock())  # fmt: skip

    def release(self) -> None:
        """Give the lease up at once (a clean stop): another process takes it at its next try."""
        with self._lock:
            if self.token is None:
                return
            with contextlib.suppress(PyMongoError):
                self._collection.update_one(
                    {"_id": self.job, "holder": self.holder, "token": self.token},
                    {"$set": {"expires_at": 0.0}},
                )
            self.token = None

    @property
    def renew_every(self) -> float:
        return self._ttl / 3
