"""Where a write service remembers the requests it answered under an Idempotency-Key.

A record is claimed (pending) before the request runs and completed with the response it
got, or released when the request changed nothing (any answer but a 2xx). A pending record
older than PENDING_FOR belongs to a process that died mid-request (gunicorn kills a worker
after 30 s) and may be taken over; a completed one is kept for KEPT_FOR, then the key is
free again.
"""

from __future__ import annotations

import abc
import copy
import threading
from datetime import datetime, timedelta
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

COLLECTION = "idempotency_keys"
PENDING_FOR = timedelta(seconds=60)
KEPT_FOR = timedelta(hours=24)


def expired(record: dict[str, Any], now: datetime) -> bool:
    """Whether a record no longer holds its key."""
    created: datetime = record["created"]
    if created.tzinfo is None:  # a client without tz_aware reads naive UTC
        created = created.replace(tzinfo=now.tzinfo)
    return now - created > (PENDING_FOR if record["state"] == "pending" else KEPT_FOR)


class IdempotencyStore(abc.ABC):
    """Contract (tests/integration/test_idempotency_store_contract.py): of concurrent claims
    of one id exactly one gets None; the others get the record as it stands."""

    @abc.abstractmethod
    def claim(self, record_id: str, fingerprint: str, now: datetime) -> dict[str, Any] | None:
        """None when this caller now holds the id (pending); else the live record."""

    @abc.abstractmethod
    def complete(self, record_id: str, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Keep the response a claimed request got."""

    @abc.abstractmethod
    def release(self, record_id: str) -> None:
        """Free a claimed id whose request changed nothing."""

    @abc.abstractmethod
    def purge(self, now: datetime) -> int:
        """Forget records older than KEPT_FOR (their keys are free anyway); how many."""


class MongoIdempotencyStore(IdempotencyStore):
    """One document per key, `_id` the hashed (tenant, caller, key)."""

    def __init__(self, collection: Collection[Any]) -> None:
        self._records = collection

    def claim(self, record_id: str, fingerprint: str, now: datetime) -> dict[str, Any] | None:
        pending = {"_id": record_id, "fingerprint": fingerprint, "state": "pending",
                   "created": now}  # fmt: skip
        for _ in range(3):
            try:
                self._records.insert_one(pending)
                return None
            except DuplicateKeyError:
                existing = self._records.find_one({"_id": record_id})
            if existing is None:
                continue  # released meanwhile: try again
            if not expired(existing, now):
                return existing
            self._records.delete_one({"_id": record_id, "created": existing["created"]})
        contended = {"fingerprint": fingerprint, "state": "pending"}  # answered as in use
        return self._records.find_one({"_id": record_id}) or contended

    def complete(self, record_id: str, status: int, body: bytes, headers: dict[str, str]) -> None:
        self._records.update_one(
            {"_id": record_id},
            {"$set": {"state": "done", "status": status, "body": body, "headers": headers}},
        )

    def release(self, record_id: str) -> None:
        self._records.delete_one({"_id": record_id, "state": "pending"})

    def purge(self, now: datetime) -> int:
        return self._records.delete_many({"created": {"$lt": now - KEPT_FOR}}).deleted_count


class MemoryIdempotencyStore(IdempotencyStore):
    """The same in a dict: the fake for unit tests."""

    def __init__(self) -> None:
        self._records: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def claim(self, record_id: str, fingerprint: str, now: datetime) -> dict[str, Any] | None:
        with self._lock:
            existing = self._records.get(record_id)
            if existing is not None and not expired(existing, now):
                return copy.deepcopy(existing)
            self._records[record_id] = {"_id": record_id, "fingerprint": fingerprint,
                                        "state": "pending", "created": now}  # fmt: skip
            return None

    def complete(self, record_id: str, status: int, body: bytes, headers: dict[str, str]) -> None:
        with self._lock:
            record = self._records.get(record_id)
            if record is not None:
                record.update(state="done", status=status, body=body, headers=dict(headers))

    def release(self, record_id: str) -> None:
        with self._lock:
            if self._records.get(record_id, {}).get("state") == "pending":
                del self._records[record_id]

    def purge(self, now: datetime) -> int:
        with self._lock:
            old = [i for i, r in self._records.items() if now - r["created"] > KEPT_FOR]
            for record_id in old:
                del self._records[record_id]
            return len(old)
