"""A MongoDB collection in memory with the calls the reporting projections make, for unit
tests of projections and queries without a database."""

from __future__ import annotations

import pickle
from typing import Any

from pymongo.errors import DuplicateKeyError


class MemoryCollection:
    """The calls the projection makes, over a dict (duplicate _ids raise like MongoDB)."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}  # as bytes, as a database would: no shared objects

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        return {_id: pickle.loads(document) for _id, document in self.stored.items()}

    def create_index(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    def find_one(self, filter: dict[str, Any]) -> dict[str, Any] | None:
        found = self.stored.get(filter["_id"])
        return pickle.loads(found) if found else None

    def find(self, filter: dict[str, Any], *_args: Any) -> list[dict[str, Any]]:
        return [d for d in self.documents.values() if all(d.get(k) == v for k, v in filter.items())]

    def insert_one(self, document: dict[str, Any]) -> None:
        if document["_id"] in self.stored:
            raise DuplicateKeyError("duplicate")
        self.stored[document["_id"]] = pickle.dumps(document)

    def replace_one(self, filter: dict[str, Any], document: dict[str, Any], upsert: bool) -> None:
        self.stored[filter["_id"]] = pickle.dumps(document)
