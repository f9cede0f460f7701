"""Each service's store of subject keys: its own (made on first use, destroyed on erasure)
and those it learns from the other services over the subject-keys topic.

A key document is `{_id: kid, owner, tenant, state: "active"|"erased", key, at}`, `key`
(the key sealed with the deployment's ML_SUBJECT_KEYS_KEY, so a copy of the database alone
does not open anything) present only while active. Erasure is final: nothing turns an erased
key active again, so a key record replayed from the topic, or a backup restored from before
the erasure and then caught up with the topic, cannot bring a person back. Every change of
one of the service's own keys is queued in a small change collection that the key relay
publishes (shared/privacy/key_topic.py), as the event outbox is.
"""

from __future__ import annotations

import abc
import base64
import os
import threading
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.crypto.secret_box import SecretBox
from shared.domain.subjects import key_id, owner_of, ref_of
from shared.events.envelope import utc_now

KEYS = "subject_keys"
CHANGES = "subject_key_changes"
EPOCH = "subject_key_erasures"  # one document: how many keys this database has erased
CACHE_LIMIT = 50_000  # key documents a process keeps, then forgets
ACTIVE, ERASED = "active", "erased"
KEY_BYTES = 32


class KeyTable(abc.ABC):
    """Where the key documents and the queue of own changes are kept."""

    @abc.abstractmethod
    def get(self, kid: str) -> dict[str, Any] | None:
        """The key document, or None."""

    @abc.abstractmethod
    def insert(self, document: dict[str, Any]) -> bool:
        """Store a new key document; False when one with its `_id` exists already."""

    @abc.abstractmethod
    def mark_erased(self, kid: str, owner: str, at: str) -> None:
        """Make the key erased (stored so even when it was never known): its key removed."""

    @abc.abstractmethod
    def erasures(self) -> int:
        """How many erasures this table has recorded (grows with each `mark_erased`, after
        the key is erased): a process's cached keys are good while it is unchanged."""

    @abc.abstractmethod
    def queue(self, kid: str, state: str) -> None:
        """Note that the key's state `state` is to be published."""

    @abc.abstractmethod
    def queued(self, limit: int) -> list[dict[str, Any]]:
        """Queued changes (`{_id: kid, state}`), any order."""

    @abc.abstractmethod
    def unqueue(self, kid: str, state: str) -> None:
        """Drop a queued change, if it is still for that state."""


class SubjectKeys:
    """The subject keys of one service (a Keyring for shared/privacy/sealing.py)."""

    def __init__(self, owner: str, table: KeyTable, wrapping: SecretBox) -> None:
        self.owner = owner
        self._table = table
        self._wrapping = wrapping
        self._learnt = threading.Condition()  # notified as the topic's records are applied
        # Key documents read by this process, good until the table records an erasure
        self._cache: dict[str, dict[str, Any]] = {}
        self._erasures_seen = -1
        self._cache_lock = threading.Lock()

    def refresh(self) -> None:
        """Forget the cached keys if any key was erased since they were read (one read by
        `_id`): the Opener and the Sealer call this as each read or command begins, so an
        erasure in any process of the service takes effect from the next one on."""
        erasures = self._table.erasures()
        with self._cache_lock:
            if erasures != self._erasures_seen:
                self._cache.clear()
                self._erasures_seen = erasures

    def _document(self, kid: str) -> dict[str, Any] | None:
        with self._cache_lock:
            cached = self._cache.get(kid)
        if cached is not None:
            return cached
        document = self._table.get(kid)
        if document is not None:  # a key not known yet is looked up again next time
            with self._cache_lock:
                if len(self._cache) >= CACHE_LIMIT:
                    self._cache.clear()
                self._cache[kid] = document
        return document

    def _forget(self, kid: str) -> None:
        with self._cache_lock:
            self._cache.pop(kid, None)

    def sealing_key(self, kid: str, tenant: str) -> bytes | None:
        """The service's key for a person, made on first use; None once they are erased."""
        document = self._document(kid)
        if document is None:
            key = os.urandom(KEY_BYTES)
            made = {"_id": kid, "owner": self.owner, "tenant": tenant, "state": ACTIVE,
                    "key": self._wrap(kid, key), "at": utc_now()}  # fmt: skip
            if self._table.insert(made):
                self._table.queue(kid, ACTIVE)
                return key
            document = self._document(kid)  # another process made it first
        return self._unwrap(document)

    def opening_key(self, kid: str) -> bytes | None:
        """The key of a person (this service's or one learnt), None if erased or unknown."""
        return self._unwrap(self._document(kid))

    def known(self, kid: str) -> bool:
        """Whether the key is known here, active or erased."""
        return self._document(kid) is not None

    def erased(self, kid: str) -> bool:
        """Whether the key is known to be erased."""
        document = self._document(kid)
        return document is not None and document.get("state") == ERASED

    def erase_person(self, ref: str, announce: bool = True) -> bool:
        """Destroy this service's key for a person; True when a key was destroyed now. An
        erased person stays erased: a key is never made for them again. The erasure is
        published (so that the other services destroy theirs) when `announce`, or when there
        was a key here that may have been published."""
        kid = key_id(self.owner, ref)
        self._forget(kid)
        document = self._table.get(kid)
        if document is not None and document.get("state") == ERASED:
            return False
        self._table.mark_erased(kid, self.owner, utc_now())
        self._forget(kid)
        if announce or document is not None:
            self._table.queue(kid, ERASED)
        return document is not None

    def learn(self, record: dict[str, Any]) -> None:
        """Apply a record of the subject-keys topic: a key of another service (kept unless
        erased already), or the erasure of any service's key (this service then destroys its
        own key of that person too)."""
        kid, state = str(record["kid"]), str(record["state"])
        self._forget(kid)
        if state == ERASED:
            if owner_of(kid) != self.owner and not self.erased(kid):
                self._table.mark_erased(kid, owner_of(kid), utc_now())
                self._forget(kid)
            self.erase_person(ref_of(kid), announce=False)
        elif owner_of(kid) != self.owner and state == ACTIVE and record.get("key"):
            self._table.insert({"_id": kid, "owner": owner_of(kid), "state": ACTIVE,
                                "key": record["key"], "at": utc_now()})  # fmt: skip
        with self._learnt:
            self._learnt.notify_all()

    def wait_learnt(self, timeout: float) -> None:
        """Wait until this process applies a record of the topic (or `timeout` passes): how
        the reporting worker waits for an event's keys (shared/privacy/key_arrival.py)."""
        with self._learnt:
            self._learnt.wait(timeout)

    def changes(self, limit: int = 100) -> list[tuple[dict[str, Any], str]]:
        """The topic records of this service's queued key changes, each with the state it was
        queued for (the current state of the key is what is published)."""
        records = []
        for change in self._table.queued(limit):
            kid = str(change["_id"])
            document = self._table.get(kid) or {}
            if document.get("state") == ACTIVE:
                record = {"kid": kid, "state": ACTIVE, "key": document["key"]}
            else:
                record = {"kid": kid, "state": ERASED}
            records.append((record, str(change["state"])))
        return records

    def published(self, kid: str, state: str) -> None:
        """A queued change reached the topic."""
        self._table.unqueue(kid, state)

    def _wrap(self, kid: str, key: bytes) -> str:
        return self._wrapping.seal(base64.b64encode(key).decode(), kid)

    def _unwrap(self, document: dict[str, Any] | None) -> bytes | None:
        if document is None or document.get("state") != ACTIVE or not document.get("key"):
            return None
        return base64.b64decode(self._wrapping.open(str(document["key"]), str(document["_id"])))


