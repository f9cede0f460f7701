"""Comparing two generations of read models (a rebuild's and the live one) by what they hold,
not by how they hold it."""

from __future__ import annotations

from typing import Any

from services.reporting.projections.paged_rows import PagedRows
from services.reporting.projections.read_models import ReadModels
from shared.projections.writes import REVISION


def contents(models: ReadModels, name: str) -> list[Any]:
    """A collection's documents; for rows kept in pages (projections/paged_rows.py), each
    owner's rows in order instead: which page a row is on and how many writes a head took
    depend on the order events arrived in, which a rebuild changes; and without the
    revision a document's conditional writes count (shared/projections/writes.py), for the
    same reason."""
    documents = [{k: v for k, v in d.items() if k != REVISION}
                 for d in models[name].find().sort("_id", 1)]  # fmt: skip
    heads = [d for d in documents if "pages" in d and "v" in d]
    if not heads:
        return documents
    paged = PagedRows(models[name], {})
    return [(head["_id"], list(paged.rows(head["_id"], head["tenant"]))) for head in heads]


def everything(models: ReadModels) -> dict[str, list[Any]]:
    """Every collection of the generation, by name without the generation prefix."""
    return {n.split("_", 1)[1]: contents(models, n.split("_", 1)[1]) for n in models.names()}
