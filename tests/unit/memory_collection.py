"""A MongoDB collection and database in memory with the calls the reporting projections and
queries make, for unit tests of projections, queries and routes without a database.

Filters: equality (dotted keys too), `$in`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$or`;
`find` answers a cursor with `sort`, `skip` and `limit`; projections of included or excluded
fields; `count_documents`; `update_one` with `$set` and `$inc` (an `_id` upsert too),
answering the counts; `replace_one` and `delete_one` with any filter of the subset, answering
`matched_count`; `aggregate` with `$match` and a `$group`
counting with `$sum: 1`. Every filter a caller sends is kept in `filters`, so a test can check
what the queries asked."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bson.codec_options import DEFAULT_CODEC_OPTIONS
from pymongo.errors import DuplicateKeyError

from services.reporting.projections.batch import Changed

MISSING = object()


def _value(document: Mapping[str, Any], key: str) -> Any:
    found: Any = document
    for part in key.split("."):
        if not isinstance(found, Mapping) or part not in found:
            return MISSING
        found = found[part]
    return found


def _compare(found: Any, op: str, wanted: Any) -> bool:
    if op == "$ne":
        return (None if found is MISSING else found) != wanted
    if op == "$in":
        return (None if found is MISSING else found) in wanted
    if found is MISSING or found is None:
        return False
    return {"$gt": found > wanted, "$gte": found >= wanted, "$lt": found < wanted,
            "$lte": found <= wanted}[op]  # fmt: skip


def matches(document: Mapping[str, Any], filter: Mapping[str, Any]) -> bool:
    """Whether the document matches a MongoDB filter of the supported subset."""
    for key, wanted in filter.items():
        if key == "$or":
            if not any(matches(document, alternative) for alternative in wanted):
                return False
            continue
        found = _value(document, key)
        if isinstance(wanted, Mapping) and wanted and all(k.startswith("$") for k in wanted):
            if not all(_compare(found, op, value) for op, value in wanted.items()):
                return False
        elif (None if found is MISSING else found) != wanted:
            return False
    return True


def projected(document: dict[str, Any], projection: Mapping[str, Any] | None) -> dict[str, Any]:
    """The document with only the included fields (and _id), or without the excluded ones."""
    if not projection:
        return document
    shown = {k: v for k, v in projection.items() if k != "_id"}
    if shown and all(shown.values()):
        kept = {k: document[k] for k in shown if k in document}
        return {"_id": document["_id"], **kept} if projection.get("_id", 1) else kept
    hidden = {k for k, v in projection.items() if not v}
    return {k: v for k, v in document.items() if k not in hidden}


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, "") if value is MISSING or value is None else (1, value)


class MemoryCursor(list):  # type: ignore[type-arg]
    """The found documents, sorted, skipped and limited like a pymongo cursor."""

    def sort(self, key: Any, direction: int = 1) -> MemoryCursor:
        keys = [(key, direction)] if isinstance(key, str) else list(key)
        ordered = list(self)
        for name, way in reversed(keys):
            ordered.sort(key=lambda d, n=name: _sort_key(_value(d, n)), reverse=way < 0)
        return MemoryCursor(ordered)

    def skip(self, count: int) -> MemoryCursor:
        return MemoryCursor(self[count:])

    def limit(self, count: int) -> MemoryCursor:
        return MemoryCursor(self[:count] if count else self)


class MemoryCollection:
    """The calls the projections and queries make, over a dict (duplicate _ids raise like
    MongoDB)."""

    codec_options = DEFAULT_CODEC_OPTIONS

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.stored: dict[str, bytes] = {}  # as bytes, as a database would: no shared objects
        self.filters: list[dict[str, Any]] = []

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        return {_id: pickle.loads(document) for _id, document in self.stored.items()}

    def create_index(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    def _matching(self, filter: Mapping[str, Any]) -> list[dict[str, Any]]:
        self.filters.append(dict(filter))
        if set(filter) == {"_id"} and isinstance(filter["_id"], str):
            found = self.stored.get(filter["_id"])
            return [pickle.loads(found)] if found else []
        return [d for d in self.documents.values() if matches(d, filter)]

    def find_one(
        self, filter: dict[str, Any], projection: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        found = self._matching(filter)
        return projected(found[0], projection) if found else None

    def find(
        self, filter: dict[str, Any] | None = None, projection: Mapping[str, Any] | None = None
    ) -> MemoryCursor:
        return MemoryCursor(projected(d, projection) for d in self._matching(filter or {}))

    def count_documents(self, filter: dict[str, Any]) -> int:
        return len(self._matching(filter))

    def aggregate(self, pipeline: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """$match, then $group by one field with a count (`{"$sum": 1}`)."""
        stages = list(pipeline)
        assert [next(iter(s)) for s in stages] == ["$match", "$group"], stages
        group = stages[1]["$group"]
        by = group["_id"].removeprefix("$")
        name = next(k for k in group if k != "_id")
        counts: dict[Any, int] = {}
        for document in self._matching(stages[0]["$match"]):
            key = _value(document, by)
            key = None if key is MISSING else key
            counts[key] = counts.get(key, 0) + 1
        return [{"_id": key, name: count} for key, count in counts.items()]

    def insert_one(self, document: dict[str, Any]) -> None:
        if document["_id"] in self.stored:
            raise DuplicateKeyError("duplicate")
        self.stored[document["_id"]] = pickle.dumps(document)

    def replace_one(
        self, filter: dict[str, Any], document: dict[str, Any], upsert: bool = False
    ) -> Changed:
        found = self.stored.get(filter["_id"])
        matched = found is not None and matches(pickle.loads(found), filter)
        if matched or (upsert and found is None):
            self.stored[filter["_id"]] = pickle.dumps({**document, "_id": filter["_id"]})
        return Changed(int(matched))

    def delete_one(self, filter: dict[str, Any]) -> Changed:
        found = self._matching(filter)[:1]
        for document in found:
            del self.stored[document["_id"]]
        return Changed(len(found))

    def update_one(
        self, filter: dict[str, Any], update: Mapping[str, Any], upsert: bool = False
    ) -> Updated:
        found = self._matching(filter)[:1]
        if not found and upsert and isinstance(filter.get("_id"), str):
            found = [{"_id": filter["_id"]}]
        for document in found:
            before = pickle.dumps(document)
            document.update(update.get("$set", {}))
            for field, step in update.get("$inc", {}).items():
                document[field] = document.get(field, 0) + step
            self.stored[document["_id"]] = pickle.dumps(document)
            return Updated(1, int(pickle.dumps(document) != before))
        return Updated(0, 0)


@dataclass(frozen=True)
class Updated:
    """What pymongo's UpdateResult tells: how many matched, how many changed."""

    matched_count: int
    modified_count: int


class MemoryDatabase:
    """A database of MemoryCollections, created on first use, as pymongo's are."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.collections: dict[str, MemoryCollection] = {}

    def __getitem__(self, name: str) -> MemoryCollection:
        return self.collections.setdefault(name, MemoryCollection())

    def list_collection_names(self) -> list[str]:
        return sorted(self.collections)


class Interleaved(MemoryCollection):
    """Runs `after_read` (once) right after a find_one: what the reader got is then stale,
    as when another writer slips in between a read and the write it decides."""

    after_read: Any = None

    def find_one(
        self, filter: dict[str, Any], projection: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        found = super().find_one(filter, projection)
        hook, self.after_read = self.after_read, None
        if hook is not None:
            hook()
        return found
