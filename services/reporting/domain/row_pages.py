"""Rows kept in order across pages, with a directory: the bucket pattern for a read model
whose rows one owner (an engagement, a tenant) accumulates without end, answered by `_id`
reads whatever the total history.

An owner's rows are sorted by their `key` (a list compared element by element, for example
[time, stream, version]) and split into pages of at most PAGE_SIZE rows. The owner's head
document holds the directory: per page its document id, the first key it covers (None for
the first page: it covers everything below the second) and how many of its rows each view
counts (`all`, and for example `manager`: the rows not withheld from the manager); the last
page's rows are kept in the head itself (its entry's id is the head's). A page covers the
keys from its `first` up to the next page's; rows a page holds outside its range are
ignored (a split moved them to the next page before this page was rewritten), so every
write leaves a readable state and a retry finishes the job.

This module is the arithmetic, without I/O: where a key goes, what an insert writes, which
pages an offset needs. projections/paged_rows.py reads and writes the documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PAGE_SIZE = 50
ALL = "all"

Row = Mapping[str, Any]
Entry = dict[str, Any]
# What the directory counts per page: each view's rows (a predicate), or a sum over them (a
# measure answering a number, for example a row's reviews held on time)
Views = Mapping[str, Callable[[Row], bool | int]]


def first_entry(page_id: str, views: Views) -> Entry:
    """The directory entry of an owner's first page (empty)."""
    return {"id": page_id, "first": None, "count": {name: 0 for name in (ALL, *views)}}


def locate(directory: Sequence[Entry], key: Sequence[Any]) -> int:
    """The index of the page whose range holds `key`."""
    found = 0
    for index, entry in enumerate(directory):
        if entry["first"] is None or list(entry["first"]) <= list(key):
            found = index
        else:
            break
    return found


def in_range(directory: Sequence[Entry], index: int, rows: Sequence[Row]) -> list[Row]:
    """The rows of page `index` that its range covers, in key order."""
    low = directory[index]["first"]
    high = directory[index + 1]["first"] if index + 1 < len(directory) else None
    kept = [r for r in rows if (low is None or list(r["key"]) >= list(low))
            and (high is None or list(r["key"]) < list(high))]  # fmt: skip
    return sorted(kept, key=lambda r: list(r["key"]))


def counts(rows: Sequence[Row], views: Views) -> dict[str, int]:
    """How many of the rows each view counts (or what its measure sums to over them)."""
    return {ALL: len(rows), **{name: sum(int(shows(r)) for r in rows)
                               for name, shows in views.items()}}  # fmt: skip


@dataclass(frozen=True)
class Insert:
    """What adding a row to page `index` writes: that page's rows and, when it overflows, a
    new page after it with the upper half (`split`); the directory as it will be."""

    index: int
    rows: list[Row]
    split: list[Row] | None
    directory: list[Entry]


# Whether a row replaces the stored row of the same id (None: a row is never replaced)
Supersedes = Callable[[Row, Row], bool] | None


def plan_insert(
    directory: Sequence[Entry],
    index: int,
    page_rows: Sequence[Row],
    row: Row,
    views: Views,
    new_page_id: str,
    page_size: int = PAGE_SIZE,
    supersedes: Supersedes = None,
) -> Insert | None:
    """The writes that add `row` to page `index` (whose stored rows are `page_rows`), or
    replace the row of its id there when `supersedes(stored, row)` (a row keeps its key);
    None when the page already holds it and it does not supersede (a redelivery), whatever
    the directory says."""
    rows = in_range(directory, index, page_rows)
    entries = [dict(e) for e in directory]
    stored = next((r for r in rows if r["_id"] == row["_id"]), None)
    if stored is not None:
        if supersedes is None or not supersedes(stored, row):
            return None
        if list(stored["key"]) != list(row["key"]):
            raise ValueError(f"row {row['_id']} cannot change its key")
        rows = [row if r["_id"] == row["_id"] else r for r in rows]
        entries[index]["count"] = counts(rows, views)
        return Insert(index, rows, None, entries)
    rows = sorted([*rows, row], key=lambda r: list(r["key"]))
    if len(rows) <= page_size:
        entries[index]["count"] = counts(rows, views)
        return Insert(index, rows, None, entries)
    # An append at the end (the live path: events mostly arrive in time order) leaves the
    # full page as it is and starts the next; anything else splits the page in halves.
    appended = index == len(entries) - 1 and rows[-1]["_id"] == row["_id"]
    half = len(rows) - 1 if appended else len(rows) // 2
    lower, upper = rows[:half], rows[half:]
    entries[index]["count"] = counts(lower, views)
    entries.insert(index + 1, {"id": new_page_id, "first": list(upper[0]["key"]),
                               "count": counts(upper, views)})  # fmt: skip
    return Insert(index, lower, upper, entries)


def moved_below_head(directory: Sequence[Entry], index: int, head_id: str) -> list[Entry]:
    """The directory after the head's page (`index`, the last) split: its lower rows go to
    the new page, which takes its place, and its upper rows stay in the head, after it."""
    entries = [dict(e) for e in directory]
    entries[index]["id"], entries[index + 1]["id"] = entries[index + 1]["id"], head_id
    return entries


def healed(
    directory: Sequence[Entry], index: int, page_rows: Sequence[Row], views: Views
) -> list[Entry] | None:
    """The directory with page `index` counted from its rows; None if it already is (a write
    that stored the page but not the directory is finished by the retry)."""
    actual = counts(in_range(directory, index, page_rows), views)
    if directory[index]["count"] == actual:
        return None
    entries = [dict(e) for e in directory]
    entries[index]["count"] = actual
    return entries


def total(directory: Sequence[Entry], view: str = ALL) -> int:
    """How many rows the view counts."""
    return sum(int(e["count"].get(view, 0)) for e in directory)


def pages_for(
    directory: Sequence[Entry], view: str, offset: int, limit: int
) -> tuple[int, list[int]]:
    """For the view's rows at [offset, offset + limit) in key order: how many of the view's
    rows come before the first page to read, and the pages to read."""
    before, covered, wanted = 0, 0, list[int]()
    for index, entry in enumerate(directory):
        size = int(entry["count"].get(view, 0))
        if not wanted and before + size <= offset:
            before += size
            continue
        if size:
            wanted.append(index)
            covered += size
        if before + covered >= offset + limit:
            break
    return before, wanted


def newest_pages(
    directory: Sequence[Entry], view: str, limit: int, skip: int = 0
) -> tuple[int, list[int]]:
    """For the view's `limit` rows before its last `skip` (newest first): how many of the
    view's rows come after the last page to read, and the pages to read, last page first."""
    wanted: list[int] = []
    after = seen = 0
    for index in range(len(directory) - 1, -1, -1):
        size = int(directory[index]["count"].get(view, 0))
        if not wanted and after + size <= skip:
            after += size
            continue
        if size:
            wanted.append(index)
            seen += size
        if after + seen >= skip + limit:
            break
    return after, wanted
