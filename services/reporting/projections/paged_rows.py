"""An owner's ordered rows in pages (domain/row_pages.py), read and written by `_id` alone.

Documents: the owner's head `{_id: <owner>, tenant, v, pages: [directory entries], rows}`,
which holds the last page's rows itself (the directory entry whose id is the owner's), and
the earlier pages `{_id: <owner>:<n>, owner, v, rows: [...]}`. Every read is a find by
`_id`: a page of rows costs the head and one or two pages, whatever the total history of
all owners, and the newest rows are the head alone.

Writes are safe against a crash at any step and against two writers on the same owner (a
tenant's rows come from every partition; two workers may hold them): the head and each page
carry a version `v`, and a write replaces a document only at the version it read, or
inserts a new one. A row added to the last page (the live path: events mostly arrive in
time order) is one write of the head; when that page is full, its lower rows go to a new
page first, then the head keeps the upper ones with the new directory, in one write. An
insert on an earlier page stores the page first, then the head; a split there stores the
row on its page first when it stays there (the page holds one row too many until the split
is done), then the new page, then the head, then the shrunk page (until then its upper rows
are out of its range and ignored), so the directory never counts a row no page holds. A
write that loses a race, or finds the page already holding its row with the head not
counting it, reads again and finishes; a redelivered row changes nothing.

A writer remembers the last heads it wrote (HEADS_REMEMBERED, most recent first) and adds
the next row of such an owner without reading its head again: the write's version condition
still guards it, so a head another writer has moved on fails it, is forgotten, and is read
again. On the live path that saves one read of every add.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.reporting.domain import row_pages
from services.reporting.domain.row_pages import ALL, Entry, Row, Supersedes, Views
from services.reporting.projections.batch import SharedBufferedCollection
from services.reporting.projections.packed import PackedCollection

MAX_ATTEMPTS = 50
HEADS_REMEMBERED = 64  # per collection; a head holds at most a page of rows


class Conflict(Exception):
    """Another writer moved the owner's documents on since they were read."""


