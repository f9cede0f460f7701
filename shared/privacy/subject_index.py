"""Where a person's personal data is, for the subject-access export (README, Personal data).

One document per person (`_id`: their ref), read and written by `_id` alone:

    {_id: ref, tenant, streams: [stream ids of this service's store holding their data],
     records: {<service>: [records of another service's published events holding it]}}

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
                self._add(ref, str(envelope["tenant"]), f"records.{service}", record)
                added += 1
        return added

    def add_private(self, message: Mapping[str, Any]) -> None:
        """Index a record of another service's private fields (a subject-index message)."""
        record = message["record"]
        self._add(str(message["subject"]), str(message["tenant"]),
                  f"records.{message['service']}", record)  # fmt: skip

    @abc.abstractmethod
    def _add(self, ref: str, tenant: str, field: str, item: Any) -> None:
        """Add `item` to the set at `field` (dotted) of the person's document."""

    @abc.abstractmethod
    def entry(self, ref: str) -> dict[str, Any] | None:
        """The person's document, or None."""


class MongoSubjectIndex(SubjectIndex):
    """The index in the service's database: `$addToSet` by `_id` (upserted)."""

    def __init__(self, database: Database[Any]) -> None:
        super().__init__()
        self._documents = database[INDEX]

    def _add(self, ref: str, tenant: str, field: str, item: Any) -> None:
        self._documents.update_one(
            {"_id": ref}, {"$addToSet": {field: item}, "$set": {"tenant": tenant}}, upsert=True
        )

    def entry(self, ref: str) -> dict[str, Any] | None:
        return self._documents.find_one({"_id": ref})


class MemorySubjectIndex(SubjectIndex):
    """The index in a dict: for unit tests and in-process runs."""

    def __init__(self) -> None:
        super().__init__()
        self._documents: dict[str, dict[str, Any]] = {}

    def _add(self, ref: str, tenant: str, field: str, item: Any) -> None:
        with self._lock:
            document = self._documents.setdefault(ref, {"_id": ref})
            document["tenant"] = tenant
            *parents, name = field.split(".")
            target = document
            for parent in parents:
                target = target.setdefault(parent, {})
            items = target.setdefault(name, [])
            if item not in items:
                items.append(item)

    def entry(self, ref: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._documents.get(ref)
            return None if found is None else _copy(found)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
