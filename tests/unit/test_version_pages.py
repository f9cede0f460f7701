"""KPI version pages: the as-of answer read from pages equals the one over every row."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.reporting.domain import version_pages as vp
from services.reporting.domain.kpi_views import as_of

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
        directory, page = vp.add_version(directory, r)
        assert page is not None
        pages[page] = vp.with_row(pages.get(page), r, kpi_id="k")
    return directory, pages


def paged_as_of(directory, pages, instant, known_at) -> tuple[dict | None, int]:
    read = 0
    for page in vp.pages_to_read(directory, instant, known_at):
        read += 1
        found = as_of(pages[page]["versions"], instant, known_at)
        if found is not None:
            return dict(found), read
    return None, read


def test_pages_fill_up_to_the_page_size_in_stream_order():
    directory, pages = paged([row(n, n, n) for n in range(1, vp.PAGE_SIZE * 2 + 2)])
    assert [e["count"] for e in directory] == [vp.PAGE_SIZE, vp.PAGE_SIZE, 1]
    assert next(v["seq"] for v in pages[1]["versions"]) == vp.PAGE_SIZE + 1


def test_a_redelivered_version_is_counted_and_stored_once():
    first = row(1, 1, 1)
    directory, _page = vp.add_version([], first)
    document = vp.with_row(None, first, kpi_id="k")
    again, none = vp.add_version(directory, first)
    assert none is None and again == directory
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
        effective = recorded - (pick.uniform(0, 200) if pick.random() < 0.2 else 0)  # late
        rows.append(row(seq, effective, recorded))
    directory, pages = paged(rows)
    reads = []
    for _ in range(300):
        instant, known_at = at(pick.uniform(-10, 420)), at(pick.uniform(-10, 420))
        expected = as_of(rows, instant, known_at)
        found, read = paged_as_of(directory, pages, instant, known_at)
        assert found == (dict(expected) if expected else None)
        reads.append(read)
    if seed % 4:  # recorded times grow with the stream: never more than two pages
        assert max(reads) <= 2
