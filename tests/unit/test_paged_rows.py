"""Ordered rows in pages (domain/row_pages.py, projections/paged_rows.py) against a sorted
list written out plainly: any insertion order, redeliveries, pages that split, a crash after
any write, and another writer slipping in before any write."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.reporting.projections.packed import unpack
from services.reporting.projections.paged_rows import HEADS_REMEMBERED, PagedRows
from tests.unit.memory_collection import MemoryCollection

VIEWS = {"manager": lambda row: not row["withheld"]}
OWNER, TENANT = "engagement-1", "acme"


def make_row(n: int, time: int, withheld: bool) -> dict[str, Any]:
    return {"_id": f"event-{n}", "key": [f"2026-01-{time:02d}", f"stream-{n % 3}", n],
            "withheld": withheld}  # fmt: skip


rows_strategy = st.lists(st.tuples(st.integers(1, 28), st.booleans()), min_size=0, max_size=60).map(
    lambda drawn: [make_row(n, time, withheld) for n, (time, withheld) in enumerate(drawn)]
)


def expected(rows: list[dict[str, Any]], view: str) -> list[dict[str, Any]]:
    """What a view shows: every distinct row in key order (the manager's without withheld)."""
    unique = {r["_id"]: r for r in rows}.values()
    shown = [r for r in unique if view == "all" or not r["withheld"]]
    return sorted(shown, key=lambda r: r["key"])


def ids(rows: Any) -> list[str]:
    return [r["_id"] for r in rows]


def unpacked(collection: MemoryCollection) -> dict[str, dict[str, Any]]:
    """The stored documents with their packed fields decoded (projections/packed.py)."""
    return {_id: unpack(d, collection.codec_options) for _id, d in collection.documents.items()}


@settings(max_examples=200, deadline=None)
@given(rows=rows_strategy, order=st.randoms(use_true_random=False),
       page_size=st.integers(2, 6), redeliver=st.integers(0, 10))  # fmt: skip
def test_any_insertion_order_reads_back_in_key_order_by_any_offset(rows, order, page_size,
                                                                   redeliver):  # fmt: skip
    paged = PagedRows(MemoryCollection(), VIEWS, page_size=page_size)
    arrivals = rows + rows[:redeliver]  # some arrive twice
    order.shuffle(arrivals)
    for row in arrivals:
        paged.add(OWNER, TENANT, row)
    for view in ("all", "manager"):
        want = expected(rows, view)
        assert ids(paged.rows(OWNER, TENANT, view)) == ids(want)
        assert paged.total(OWNER, TENANT, view) == len(want)
        for offset in range(0, len(want) + 2, 3):
            for limit in (1, 2, 5, 50):
                page, total = paged.page(OWNER, TENANT, view, offset, limit)
                assert ids(page) == ids(want[offset : offset + limit]) and total == len(want)
        for limit in (1, 3, 100):
            newest, _ = paged.newest(OWNER, TENANT, view, limit)
            assert ids(newest) == ids(list(reversed(want))[:limit])
            for skip in range(0, len(want) + 2, 2):
                older, total = paged.newest(OWNER, TENANT, view, limit, skip)
                assert ids(older) == ids(list(reversed(want))[skip : skip + limit])
                assert total == len(want)
        for since, until in (
            ("2026-01-05", "2026-01-20"),
            ("2026-01-10", None),
            (None, "2026-01-03"),
        ):
            span = [r for r in want if (since is None or r["key"][0] >= since)
                    and (until is None or r["key"][0] < until)]  # fmt: skip
            found = paged.rows(OWNER, TENANT, view, since=since and [since],
                               until=until and [until])  # fmt: skip
            assert ids(found) == ids(span)


def test_pages_stay_within_their_size_and_a_page_of_rows_is_a_few_reads_by_id():
    collection = MemoryCollection()
    paged = PagedRows(collection, VIEWS, page_size=10)
    for n in range(95):  # out of order: pages split in halves
        paged.add(OWNER, TENANT, make_row(n, 1 + n % 28, n % 4 == 0))
    stored = unpacked(collection)
    pages = [d for _id, d in stored.items() if _id != OWNER]
    assert all(5 <= len(p["rows"]) <= 10 for p in pages) and len(stored[OWNER]["pages"]) >= 10
    collection.filters.clear()
    paged.page(OWNER, TENANT, "all", 40, 10)
    # the head and the (at least half full) pages that hold ten rows, each by _id alone
    assert len(collection.filters) <= 4 and all(set(f) == {"_id"} for f in collection.filters)


def test_rows_arriving_in_order_fill_their_pages():
    collection = MemoryCollection()
    paged = PagedRows(collection, VIEWS, page_size=10)
    for n in range(95):
        paged.add(OWNER, TENANT, {**make_row(n, 1, False), "key": [f"t{n:03d}"]})
    directory = unpacked(collection)[OWNER]["pages"]
    assert [e["count"]["all"] for e in directory] == [10] * 9 + [5]
    collection.filters.clear()
    assert ids(paged.page(OWNER, TENANT, "all", 40, 10)[0]) == [f"event-{n}" for n in range(40, 50)]
    assert len(collection.filters) == 2  # the head and one page


def test_a_writer_adds_to_the_heads_it_wrote_without_reading_them_again():
    collection = MemoryCollection()
    paged = PagedRows(collection, VIEWS, page_size=10)
    paged.add(OWNER, TENANT, make_row(0, 1, False))
    collection.filters.clear()
    for n in range(1, 25):  # in order: the head's page fills and moves below it twice
        paged.add(OWNER, TENANT, {**make_row(n, 1, False), "key": [f"t{n:03d}"]})
    assert collection.filters == []  # not one read: each add started from the head it wrote
    assert paged.total(OWNER, TENANT) == 25


def test_a_remembered_head_another_writer_moved_on_is_read_again_and_no_row_is_lost():
    collection = MemoryCollection()
    ours, theirs = PagedRows(collection, VIEWS), PagedRows(collection, VIEWS)
    ours.add(OWNER, TENANT, make_row(0, 1, False))
    theirs.add(OWNER, TENANT, make_row(1, 2, False))  # ours still remembers the head at v1
    ours.add(OWNER, TENANT, make_row(2, 3, False))
    assert ids(ours.rows(OWNER, TENANT)) == ["event-0", "event-1", "event-2"]
    assert unpacked(collection)[OWNER]["v"] == 3


def test_a_writer_remembers_a_bounded_number_of_heads():
    paged = PagedRows(MemoryCollection(), VIEWS)
    for n in range(HEADS_REMEMBERED + 10):
        paged.add(f"owner-{n}", TENANT, make_row(n, 1, False))
    assert len(paged._heads) == HEADS_REMEMBERED
    assert "owner-0" not in paged._heads and f"owner-{HEADS_REMEMBERED + 9}" in paged._heads


class Intercepted(MemoryCollection):
    """Calls `before_write` ahead of each of its writes."""

    def before_write(self) -> None:
        raise NotImplementedError

    def insert_one(self, document):
        self.before_write()
        return super().insert_one(document)

    def replace_one(self, filter, document, upsert=False):
        self.before_write()
        return super().replace_one(filter, document, upsert)

    def delete_one(self, filter):
        self.before_write()
        return super().delete_one(filter)


class Crashing(Intercepted):
    """Dies (raises) at its `at`-th write, before doing it."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at, self.writes = at, 0

    def before_write(self) -> None:
        self.writes += 1
        if self.writes == self.at:
            raise ConnectionError("the worker died here")


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy, crash_at=st.integers(1, 200), page_size=st.integers(2, 5))
def test_a_crash_after_any_write_and_the_redelivery_lose_and_repeat_nothing(rows, crash_at,
                                                                            page_size):  # fmt: skip
    collection = Crashing(crash_at)
    paged = PagedRows(collection, VIEWS, page_size=page_size)
    for row in rows:
        try:
            paged.add(OWNER, TENANT, row)
        except ConnectionError:
            paged.add(OWNER, TENANT, row)  # the worker restarts; Kafka redelivers the event
    for view in ("all", "manager"):
        want = expected(rows, view)
        assert ids(paged.rows(OWNER, TENANT, view)) == ids(want)
        assert paged.total(OWNER, TENANT, view) == len(want)
        assert ids(paged.page(OWNER, TENANT, view, 1, 4)[0]) == ids(want[1:5])


class Contended(Intercepted):
    """Before each of its writes numbered in `at`, another writer adds a row of its own to
    the same owner (the rows in `others`, one per slip)."""

    def __init__(self, at: set[int], others: list[dict[str, Any]], page_size: int) -> None:
        super().__init__()
        self.at, self.writes, self.pending, self.others = at, 0, list(others), []
        self.rival = PagedRows(self, VIEWS, page_size=page_size)
        self.busy = False

    def before_write(self) -> None:
        self.writes += 1
        if self.writes in self.at and self.pending and not self.busy:
            self.busy = True  # the rival's own writes do not slip in again
            self.others.append(self.pending.pop(0))
            self.rival.add(OWNER, TENANT, self.others[-1])
            self.busy = False


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy, at=st.sets(st.integers(1, 150), min_size=1, max_size=8),
       theirs=st.lists(st.tuples(st.integers(1, 28), st.booleans()), min_size=8, max_size=8),
       page_size=st.integers(2, 5))  # fmt: skip
@example(  # the rival rewrote a splitting page after the directory counted a row not yet on it
    rows=[make_row(n, time, False) for n, time in enumerate([1, 14, 14, 1])], at={9},
    theirs=[(14, False)] * 8, page_size=3,
)  # fmt: skip
def test_other_writers_slipping_in_before_any_writes_lose_no_row(rows, at, theirs, page_size):
    others = [make_row(900 + n, time, withheld) for n, (time, withheld) in enumerate(theirs)]
    collection = Contended(at, others, page_size)
    paged = PagedRows(collection, VIEWS, page_size=page_size)
    for row in rows:
        paged.add(OWNER, TENANT, row)
    for row in collection.others:
        paged.add(OWNER, TENANT, row)  # a no-op: the rival got it in
    everything = [*rows, *collection.others]
    for view in ("all", "manager"):
        assert ids(paged.rows(OWNER, TENANT, view)) == ids(expected(everything, view))
        assert paged.total(OWNER, TENANT, view) == len(expected(everything, view))


def test_rows_and_directories_are_stored_packed_and_the_fields_writes_check_are_not():
    collection = MemoryCollection()
    paged = PagedRows(collection, VIEWS, page_size=3)
    for n in range(7):
        paged.add(OWNER, TENANT, make_row(n, 1 + n, False))
    documents = collection.documents
    assert len(documents) == 3  # two full pages moved out of the head
    for _id, document in documents.items():
        assert isinstance(document["rows"], bytes) and isinstance(document["v"], int)
    assert isinstance(documents[OWNER]["pages"], bytes) and documents[OWNER]["tenant"] == TENANT
    held = sorted(r["_id"] for d in unpacked(collection).values() for r in d["rows"])
    assert held == [f"event-{n}" for n in range(7)]


def test_owners_do_not_mix():
    paged = PagedRows(MemoryCollection(), VIEWS, page_size=3)
    for n in range(10):
        paged.add("a", TENANT, make_row(n, n + 1, False))
        paged.add("b", TENANT, make_row(100 + n, n + 1, True))
    assert ids(paged.rows("a", TENANT)) == [f"event-{n}" for n in range(10)]
    assert paged.total("b", TENANT, "manager") == 0 and paged.total("b", TENANT) == 10
    assert paged.page("nobody", TENANT, "all", 0, 10) == ([], 0)
    assert paged.page("a", "another-tenant", "all", 0, 10) == ([], 0)  # checked on the head


def newer(stored, row) -> bool:
    return row["version"] > stored["version"]


@settings(max_examples=150, deadline=None)
@given(updates=st.lists(st.tuples(st.integers(0, 12), st.integers(1, 6), st.booleans()),
                        max_size=80),
       page_size=st.integers(2, 5), crash_at=st.integers(0, 150))  # fmt: skip
def test_a_row_replaced_by_newer_versions_shows_its_newest_in_every_count(updates, page_size,
                                                                          crash_at):  # fmt: skip
    """Rows that change (an engagement's phase, a KPI's status) kept by id at a fixed key:
    whatever order the versions arrive in, and a crash anywhere, the newest one shows."""
    collection = Crashing(crash_at)
    paged = PagedRows(collection, VIEWS, page_size=page_size)
    newest: dict[str, dict[str, Any]] = {}
    for n, version, withheld in updates:
        row = {"_id": f"m{n}", "key": [f"k{n:02d}"], "version": version, "withheld": withheld}
        try:
            paged.add(OWNER, TENANT, row, supersedes=newer)
        except ConnectionError:
            paged.add(OWNER, TENANT, row, supersedes=newer)
        if row["_id"] not in newest or version > newest[row["_id"]]["version"]:
            newest[row["_id"]] = row
    want = sorted(newest.values(), key=lambda r: r["key"])
    assert list(paged.rows(OWNER, TENANT)) == want
    assert paged.total(OWNER, TENANT, "manager") == sum(not r["withheld"] for r in want)
