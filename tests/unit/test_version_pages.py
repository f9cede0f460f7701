"""KPI version pages: the as-of answer read from pages equals the one over every row."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.reporting.domain import version_pages as vp
from services.reporting.domain.kpi_versions import latest_row as as_of

START = datetime(2026, 1, 1, tzinfo=UTC)


def at(hours: float) -> str:
    moment = START + timedelta(hours=hours)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def row(seq: int, effective: float, recorded: float) -> dict:
    return {"_id": f"evt-{seq}", "seq": seq, "effective_from": at(effective),
            "recorded_at": at(recorded), "state": "aligned"}  # fmt: skip


def paged(rows: list[dict]) -> tuple[list[dict], dict[int, dict]]:
    directory: list[dict] = []
    pages: dict[int, dict] = {}
    for r in rows:
        directory, placed = vp.add_rows(directory, [r])
        [(page, _row)] = placed
        pages[page] = vp.with_row(pages.get(page), r, kpi_id="k")
    return directory, pages


def paged_as_of(directory, pages, instant, known_at) -> tuple[dict | None, int]:
    read = []

    def page(number: int) -> list[dict]:
        read.append(number)
        return pages[number]["versions"]

    found = vp.find_row(directory, page, instant, known_at)
    return (dict(found) if found else None), len(read)


def test_pages_fill_up_to_the_page_size_in_stream_order():
    directory, pages = paged([row(n, n, n) for n in range(1, vp.PAGE_SIZE * 2 + 2)])
    assert [e["count"] for e in directory] == [vp.PAGE_SIZE, vp.PAGE_SIZE, 1]
    assert next(v["seq"] for v in pages[1]["versions"]) == vp.PAGE_SIZE + 1


def test_a_redelivered_version_is_counted_and_stored_once():
    first = row(1, 1, 1)
    directory, _placed = vp.add_rows([], [first])
    document = vp.with_row(None, first, kpi_id="k")
    again, none = vp.add_rows(directory, [first])
    assert none == [] and again == directory
    assert vp.with_row(document, first)["versions"] == document["versions"]


def test_nothing_is_known_before_the_first_version():
    directory, _pages = paged([row(n, n, n) for n in range(1, 100)])
    assert vp.pages_to_read(directory, at(0.5), at(500)) == []
    assert vp.pages_to_read(directory, at(500), at(0.5)) == []


@pytest.mark.parametrize("seed", range(20))
def test_paged_answers_equal_the_answer_over_every_row(seed):
    pick = random.Random(seed)
    rows = []
    for seq in range(1, 400):
        recorded = seq + (pick.uniform(-3, 3) if seed % 4 == 0 else 0)  # some clock skew
        late = seed % 2 and pick.random() < 0.2
        effective = recorded - (pick.uniform(0, 200) if late else 0)  # recorded late
        rows.append(row(seq, effective, recorded))
    directory, pages = paged(rows)
    reads = []
    for _ in range(300):
        instant, known_at = at(pick.uniform(-10, 420)), at(pick.uniform(-10, 420))
        expected = as_of(rows, instant, known_at)
        found, read = paged_as_of(directory, pages, instant, known_at)
        assert found == (dict(expected) if expected else None)
        reads.append(read)
    if seed % 4 and not seed % 2:  # times grow with the stream, none late: at most two pages
        assert max(reads) <= 2
    else:  # a page holding late rows may hold the answer too: read, but not every page
        assert sum(reads) / len(reads) < len(directory) / 2
