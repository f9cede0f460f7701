"""Where the read models live: one set of collections per generation, and a pointer to the
active one. A rebuild fills a fresh generation, then moves the pointer in one write, so
queries keep answering from the old generation until the new one is complete."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

POINTER = "read_model_pointer"
ACTIVE = "active"


class ReadModels:
    """The collections of one generation of read models."""

    def __init__(self, database: Database[Any], generation: int) -> None:
        self.database = database
        self.generation = generation

    @classmethod
    def active(cls, database: Database[Any]) -> ReadModels:
        """The generation queries read (0 until a rebuild switches)."""
        pointer = database[POINTER].find_one({"_id": ACTIVE})
        return cls(database, int(pointer["generation"]) if pointer else 0)

    def __getitem__(self, name: str) -> Collection[Any]:
        return self.database[f"g{self.generation}_{name}"]

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