class MongoKeyTable(KeyTable):
    """Key documents and queued changes in two collections of the service's database; every
    read and write of a key is by `_id` (the one filter FerretDB 1.24 pushes down)."""

    def __init__(self, database: Database[Any]) -> None:
        self._keys = database[KEYS]
        self._changes = database[CHANGES]
        self._epoch = database[EPOCH]

    def get(self, kid: str) -> dict[str, Any] | None:
        return self._keys.find_one({"_id": kid})

    def insert(self, document: dict[str, Any]) -> bool:
        try:
            self._keys.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    def mark_erased(self, kid: str, owner: str, at: str) -> None:
        self._keys.update_one(
            {"_id": kid},
            {"$set": {"owner": owner, "state": ERASED, "at": at}, "$unset": {"key": ""}},
            upsert=True,
        )
        self._epoch.update_one({"_id": "erasures"}, {"$inc": {"n": 1}}, upsert=True)

    def erasures(self) -> int:
        found = self._epoch.find_one({"_id": "erasures"})
        return int(found["n"]) if found else 0

    def queue(self, kid: str, state: str) -> None:
        self._changes.replace_one({"_id": kid}, {"_id": kid, "state": state}, upsert=True)

    def queued(self, limit: int) -> list[dict[str, Any]]:
        return list(self._changes.find({}, limit=limit))  # a queue of a few, emptied at once

    def unqueue(self, kid: str, state: str) -> None:
        self._changes.delete_one({"_id": kid, "state": state})


class MemoryKeyTable(KeyTable):
    """Key documents in a dict: for unit tests and in-process tools."""

    def __init__(self) -> None:
        self._keys: dict[str, dict[str, Any]] = {}
        self._changes: dict[str, str] = {}
        self._erasures = 0
        self._lock = threading.Lock()

    def get(self, kid: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._keys.get(kid)
            return dict(found) if found is not None else None

    def insert(self, document: dict[str, Any]) -> bool:
        with self._lock:
            if document["_id"] in self._keys:
                return False
            self._keys[document["_id"]] = dict(document)
            return True

    def mark_erased(self, kid: str, owner: str, at: str) -> None:
        with self._lock:
            document = self._keys.setdefault(kid, {"_id": kid})
            document.pop("key", None)
            document.update(owner=owner, state=ERASED, at=at)
            self._erasures += 1

    def erasures(self) -> int:
        with self._lock:
            return self._erasures

    def queue(self, kid: str, state: str) -> None:
        with self._lock:
            self._changes[kid] = state

    def queued(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            return [{"_id": k, "state": s} for k, s in list(self._changes.items())[:limit]]

    def unqueue(self, kid: str, state: str) -> None:
        with self._lock:
            if self._changes.get(kid) == state:
                del self._changes[kid]
