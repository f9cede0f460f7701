"""Idempotent writes the projections share.

Inserts rather than upserts with $setOnInsert: FerretDB 1.24 silently drops null and
empty-array values from a $setOnInsert document (seen here), and a plain insert whose
duplicate key error is ignored means the same on MongoDB and FerretDB alike.
"""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError


def insert_once(collection: Collection[Any], document: dict[str, Any]) -> bool:
    """Insert the document unless one with its _id exists; True when it was inserted."""
    try:
        collection.insert_one(document)
        return True
    except DuplicateKeyError:
        return False
