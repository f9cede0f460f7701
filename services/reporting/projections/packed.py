"""How the paged rows' documents (projections/paged_rows.py) and the KPIs' version pages
(projections/kpis.py) are stored: each bulky field (a page's rows, a head's directory, a
page's versions) as one BSON binary value.

Why: nothing ever filters on a field inside those lists (every read is a find by `_id`), and
FerretDB's SQLite backend reads and writes a document value by value: a page of 50 rows of
about 1.3 KB each took 12.7 ms to find and 15.1 ms to replace on FerretDB 1.24, and 3.2 and
3.6 ms with its rows as one binary (this machine, Dec 2026). MongoDB stores a binary as it
is and answers the same documents either way; its own time-series buckets keep their
columns as binary too. The plain fields (`_id`, `tenant`, `owner`, `v`) stay queryable: the
writes' version conditions and the tenant check read them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import bson
from bson.codec_options import CodecOptions

from services.reporting.projections.read_models import OpenedCollection

PACKED = ("rows", "pages")  # the paged rows' fields


def pack(
    document: Mapping[str, Any], options: CodecOptions[Any], fields: Sequence[str] = PACKED
) -> dict[str, Any]:
    """The document as stored: each packed field as BSON bytes."""
    return {
        name: bson.encode({"v": value}, codec_options=options) if name in fields else value
        for name, value in document.items()
    }


def unpack(
    document: Mapping[str, Any], options: CodecOptions[Any], fields: Sequence[str] = PACKED
) -> dict[str, Any]:
    """The document as stored, with each packed field decoded again."""
    return {
        name: bson.decode(value, codec_options=options)["v"]
        if name in fields and isinstance(value, bytes)
        else value
        for name, value in document.items()
    }


class PackedCollection:
    """A collection whose `fields` are stored packed: it packs on the way in and unpacks on
    the way out, and offers the calls its writers and readers make (find_one, insert_one,
    replace_one, delete_one, create_index, and a scan of the paged rows' heads)."""

    def __init__(self, collection: Any, fields: Sequence[str] = PACKED) -> None:
        # a collection read through an opener (the queries') is opened once unpacked
        opened = isinstance(collection, OpenedCollection)
        self._opener = collection.opener if opened else None
        self.collection = collection.raw if opened else collection
        self.name = self.collection.name
        self._options = self.collection.codec_options
        self._fields = tuple(fields)

    def create_index(self, keys: Any, **kwargs: Any) -> Any:
        return self.collection.create_index(keys, **kwargs)

    def find_one(self, filter: Mapping[str, Any]) -> dict[str, Any] | None:
        document = self.collection.find_one(filter)
        return None if document is None else self._unpacked(document)

    def insert_one(self, document: Mapping[str, Any]) -> Any:
        return self.collection.insert_one(pack(document, self._options, self._fields))

    def replace_one(
        self, filter: Mapping[str, Any], document: Mapping[str, Any], upsert: bool = False
    ) -> Any:
        packed = pack(document, self._options, self._fields)
        return self.collection.replace_one(filter, packed, upsert=upsert)

    def delete_one(self, filter: Mapping[str, Any]) -> Any:
        return self.collection.delete_one(filter)

    def heads(self) -> Iterator[dict[str, Any]]:
        """Every owner's head (a scan of the collection)."""
        for head in self.collection.find({"pages": {"$exists": True}}):
            yield self._unpacked(head)

    def _unpacked(self, document: Mapping[str, Any]) -> dict[str, Any]:
        unpacked = unpack(document, self._options, self._fields)
        return unpacked if self._opener is None else self._opener.open(unpacked)
