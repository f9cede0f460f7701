"""Idempotent writes the projections share.

Inserts rather than upserts with $setOnInsert: FerretDB 1.24 silently drops null and
empty-array values from a $setOnInsert document (seen here), and a plain insert whose
duplicate key error is ignored means the same on MongoDB and FerretDB alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from shared.domain.errors import ConcurrencyConflict

REVISION = "_rev"  # how many times a document written by `replace_read` was stored


def insert_once(collection: Collection[Any], document: dict[str, Any]) -> bool:
    """Insert the document unless one with its _id exists; True when it was inserted."""
    try:
        collection.insert_one(document)
        return True
    except DuplicateKeyError:
        return False


def replace_read(
    collection: Any, read: Mapping[str, Any] | None, document: Mapping[str, Any]
) -> None:
    """Store `document` in place of `read`, the version of it this writer read (None: there
    was none): an insert, or a replace only while the stored one is still at `read`'s
    revision. Two writers that read the same version (two reporting workers while a partition
    moves between them) cannot both write: the second gets ConcurrencyConflict, which the
    consumer runner retries; the retry reads again and finds the event applied. A document
    stored before revisions were kept is replaced as read (its first write adds one)."""
    revision = int(read.get(REVISION, 0)) if read is not None else 0
    stored = {**document, REVISION: revision + 1}
    if read is None:
        try:
            collection.insert_one(stored)
        except DuplicateKeyError as exc:
            raise ConcurrencyConflict(f"{document['_id']} was stored by another writer") from exc
        return
    condition = {"_id": read["_id"], REVISION: read[REVISION]} if REVISION in read else {
        "_id": read["_id"]}  # fmt: skip
    if collection.replace_one(condition, stored).matched_count != 1:
        raise ConcurrencyConflict(f"{read['_id']} was changed by another writer")
