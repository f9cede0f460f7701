"""KPI versions in pages, for as-of queries that read one document by `_id`.

Each KPI's stored rows (its changes with their snapshots and restatements: kpi_versions) are
kept in pages of PAGE_SIZE rows in stream order, and the KPI's current-state document carries
a directory of its pages: per page its earliest recorded time and its earliest and latest
effective times. "What was this KPI at T, as known at K" is the snapshot of the row with the
greatest (effective time, stream order) among those effective by T and recorded by K; the
directory rules out every page that cannot hold one (all its rows recorded after K, or all
effective after T) and orders the rest by the latest effective time (up to T) they can offer,
so the query stops as soon as no page left can beat the best row found: usually after one.

Why pages: on FerretDB 1.24 (SQLite) a range query with a sort decodes every row of the
collection, whatever its indexes; a lookup by `_id` is answered inside SQLite. On MongoDB
both are index lookups.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from services.reporting.domain.kpi_versions import latest_row

PAGE_SIZE = 64
DIRECTORY = "version_pages"
VERSIONS = "versions"  # a page's rows


def page_id(kpi_id: str, page: int) -> str:
    """The `_id` of a KPI's page."""
    return f"{kpi_id}:{page:06d}"


def add_rows(
    directory: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[tuple[int, Mapping[str, Any]]]]:
    """The directory with one change's rows (its own and its restatements, one stream
    version) counted in, and the page each row goes to; (the same directory, []) for a
    change already counted (a redelivered event)."""
    pages = [dict(entry) for entry in directory]
    if not rows or (pages and rows[0]["seq"] <= pages[-1]["last_seq"]):
        return pages, []
    placed = []
    for row in rows:
        if not pages or pages[-1]["count"] >= PAGE_SIZE:
            pages.append({"page": len(pages), "count": 0, "last_seq": 0,
                          "min_recorded": row["recorded_at"],
                          "min_effective": row["effective_from"],
                          "max_effective": row["effective_from"]})  # fmt: skip
        entry = pages[-1]
        entry["count"] += 1
        entry["last_seq"] = row["seq"]
        entry["min_recorded"] = min(entry["min_recorded"], row["recorded_at"])
        entry["min_effective"] = min(entry["min_effective"], row["effective_from"])
        entry["max_effective"] = max(entry["max_effective"], row["effective_from"])
        placed.append((entry["page"], row))
    return pages, placed


def with_row(stored: Mapping[str, Any] | None, row: Mapping[str, Any], **fields: Any) -> dict:
    """The page document with the row appended (once: a row already there is not repeated);
    a new page gets `fields`."""
    document = copy.deepcopy(dict(stored)) if stored else {**fields, VERSIONS: []}
    if all(version["_id"] != row["_id"] for version in document[VERSIONS]):
        document[VERSIONS].append(dict(row))
    return document


def find_row(
    directory: Sequence[Mapping[str, Any]],
    read_page: Callable[[int], Sequence[Mapping[str, Any]]],
    instant: str,
    known_at: str,
) -> Mapping[str, Any] | None:
    """The row answering as of `instant`, known at `known_at` (kpi_versions.latest_row over
    every page), reading only pages that may hold a better row than the best one found."""
    best: Mapping[str, Any] | None = None
    for entry in pages_to_read(directory, instant, known_at):
        if best is not None and _reach(entry, instant) < best["effective_from"]:
            break
        found = latest_row(read_page(entry["page"]), instant, known_at)
        if found is not None and (best is None or _order(found) > _order(best)):
            best = found
    return best


def pages_to_read(directory: Sequence[Mapping[str, Any]], instant: str, known_at: str) -> list:
    """Directory entries of the pages that may hold a row effective by `instant` and recorded
    by `known_at`, the latest effective time they can offer first."""
    candidates = [
        entry
        for entry in directory
        if entry["min_recorded"] <= known_at and entry["min_effective"] <= instant
    ]
    return sorted(candidates, key=lambda e: (_reach(e, instant), e["page"]), reverse=True)


def _reach(entry: Mapping[str, Any], instant: str) -> str:
    return min(str(entry.get("max_effective", instant)), instant)


def _order(row: Mapping[str, Any]) -> tuple[str, int]:
    return row["effective_from"], row["seq"]
