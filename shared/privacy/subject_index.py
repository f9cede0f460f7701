"""Where a person's personal data is, for the subject-access export (README, Personal data).

Documents read and written by `_id` alone: one per person, and one per person and
engagement for the records of the other services' events (so that no document grows with a
person's whole history: a coach's reviews across hundreds of engagements):

    {_id: ref, tenant, streams: [stream ids of this service's store holding their data],
     engagements: [ids of the engagements with records of them]}
    {_id: "<ref>@<engagement id>", tenant,
     records: {<service>: [records of another service's events holding their data]}}

The write services note a stream when they seal a value of the person into it, before the
commit is stored (a stream noted whose commit then failed holds nothing of them, and the
export finds nothing in it: the index may say too much, never too little). The assessment
worker adds a record for each event of the kpi topic that holds sealed values of the person:
the event's id, type, time, engagement and those sealed values with their paths, nothing
else; adding the same record again changes nothing, so a redelivered event is harmless.
The kpi service's private fields (a session's private notes) never reach its topic: its
worker publishes their records, sealed as stored, on the services' subject-index topic
(`private_records`), which the assessment worker indexes too (`add_private`).
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pymongo.database import Database

from shared.domain.personal import is_sealed
from shared.domain.subjects import ref_of

INDEX = "subject_index"
NOTED_LIMIT = 100_000  # (ref, stream) pairs remembered as noted by a process, then forgotten


def sealed_paths(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, sealed value) of every sealed value in a value: `a.b`, `list[2].name`."""
    if isinstance(value, dict):
        if is_sealed(value):
            yield path, value
            return
        for key, item in value.items():
            yield from sealed_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from sealed_paths(item, f"{path}[{n}]")


def refs_in(parts: Iterable[Any]) -> set[str]:
    """The refs of the people whose sealed values the parts hold."""
    return {ref_of(str(sealed["sealed"])) for part in parts for _, sealed in sealed_paths(part)}


def record_of(envelope: Mapping[str, Any], ref: str, part: str = "data") -> dict[str, Any] | None:
    """What the index keeps of an event for one person: its coordinates and the person's
    sealed values in one part of it (`data`, or the stored `private` part), each with its
    path from the envelope (`data.executive.name`); None when it holds nothing of them."""
    fields = [{"path": f"{part}.{p}", "sealed": s}
              for p, s in sealed_paths(envelope.get(part) or {})
              if ref_of(str(s["sealed"])) == ref]  # fmt: skip
    if not fields:
        return None
    return {"event_id": envelope["id"], "type": envelope["type"], "time": envelope["time"],
            "engagement_id": envelope.get("subject"), "stream_id": envelope.get("streamid"),
            "fields": fields}  # fmt: skip


def private_records(envelope: Mapping[str, Any], service: str) -> list[tuple[str, dict[str, Any]]]:
    """The subject-index topic's messages for a stored event's private part: one per person
    whose sealed values it holds, keyed by the person's ref and the event id."""
    messages = []
    for ref in sorted(refs_in([envelope.get("private") or {}])):
        record = record_of(envelope, ref, "private")
        if record is not None:
            message = {"service": service, "tenant": envelope["tenant"], "subject": ref,
                       "record": record}  # fmt: skip
            messages.append((f"{ref}:{envelope['id']}", message))
    return messages


class SubjectIndex(abc.ABC):
    """The index of one service (its own streams, and records of the others' events)."""

    def __init__(self) -> None:
        self._noted: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def note_streams(self, tenant: str, stream_id: str, refs: Iterable[str]) -> None:
        """The stream is about to hold sealed values of these people."""
        for ref in refs:
            with self._lock:
                if (ref, stream_id) in self._noted:
                    continue
            self._add(ref, tenant, "streams", stream_id)
            with self._lock:
                if len(self._noted) >= NOTED_LIMIT:
                    self._noted.clear()
                self._noted.add((ref, stream_id))

    def add_records(self, envelope: Mapping[str, Any], service: str) -> int:
        """Index a published event of another service for each person it holds data of."""
        added = 0
        for ref in sorted(refs_in([envelope.get("data") or {}])):
            record = record_of(envelope, ref)
            if record is not None:
                self._add_record(ref, str(envelope["tenant"]), service, record)
                added += 1
        return added

    def add_private(self, message: Mapping[str, Any]) -> None:
        """Index a record of another service's private fields (a subject-index message)."""
        self._add_record(str(message["subject"]), str(message["tenant"]),
                         str(message["service"]), message["record"])  # fmt: skip

    def _add_record(self, ref: str, tenant: str, service: str, record: Any) -> None:
        """Records go to a document per person and engagement (bounded by that engagement's
        history, however many engagements a coach has); the person's document names it
        first, so it may name one that holds nothing yet, never miss one."""
        engagement = str(record.get("engagement_id") or "-")
        if (ref, f"@{engagement}") not in self._noted:
            self._add(ref, tenant, "engagements", engagement)
            with self._lock:
                if len(self._noted) >= NOTED_LIMIT:
                    self._noted.clear()
                self._noted.add((ref, f"@{engagement}"))
        self._add(f"{ref}@{engagement}", tenant, f"records.{service}", record)

    def entry(self, ref: str) -> dict[str, Any] | None:
        """The person's document with the records of each engagement merged in, or None:
        one read by `_id`, then one per engagement holding records of them."""
        head = self._get(ref)
        if head is None:
            return None
        records: dict[str, list[Any]] = {}
        for service, items in (head.get("records") or {}).items():  # kept whole before
            records.setdefault(service, []).extend(items)
        for engagement in head.get("engagements") or ():
            bucket = self._get(f"{ref}@{engagement}") or {}
            for service, items in (bucket.get("records") or {}).items():
                records.setdefault(service, []).extend(items)
        return {**head, "records": records}

    @abc.abstractmethod
    def _add(self, document_id: str, tenant: str, field: str, item: Any) -> None:
        """Add `item` to the set at `field` (dotted) of the document."""

    @abc.abstractmethod
    def _get(self, document_id: str) -> dict[str, Any] | None:
        """A document of the index, or None."""


class MongoSubjectIndex(SubjectIndex):
    """The index in the service's database: `$addToSet` by `_id` (upserted)."""

    def __init__(self, database: Database[Any]) -> None:
        super().__init__()
        self._documents = database[INDEX]

    def _add(self, document_id: str, tenant: str, field: str, item: Any) -> None:
        self._documents.update_one(
            {"_id": document_id},
            {"$addToSet": {field: item}, "$set": {"tenant": tenant}},
            upsert=True,
        )

    def _get(self, document_id: str) -> dict[str, Any] | None:
        return self._documents.find_one({"_id": document_id})


class MemorySubjectIndex(SubjectIndex):
    """The index in a dict: for unit tests and in-process runs."""

    def __init__(self) -> None:
        super().__init__()
        self._documents: dict[str, dict[str, Any]] = {}

    def _add(self, document_id: str, tenant: str, field: str, item: Any) -> None:
        with self._lock:
            document = self._documents.setdefault(document_id, {"_id": document_id})
            document["tenant"] = tenant
            *parents, name = field.split(".")
            target = document
            for parent in parents:
                target = target.setdefault(parent, {})
            items = target.setdefault(name, [])
            if item not in items:
                items.append(item)

    def _get(self, document_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._documents.get(document_id)
            return None if found is None else _copy(found)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
