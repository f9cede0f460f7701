"""Where the read models live: one set of collections per generation, and a pointer to the
active one. A rebuild fills a fresh generation, then moves the pointer in one write, so
queries keep answering from the old generation until the new one is complete."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

from shared.privacy.sealing import Opener

POINTER = "read_model_pointer"
ACTIVE = "active"
# The events exactly as received (re-hashed by verify, exported as stored): never opened
AS_RECEIVED = "received_pages"


class ReadModels:
    """The collections of one generation of read models. With an `opener` (the queries'),
    every document read comes with its personal values opened, or read as erased
    (README, Privacy); the projections write without one."""

    def __init__(
        self, database: Database[Any], generation: int, opener: Opener | None = None
    ) -> None:
        self.database = database
        self.generation = generation
        self.opener = opener

    @classmethod
    def active(cls, database: Database[Any], opener: Opener | None = None) -> ReadModels:
        """The generation queries read (0 until a rebuild switches)."""
        pointer = database[POINTER].find_one({"_id": ACTIVE})
        return cls(database, int(pointer["generation"]) if pointer else 0, opener)

    def __getitem__(self, name: str) -> Collection[Any]:
        collection = self.database[f"g{self.generation}_{name}"]
        if self.opener is None or name == AS_RECEIVED:
            return collection
        return OpenedCollection(collection, self.opener)  # type: ignore[return-value]

    def names(self) -> list[str]:
        """Every collection of this generation."""
        prefix = f"g{self.generation}_"
        return sorted(n for n in self.database.list_collection_names() if n.startswith(prefix))


def switch_to(database: Database[Any], generation: int, offsets: list[dict[str, Any]]) -> None:
    """Make `generation` the active one; `offsets` ({topic, partition, offset}: the next
    offset) tell the live worker where the rebuild stopped, so it re-applies what came after
    into it. (A list, not a mapping: topic names contain dots, which keys may not.)"""
    database[POINTER].replace_one(
        {"_id": ACTIVE}, {"_id": ACTIVE, "generation": generation, "offsets": offsets}, upsert=True
    )


def pointer(database: Database[Any]) -> dict[str, Any]:
    """The pointer document (generation 0, no offsets, before any rebuild)."""
    return database[POINTER].find_one({"_id": ACTIVE}) or {"generation": 0, "offsets": []}


class OpenedCollection:
    """A collection read through an opener: `find_one` and `find` answer opened documents."""

    def __init__(self, collection: Collection[Any], opener: Opener) -> None:
        self.raw = collection  # for a reader that decodes first (projections/packed.py)
        self.opener = opener

    def find_one(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        found = self.raw.find_one(*args, **kwargs)
        return None if found is None else self.opener.open(found)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        return (self.opener.open(d) for d in self.raw.find(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)
