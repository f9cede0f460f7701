"""Write-behind collections for the rebuild: the projections run unchanged, but their writes
are kept in memory and stored in bulk.

Why: the rebuild fills a fresh, empty generation that nothing reads until the switch, and
per-document round trips dominate its cost (every find is a full scan on FerretDB 1.24).
Since every document of the generation is written by the rebuild itself, memory knows all of
them: a miss means "not there", and no read has to reach the database. `flush` stores what
changed with insert_many (new documents) and bulk_write of ReplaceOne (documents changed
after they were stored). The live worker keeps its per-event writes.

Only the calls the projections make are offered (a find_one by _id, insert_one, replace_one
and delete_one by _id with field conditions, update_one by _id with field conditions and
$set, create_index); anything else is an
AttributeError or NotImplementedError rather than a silent bypass of the buffer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import bson
from bson.raw_bson import RawBSONDocument
from pymongo import ReplaceOne
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.reporting.projections.packed import pack
from services.reporting.projections.read_models import ReadModels

CHUNK = 1_000
# And at most this many bytes per bulk command: pages of rows are tens of kilobytes each, and
# one command of a thousand of them outlasts a client's socket timeout on FerretDB
CHUNK_BYTES = 4 * 1024 * 1024
# Collections the projections read back while they write: their documents stay in memory.
# The others are insert-only and leave memory once stored (their _ids stay, for duplicates).
READ_BACK = frozenset({"engagements", "kpis", "kpi_versions", "reviews", "feedback_rounds",
                       "development_areas", "timeline_pages", "audit_pages",
                       "received_pages", "indexes", "kpi_history",
                       "overview_rows"})  # fmt: skip


# Written only through PagedRows (projections/paged_rows.py): their documents stay objects
PAGED = frozenset({"timeline_pages", "audit_pages", "received_pages", "indexes", "kpi_history",
                   "overview_rows"})  # fmt: skip


@dataclass(frozen=True)
class Changed:
    """What a buffered replace or delete answers, as pymongo's results do."""

    matched_count: int

    @property
    def deleted_count(self) -> int:
        return self.matched_count


class BufferedCollection:
    """One collection of a fresh generation, written behind. Documents are kept as BSON, so
    a find_one answers a fresh copy decoded exactly as the database would return it."""

    def __init__(self, collection: Collection[Any], retain: bool, chunk: int = CHUNK) -> None:
        self.collection = collection
        self.name = collection.name
        self._retain = retain
        self._chunk = chunk
        # pending ones, and all of them when retained: BSON bytes (objects in the subclass)
        self._documents: dict[Any, Any] = {}
        self._known: set[Any] = set()  # every _id written, stored or not
        self._stored: set[Any] = set()  # the _ids the database holds
        # the _ids whose latest version is not stored yet, in write order (a dict: ordered)
        self._dirty: dict[Any, None] = {}

    @property
    def codec_options(self) -> Any:
        """The collection's, so a writer encoding fields itself encodes them alike."""
        return self.collection.codec_options

    def create_index(self, keys: Any, **kwargs: Any) -> str:
        """Passed through: indexes are set up before the replay starts."""
        return self.collection.create_index(keys, **kwargs)

    def find_one(self, filter: Mapping[str, Any]) -> dict[str, Any] | None:
        """The document with this _id (and these field values), or None."""
        _id = _id_of(filter)
        if _id not in self._known:
            return None  # the generation started empty: unknown means absent
        if _id not in self._documents:  # stored and evicted: only insert-only collections
            return cast("dict[str, Any] | None", self.collection.find_one(filter))
        document = self._decode(self._documents[_id])
        return document if _matches(document, filter) else None

    def insert_one(self, document: Mapping[str, Any]) -> None:
        """Buffer a new document; a known _id raises DuplicateKeyError, as the server does."""
        if "_id" not in document:
            raise NotImplementedError("the buffer needs documents with an _id")
        if document["_id"] in self._known:
            raise DuplicateKeyError(f"E11000 duplicate key error: _id {document['_id']!r}")
        self._put(document["_id"], document)

    def replace_one(
        self, filter: Mapping[str, Any], replacement: Mapping[str, Any], upsert: bool = False
    ) -> Changed:
        """Replace the document with this _id and these field values (inserting it when
        upsert and there is none with this _id)."""
        _id = _id_of(filter)
        current = self.find_one(filter)
        if current is not None or (upsert and _id not in self._known):
            self._put(_id, {**replacement, "_id": _id})
        return Changed(int(current is not None))

    def delete_one(self, filter: Mapping[str, Any]) -> Changed:
        """Delete the document with this _id (and these field values)."""
        current = self.find_one(filter)
        if current is None:
            return Changed(0)
        _id = current["_id"]
        self._known.discard(_id)
        self._documents.pop(_id, None)
        self._dirty.pop(_id, None)
        if _id in self._stored:
            self.collection.delete_one({"_id": _id})
            self._stored.discard(_id)
        return Changed(1)

    def update_one(self, filter: Mapping[str, Any], update: Mapping[str, Any]) -> None:
        """Apply a top-level $set to the document with this _id when the filter matches."""
        if set(update) != {"$set"} or any("." in key for key in update["$set"]):
            raise NotImplementedError(f"update_one with a top-level $set only, not {update}")
        current = self.find_one({"_id": _id_of(filter)})
        if current is not None and _matches(current, filter):
            self._put(current["_id"], current | dict(update["$set"]))

    def flush(self) -> int:
        """Store every pending change; returns how many documents were written."""
        encoded = {i: self._encoded(i) for i in self._dirty}
        new = [i for i in self._dirty if i not in self._stored]
        changed = [i for i in self._dirty if i in self._stored]
        for part in _chunks(new, self._chunk, lambda i: len(encoded[i])):
            self.collection.insert_many([RawBSONDocument(encoded[i]) for i in part],
                                        ordered=False)  # fmt: skip
        for part in _chunks(changed, self._chunk, lambda i: len(encoded[i])):
            requests: list[ReplaceOne[Any]] = [
                ReplaceOne({"_id": i}, RawBSONDocument(encoded[i]), upsert=True) for i in part
            ]
            self.collection.bulk_write(requests, ordered=False)
        self._stored.update(self._dirty)
        self._dirty.clear()
        if not self._retain:
            self._documents.clear()
        return len(new) + len(changed)

    def _put(self, _id: Any, document: Mapping[str, Any]) -> None:
        self._documents[_id] = bson.encode(document, codec_options=self.collection.codec_options)
        self._known.add(_id)
        self._dirty[_id] = None

    def _encoded(self, _id: Any) -> bytes:
        """The document's bytes as stored: pymongo sends them as a RawBSONDocument, without
        encoding them again."""
        return cast(bytes, self._documents[_id])

    def _decode(self, data: bytes) -> dict[str, Any]:
        return bson.decode(data, codec_options=self.collection.codec_options)


