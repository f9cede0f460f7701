"""KPI versions in pages, for as-of queries that read one document by `_id`.

Each KPI's history rows (see kpi_views) are also kept in pages of PAGE_SIZE consecutive
versions (stream order), and the KPI's current-state document carries a directory of its
pages: per page the earliest recorded time and the earliest effective time in it. "What
was this KPI at T, as known at K" is the newest version effective by T and recorded by K,
so it lies in the newest page holding any version that is both; the directory rules out
every page that cannot (all its versions recorded after K, or all effective after T), and
the query reads the remaining pages newest first, usually one. With recorded times that
grow with the stream, at most two.

Why pages: on FerretDB 1.24 (SQLite) a range query with a sort decodes every row of the
collection, whatever its indexes; a lookup by `_id` is answered inside SQLite. On MongoDB
both are index lookups.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

PAGE_SIZE = 64
DIRECTORY = "version_pages"


def page_id(kpi_id: str, page: int) -> str:
    """The `_id` of a KPI's page."""
    return f"{kpi_id}:{page:06d}"


def add_version(
    directory: Sequence[Mapping[str, Any]], row: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], int | None]:
    """The directory with the row's version counted in, and the page it goes to; (the same
    directory, None) for a version already counted (a redelivered event)."""
    pages = [dict(entry) for entry in directory]
    if pages and row["seq"] <= pages[-1]["last_seq"]:
        return pages, None
    if not pages or pages[-1]["count"] >= PAGE_SIZE:
        pages.append({"page": len(pages), "count": 0, "last_seq": 0,
                      "min_recorded": row["recorded_at"],
                      "min_effective": row["effective_from"]})  # fmt: skip
    entry = pages[-1]
    entry["count"] += 1
    entry["last_seq"] = row["seq"]
    entry["min_recorded"] = min(entry["min_recorded"], row["recorded_at"])
    entry["min_effective"] = min(entry["min_effective"], row["effective_from"])
    return pages, entry["page"]


def with_row(stored: Mapping[str, Any] | None, row: Mapping[str, Any], **fields: Any) -> dict:
    """The page document with the row appended (once: a row already there is not repeated);
    a new page gets `fields`."""
    document = copy.deepcopy(dict(stored)) if stored else {**fields, "versions": []}
    if all(version["_id"] != row["_id"] for version in document["versions"]):
        document["versions"].append(dict(row))
    return document


def pages_to_read(directory: Sequence[Mapping[str, Any]], instant: str, known_at: str) -> list:
    """Pages that may hold the version in force at `instant` as known at `known_at`, newest
    first: the first of them holding any such version holds the answer."""
    return [
        entry["page"]
        for entry in reversed(directory)
        if entry["min_recorded"] <= known_at and entry["min_effective"] <= instant
    ]
