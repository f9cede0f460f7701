"""An owner's ordered rows in pages (domain/row_pages.py), read and written by `_id` alone.

Documents: the owner's head `{_id: <owner>, tenant, v, pages: [directory entries]}` and its
pages `{_id: <owner>:<n>, owner, v, rows: [...]}`. Every read is a find by `_id`: a page of
rows costs the head and one or two pages, whatever the total history of all owners.

Writes are safe against a crash at any step and against two writers on the same owner (a
tenant's rows come from every partition; two workers may hold them): the head and each page
carry a version `v`, and a write replaces a document only at the version it read, or
inserts a new one. An insert stores its page first, then the head; a split stores the row
on its page first when it stays there (the page holds one row too many until the split is
done), then the new page, then the head, then the shrunk page (until then its upper rows
are out of its range and ignored), so the directory never counts a row no page holds. A
write that loses a race, or finds the page already holding its row with the head not
counting it, reads again and finishes; a redelivered row changes nothing.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.reporting.domain import row_pages
from services.reporting.domain.row_pages import ALL, Entry, Row, Supersedes, Views

MAX_ATTEMPTS = 50


class Conflict(Exception):
    """Another writer moved the owner's documents on since they were read."""


class PagedRows:
    """The ordered rows of every owner in one collection, for one kind of row."""

    def __init__(self, collection: Any, views: Views, page_size: int = row_pages.PAGE_SIZE):
        self._collection = collection
        self._views = views
        self._page_size = page_size

    # ------------------------------------------------------------------ writes

    def add(self, owner: str, tenant: str, row: Row, supersedes: Supersedes = None) -> None:
        """Add `row` (with `_id` and `key`) to the owner's rows once; when the owner holds a
        row of that id already, replace it if `supersedes(stored, row)` (same key)."""
        for _ in range(MAX_ATTEMPTS):
            try:
                self._add(owner, tenant, row, supersedes)
                return
            except Conflict:
                continue
        raise RuntimeError(f"{owner}: {MAX_ATTEMPTS} conflicting writes in a row")

    def _add(self, owner: str, tenant: str, row: Row, supersedes: Supersedes) -> None:
        head = self._collection.find_one({"_id": owner})
        if head is None:
            head = {"_id": owner, "tenant": tenant, "v": 0,
                    "pages": [row_pages.first_entry(f"{owner}:0", self._views)]}  # fmt: skip
        directory: list[Entry] = head["pages"]
        index = row_pages.locate(directory, row["key"])
        page = self._collection.find_one({"_id": directory[index]["id"]})
        stored = page["rows"] if page else []
        new_id = f"{owner}:{uuid.uuid4().hex[:12]}"
        plan = row_pages.plan_insert(directory, index, stored, row, self._views, new_id,
                                     self._page_size, supersedes)  # fmt: skip
        if plan is None:  # the row is there: count it in if a crash or a race left it out
            healed = row_pages.healed(directory, index, stored, self._views)
            if healed is not None:
                self._put_head(head, healed)
            return
        page_id = directory[index]["id"]
        if plan.split is None:
            self._put_page(page_id, owner, page, plan.rows)
            self._put_head(head, plan.directory)
            return
        if any(r["_id"] == row["_id"] for r in plan.rows):
            # The row stays on this page: store it there, beside the rows moving on, before
            # the directory counts it, or a writer in between would rewrite the page without it
            page = self._put_page(page_id, owner, page, [*plan.rows, *plan.split])
        self._insert({"_id": new_id, "owner": owner, "v": 1, "rows": plan.split})
        try:
            self._put_head(head, plan.directory)
        except Conflict:
            self._collection.delete_one({"_id": new_id})  # never referenced
            raise
        if page is not None and [r["_id"] for r in page["rows"]] != [r["_id"] for r in plan.rows]:
            with contextlib.suppress(Conflict):  # tidying: its upper rows are out of range
                self._put_page(page_id, owner, page, plan.rows)

    def _put_head(self, head: Mapping[str, Any], directory: list[Entry]) -> None:
        document = {**head, "pages": directory, "v": head["v"] + 1}
        if head["v"] == 0:  # made up for a new owner: stored heads start at 1
            self._insert(document)
        else:
            self._replace(head, document)

    def _put_page(self, page_id: str, owner: str, page: Mapping[str, Any] | None,
                  rows: Sequence[Row]) -> dict[str, Any]:  # fmt: skip
        """Store the page's rows (at the version read) and answer the page as stored."""
        if page is None:
            document = {"_id": page_id, "owner": owner, "v": 1, "rows": list(rows)}
            self._insert(document)
        else:
            document = {**page, "rows": list(rows), "v": page["v"] + 1}
            self._replace(page, document)
        return document

    def _insert(self, document: Mapping[str, Any]) -> None:
        try:
            self._collection.insert_one(dict(document))
        except DuplicateKeyError as exc:
            raise Conflict(document["_id"]) from exc

    def _replace(self, read: Mapping[str, Any], document: Mapping[str, Any]) -> None:
        done = self._collection.replace_one({"_id": read["_id"], "v": read["v"]}, dict(document))
        if done.matched_count != 1:
            raise Conflict(read["_id"])

    # ------------------------------------------------------------------ reads

    def directory(self, owner: str, tenant: str) -> list[Entry]:
        """The owner's directory ([] for an owner without rows, or another tenant's: the
        head is read by `_id` alone and its tenant checked on the answer)."""
        head = self._collection.find_one({"_id": owner})
        return list(head["pages"]) if head and head.get("tenant") == tenant else []

    def total(self, owner: str, tenant: str, view: str = ALL) -> int:
        """How many of the owner's rows the view shows."""
        return row_pages.total(self.directory(owner, tenant), view)

    def page(
        self, owner: str, tenant: str, view: str, offset: int, limit: int
    ) -> tuple[list[Row], int]:
        """The view's rows at [offset, offset + limit) in key order, and how many it has."""
        directory = self.directory(owner, tenant)
        before, indexes = row_pages.pages_for(directory, view, offset, limit)
        rows = [r for i in indexes for r in self._rows(directory, i, view)]
        start = offset - before
        return rows[start : start + limit], row_pages.total(directory, view)

    def newest(self, owner: str, tenant: str, view: str, limit: int) -> tuple[list[Row], int]:
        """The view's last `limit` rows, newest first, and how many it has."""
        directory = self.directory(owner, tenant)
        rows = [r for i in row_pages.newest_pages(directory, view, limit)
                for r in reversed(self._rows(directory, i, view))]  # fmt: skip
        return rows[:limit], row_pages.total(directory, view)

    def rows(
        self, owner: str, tenant: str, view: str = ALL,
        since: Sequence[Any] | None = None, until: Sequence[Any] | None = None,
    ) -> Iterator[Row]:  # fmt: skip
        """Every row the view shows, in key order, read a page at a time; only those with a
        key from `since` (included) up to `until` (excluded) when given, reading only the
        pages whose ranges meet that span."""
        directory = self.directory(owner, tenant)
        for index, entry in enumerate(directory):
            following = directory[index + 1]["first"] if index + 1 < len(directory) else None
            if since is not None and following is not None and list(following) <= list(since):
                continue  # the whole page is below the span
            if (
                until is not None
                and entry["first"] is not None
                and list(entry["first"]) >= list(until)
            ):
                return  # this page and every later one are above it
            for row in self._rows(directory, index, view):
                key = list(row["key"])
                if (since is None or key >= list(since)) and (until is None or key < list(until)):
                    yield row

    def _rows(self, directory: Sequence[Entry], index: int, view: str) -> list[Row]:
        page = self._collection.find_one({"_id": directory[index]["id"]})
        rows = row_pages.in_range(directory, index, page["rows"] if page else [])
        shows = self._views.get(view)
        return rows if shows is None else [r for r in rows if shows(r)]