class SharedBufferedCollection(BufferedCollection):
    """A buffered collection whose documents stay Python objects until the flush encodes
    them once, packed as PagedRows stores them (projections/packed.py): for the paged rows
    (projections/paged_rows.py), which never change a document they read but build a new
    one, so a find_one may hand out the stored object itself. Kept as BSON, a page of rows
    would be decoded and encoded again on every row added to it."""

    def find_one(self, filter: Mapping[str, Any]) -> dict[str, Any] | None:
        _id = _id_of(filter)
        document = self._documents.get(_id) if _id in self._known else None
        return document if document is not None and _matches(document, filter) else None

    def _put(self, _id: Any, document: Mapping[str, Any]) -> None:
        self._documents[_id] = {**document, "_id": _id}
        self._known.add(_id)
        self._dirty[_id] = None

    def _encoded(self, _id: Any) -> bytes:
        options = self.collection.codec_options
        return bson.encode(pack(self._documents[_id], options), codec_options=options)


class BufferedReadModels(ReadModels):
    """A generation whose collections are written behind; `flush` stores them all."""

    def __init__(self, database: Database[Any], generation: int, chunk: int = CHUNK) -> None:
        super().__init__(database, generation)
        self._chunk = chunk
        self.buffers: dict[str, BufferedCollection] = {}

    def __getitem__(self, name: str) -> Collection[Any]:
        """The same buffer for every caller of a name; typed as a Collection because the
        projections take one (it offers only the methods they call)."""
        if name not in self.buffers:
            collection = super().__getitem__(name)
            kind = SharedBufferedCollection if name in PAGED else BufferedCollection
            self.buffers[name] = kind(collection, name in READ_BACK, self._chunk)
        return cast("Collection[Any]", self.buffers[name])

    def flush(self) -> int:
        """Store every collection's pending changes; returns how many documents were written."""
        return sum(buffer.flush() for buffer in self.buffers.values())


def _id_of(filter: Mapping[str, Any]) -> Any:
    if "_id" not in filter or isinstance(filter["_id"], Mapping):
        raise NotImplementedError(f"the buffer finds by _id equality only, not {dict(filter)}")
    return filter["_id"]


def _matches(document: Mapping[str, Any], filter: Mapping[str, Any]) -> bool:
    """Top-level equality and $lt, the only conditions the projections use."""
    for field, condition in filter.items():
        if "." in field:
            raise NotImplementedError(f"no dotted fields in buffered filters: {field}")
        if isinstance(condition, Mapping) and any(key.startswith("$") for key in condition):
            if set(condition) != {"$lt"}:
                raise NotImplementedError(f"only $lt is supported, not {dict(condition)}")
            if field not in document or not document[field] < condition["$lt"]:
                return False
        elif field not in document or document[field] != condition:
            return False
    return True


def _chunks(
    items: list[Any], size: int, weight: Callable[[Any], int], limit: int = CHUNK_BYTES
) -> Iterator[list[Any]]:
    """Consecutive parts of at most `size` items and `limit` bytes (an item bigger than the
    limit goes alone)."""
    part: list[Any] = []
    held = 0
    for item in items:
        bytes_ = weight(item)
        if part and (len(part) >= size or held + bytes_ > limit):
            yield part
            part, held = [], 0
        part.append(item)
        held += bytes_
    if part:
        yield part
