"""How the paged rows' documents (projections/paged_rows.py) are stored: each bulky field (a
page's rows, a head's directory) as one BSON binary value.

Why: nothing ever filters on a field inside those lists (every read is a find by `_id`), and
FerretDB's SQLite backend reads and writes a document value by value: a page of 50 rows of
about 1.3 KB each took 12.7 ms to find and 15.1 ms to replace on FerretDB 1.24, and 3.2 and
3.6 ms with its rows as one binary (this machine, Dec 2026). MongoDB stores a binary as it
is and answers the same documents either way; its own time-series buckets keep their
columns as binary too. The plain fields (`_id`, `tenant`, `owner`, `v`) stay queryable: the
writes' version conditions and the tenant check read them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import bson
from bson.codec_options import CodecOptions

PACKED = ("rows", "pages")


def pack(document: Mapping[str, Any], options: CodecOptions[Any]) -> dict[str, Any]:
    """The document as stored: each packed field as BSON bytes."""
    return {
        name: bson.encode({"v": value}, codec_options=options) if name in PACKED else value
        for name, value in document.items()
    }


def unpack(document: Mapping[str, Any], options: CodecOptions[Any]) -> dict[str, Any]:
    """The document as stored, with each packed field decoded again."""
    return {
        name: bson.decode(value, codec_options=options)["v"]
        if name in PACKED and isinstance(value, bytes)
        else value
        for name, value in document.items()
    }


class PackedCollection:
    """A collection of paged rows, packing on the way in and unpacking on the way out; it
    offers the calls PagedRows makes (find_one, insert_one, replace_one, delete_one)."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection
        self.name = collection.name
        self._options = collection.codec_options

    def find_one(self, filter: Mapping[str, Any]) -> dict[str, Any] | None:
        document = self.collection.find_one(filter)
        return None if document is None else unpack(document, self._options)

    def insert_one(self, document: Mapping[str, Any]) -> Any:
        return self.collection.insert_one(pack(document, self._options))

    def replace_one(self, filter: Mapping[str, Any], document: Mapping[str, Any]) -> Any:
        return self.collection.replace_one(filter, pack(document, self._options))

    def delete_one(self, filter: Mapping[str, Any]) -> Any:
        return self.collection.delete_one(filter)

    def heads(self) -> Iterator[dict[str, Any]]:
        """Every owner's head (a scan of the collection)."""
        for head in self.collection.find({"pages": {"$exists": True}}):
            yield unpack(head, self._options)