class PagedRows:
    """The ordered rows of every owner in one collection, for one kind of row."""

    def __init__(self, collection: Any, views: Views, page_size: int = row_pages.PAGE_SIZE):
        # stored packed (projections/packed.py); a rebuild's buffer packs when it flushes
        buffered = isinstance(collection, SharedBufferedCollection)
        self._collection = collection if buffered else PackedCollection(collection)
        self._views = views
        self._page_size = page_size
        # the heads this writer stored last (not in a rebuild: its buffer holds them all)
        self._remember = not buffered
        self._heads: OrderedDict[str, Mapping[str, Any]] = OrderedDict()
        self._heads_lock = threading.Lock()

    # ------------------------------------------------------------------ writes

    def add(self, owner: str, tenant: str, row: Row, supersedes: Supersedes = None) -> None:
        """Add `row` (with `_id` and `key`) to the owner's rows once; when the owner holds a
        row of that id already, replace it if `supersedes(stored, row)` (same key)."""
        for _ in range(MAX_ATTEMPTS):
            try:
                self._add(owner, tenant, row, supersedes)
                return
            except Conflict:
                self._forget(owner)
                continue
        raise RuntimeError(f"{owner}: {MAX_ATTEMPTS} conflicting writes in a row")

    def _add(self, owner: str, tenant: str, row: Row, supersedes: Supersedes) -> None:
        head = self._remembered(owner) or self._collection.find_one({"_id": owner})
        if head is None:  # a new owner: its rows start in its head
            head = {"_id": owner, "tenant": tenant, "v": 0, "rows": [],
                    "pages": [row_pages.first_entry(owner, self._views)]}  # fmt: skip
        directory: list[Entry] = head["pages"]
        index = row_pages.locate(directory, row["key"])
        page_id = directory[index]["id"]
        page = head if page_id == owner else self._collection.find_one({"_id": page_id})
        stored = page["rows"] if page else []
        new_id = f"{owner}:{uuid.uuid4().hex[:12]}"
        plan = row_pages.plan_insert(directory, index, stored, row, self._views, new_id,
                                     self._page_size, supersedes)  # fmt: skip
        if plan is None:  # the row is there: count it in if a crash or a race left it out
            healed = row_pages.healed(directory, index, stored, self._views)
            if healed is not None:
                self._put_head(head, healed)
            return
        if page_id == owner:
            self._add_to_head(head, plan)
        elif plan.split is None:
            self._put_page(page_id, owner, page, plan.rows)
            self._put_head(head, plan.directory)
        else:
            self._split(head, page, plan, row)

    def _add_to_head(self, head: Mapping[str, Any], plan: row_pages.Insert) -> None:
        """The last page's rows live in the head: adding one is one write, and a split
        stores the lower rows on a new page, then the head with the upper ones and the
        directory in one write (the head stays the last page)."""
        if plan.split is None:
            self._put_head(head, plan.directory, plan.rows)
            return
        directory = row_pages.moved_below_head(plan.directory, plan.index, head["_id"])
        moved = {"_id": directory[plan.index]["id"], "owner": head["_id"], "v": 1,
                 "rows": plan.rows}  # fmt: skip
        self._new_page_then_head(moved, head, directory, plan.split)

    def _split(self, head: Mapping[str, Any], page: Any, plan: row_pages.Insert,
               row: Row) -> None:  # fmt: skip
        """A page before the head's overflows: a new page after it takes its upper rows."""
        page_id, new_id = head["pages"][plan.index]["id"], plan.directory[plan.index + 1]["id"]
        assert plan.split is not None
        if any(r["_id"] == row["_id"] for r in plan.rows):
            # The row stays on this page: store it there, beside the rows moving on, before
            # the directory counts it, or a writer in between would rewrite the page without it
            page = self._put_page(page_id, head["_id"], page, [*plan.rows, *plan.split])
        new_page = {"_id": new_id, "owner": head["_id"], "v": 1, "rows": plan.split}
        self._new_page_then_head(new_page, head, plan.directory)
        if page is not None and [r["_id"] for r in page["rows"]] != [r["_id"] for r in plan.rows]:
            with contextlib.suppress(Conflict):  # tidying: its upper rows are out of range
                self._put_page(page_id, head["_id"], page, plan.rows)

    def _new_page_then_head(
        self, page: Mapping[str, Any], head: Mapping[str, Any], directory: list[Entry],
        rows: Sequence[Row] | None = None,
    ) -> None:  # fmt: skip
        """Store a new page, then the head whose directory names it; the page goes again
        if the head lost a race (nothing references it)."""
        self._insert(page)
        try:
            self._put_head(head, directory, rows)
        except Conflict:
            self._collection.delete_one({"_id": page["_id"]})
            raise

    def _put_head(self, head: Mapping[str, Any], directory: list[Entry],
                  rows: Sequence[Row] | None = None) -> None:  # fmt: skip
        document = {**head, "pages": directory, "v": head["v"] + 1}
        if rows is not None:
            document["rows"] = list(rows)
        if head["v"] == 0:  # made up for a new owner: stored heads start at 1
            self._insert(document)
        else:
            self._replace(head, document)
        self._remembered_as(document)

    def _remembered(self, owner: str) -> Mapping[str, Any] | None:
        with self._heads_lock:
            head = self._heads.get(owner)
            if head is not None:
                self._heads.move_to_end(owner)
            return head

    def _remembered_as(self, head: Mapping[str, Any]) -> None:
        if not self._remember:
            return
        with self._heads_lock:
            self._heads[head["_id"]] = head
            self._heads.move_to_end(head["_id"])
            while len(self._heads) > HEADS_REMEMBERED:
                self._heads.popitem(last=False)

    def _forget(self, owner: str) -> None:
        with self._heads_lock:
            self._heads.pop(owner, None)

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
        return list(self._head(owner, tenant)["pages"])

    def total(self, owner: str, tenant: str, view: str = ALL) -> int:
        """How many of the owner's rows the view shows."""
        return row_pages.total(self.directory(owner, tenant), view)

    def page(
        self, owner: str, tenant: str, view: str, offset: int, limit: int
    ) -> tuple[list[Row], int]:
        """The view's rows at [offset, offset + limit) in key order, and how many it has."""
        head = self._head(owner, tenant)
        before, indexes = row_pages.pages_for(head["pages"], view, offset, limit)
        rows = [r for i in indexes for r in self._rows(head, i, view)]
        start = offset - before
        return rows[start : start + limit], row_pages.total(head["pages"], view)

    def newest(
        self, owner: str, tenant: str, view: str, limit: int, skip: int = 0
    ) -> tuple[list[Row], int]:
        """The view's `limit` rows before its last `skip`, newest first, and how many it has."""
        head = self._head(owner, tenant)
        after, indexes = row_pages.newest_pages(head["pages"], view, limit, skip)
        rows = [r for i in indexes for r in reversed(self._rows(head, i, view))]
        start = skip - after
        return rows[start : start + limit], row_pages.total(head["pages"], view)

    def rows(
        self, owner: str, tenant: str, view: str = ALL,
        since: Sequence[Any] | None = None, until: Sequence[Any] | None = None,
    ) -> Iterator[Row]:  # fmt: skip
        """Every row the view shows, in key order, read a page at a time; only those with a
        key from `since` (included) up to `until` (excluded) when given, reading only the
        pages whose ranges meet that span."""
        head = self._head(owner, tenant)
        directory = head["pages"]
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
            for row in self._rows(head, index, view):
                key = list(row["key"])
                if (since is None or key >= list(since)) and (until is None or key < list(until)):
                    yield row

    def held(self) -> int:
        """How many rows every owner holds: a scan of the heads, for benchmarks, tests and
        maintenance, never a route."""
        return sum(row_pages.total(head["pages"]) for head in self._collection.heads())

    def _head(self, owner: str, tenant: str) -> Mapping[str, Any]:
        """The owner's head, or an empty one (none stored, or another tenant's)."""
        head = self._collection.find_one({"_id": owner})
        return head if head and head.get("tenant") == tenant else {"_id": owner, "pages": []}

    def _rows(self, head: Mapping[str, Any], index: int, view: str) -> list[Row]:
        directory = head["pages"]
        page_id = directory[index]["id"]
        page = head if page_id == head["_id"] else self._collection.find_one({"_id": page_id})
        rows = row_pages.in_range(directory, index, page["rows"] if page else [])
        shows = self._views.get(view)
        return rows if shows is None else [r for r in rows if shows(r)]
