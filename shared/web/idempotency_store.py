"""Where a write service remembers the requests it answered under an Idempotency-Key.

A record is claimed (pending) by one request, its `owner`, before the request runs. The
owner then completes it with the response it got (a 2xx), releases it (a 4xx: nothing
changed), or marks its outcome unknown (a 5xx after the request may have written): a
retry with that key is then refused rather than run twice. Only the owner settles its
record, so a request that outlived its claim cannot overwrite a later one's. A pending
record older than PENDING_FOR belongs to a request that died and may be taken over; a
settled one is kept for KEPT_FOR, then the key is free again.
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
PENDING_FOR = timedelta(minutes=5)
KEPT_FOR = timedelta(hours=24)
PENDING, DONE, UNKNOWN = "pending", "done", "unknown"


def expired(record: dict[str, Any], now: datetime) -> bool:
    """Whether a record no longer holds its key."""
    created: datetime = record["created"]
    if created.tzinfo is None:  # a client without tz_aware reads naive UTC
        created = created.replace(tzinfo=now.tzinfo)
    return now - created > (PENDING_FOR if record["state"] == PENDING else KEPT_FOR)


class IdempotencyStore(abc.ABC):
    """Contract (tests/integration/test_idempotency_store_contract.py): of concurrent claims
    of one id exactly one gets None; the others get the record as it stands. complete,
    release and unknown change a record only while `owner` holds it."""

    @abc.abstractmethod
    def claim(
        self, record_id: str, fingerprint: str, now: datetime, owner: str
    ) -> dict[str, Any] | None:
        """None when `owner` now holds the id (pending); else the live record."""

    @abc.abstractmethod
    def complete(
        self, record_id: str, owner: str, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        """Keep the response the owner's request got."""

    @abc.abstractmethod
    def release(self, record_id: str, owner: str) -> None:
        """Free a claimed id whose request changed nothing."""

    @abc.abstractmethod
    def unknown(self, record_id: str, owner: str) -> None:
        """The owner's request failed after it may have written: refuse the key's retries."""

    @abc.abstractmethod
    def purge(self, now: datetime) -> int:
        """Forget records older than KEPT_FOR (their keys are free anyway); how many."""


class MongoIdempotencyStore(IdempotencyStore):
    """One document per key, `_id` the hashed (tenant, caller, key)."""

    def __init__(self, collection: Collection[Any]) -> None:
        self._records = collection

    def claim(
        self, record_id: str, fingerprint: str, now: datetime, owner: str
    ) -> dict[str, Any] | None:
        pending = {"_id": record_id, "fingerprint": fingerprint, "state": PENDING,
                   "created": now, "owner": owner}  # fmt: skip
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
            self._records.delete_one({"_id": record_id, "owner": existing.get("owner")})
        contended = {"fingerprint": fingerprint, "state": PENDING}  # answered as in use
        return self._records.find_one({"_id": record_id}) or contended

    def complete(
        self, record_id: str, owner: str, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        done = {"state": DONE, "status": status, "body": body, "headers": headers}
        self._records.update_one({"_id": record_id, "owner": owner}, {"$set": done})

    def release(self, record_id: str, owner: str) -> None:
        self._records.delete_one({"_id": record_id, "owner": owner, "state": PENDING})

    def unknown(self, record_id: str, owner: str) -> None:
        self._records.update_one({"_id": record_id, "owner": owner}, {"$set": {"state": UNKNOWN}})

    def purge(self, now: datetime) -> int:
        return self._records.delete_many({"created": {"$lt": now - KEPT_FOR}}).deleted_count


class MemoryIdempotencyStore(IdempotencyStore):
    """The same in a dict: the fake for unit tests."""

    def __init__(self) -> None:
        self._records: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def claim(
        self, record_id: str, fingerprint: str, now: datetime, owner: str
    ) -> dict[str, Any] | None:
        with self._lock:
            existing = self._records.get(record_id)
            if existing is not None and not expired(existing, now):
                return copy.deepcopy(existing)
            self._records[record_id] = {
                "_id": record_id, "fingerprint": fingerprint, "state": PENDING,
                "created": now, "owner": owner,
            }  # fmt: skip
            return None

    def complete(
        self, record_id: str, owner: str, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        with self._lock:
            if record := self._owned(record_id, owner):
                record.update(state=DONE, status=status, body=body, headers=dict(headers))

    def release(self, record_id: str, owner: str) -> None:
        with self._lock:
            if (record := self._owned(record_id, owner)) and record["state"] == PENDING:
                del self._records[record_id]

    def unknown(self, record_id: str, owner: str) -> None:
        with self._lock:
            if record := self._owned(record_id, owner):
                record["state"] = UNKNOWN

    def purge(self, now: datetime) -> int:
        with self._lock:
            old = [i for i, r in self._records.items() if now - r["created"] > KEPT_FOR]
            for record_id in old:
                del self._records[record_id]
            return len(old)

    def _owned(self, record_id: str, owner: str) -> dict[str, Any] | None:
        record = self._records.get(record_id)
        return record if record is not None and record.get("owner") == owner else None
