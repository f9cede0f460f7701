"""Two reporting workers on one KPI (a partition moving between them mid-stream: the old
owner still finishing a batch the new one already handles) never lose a change: a writer
whose read went stale while the other wrote fails its write and, retried as the consumer
runner retries a ConcurrencyConflict, finds the change applied."""

from __future__ import annotations

import pytest

from services.reporting.projections.kpis import KpiProjection, current_kpis, version_pages_of
from shared.domain.errors import ConcurrencyConflict
from tests.unit.memory_collection import Interleaved
from tests.unit.test_kpi_bitemporal import DEFINITION, KPI, Story, propose_and_align, revise


def models() -> dict:
    names = ["kpis", "kpi_history", "kpi_versions", "reviews"]
    return {name: Interleaved() for name in names}


def story() -> Story:
    told = Story()
    propose_and_align(told, align_after=2, aligned_days_before=0)
    told.clock += 24
    revise(told, {"target": 210}, held_days_before=None)
    told.clock += 24
    revise(told, {"target": 220}, held_days_before=None)
    return told


def target(shared: dict) -> int:
    return current_kpis(shared).find_one({"_id": KPI})["definition"]["target"]


@pytest.mark.parametrize("stale", ["kpis", "kpi_versions"])
def test_a_stale_writer_loses_its_race_and_its_retry_changes_nothing(stale):
    shared, told = models(), story()
    old_owner, new_owner = KpiProjection(shared), KpiProjection(shared)
    proposed, aligned, first, second = told.events
    for event in (proposed, aligned):
        old_owner.handle(event)

    def the_new_owner_moves_on():
        new_owner.handle(first)
        new_owner.handle(second)

    shared[stale].after_read = the_new_owner_moves_on  # the old owner's next read goes stale
    with pytest.raises(ConcurrencyConflict):
        old_owner.handle(first)
    old_owner.handle(first)  # the runner's retry: the change is there already
    assert target(shared) == 220 == DEFINITION["target"] + 20
    pages = version_pages_of(shared)
    rows = [r["_id"] for p in pages.collection.documents.values()
            for r in pages._unpacked(p)["versions"]]  # fmt: skip
    assert sorted(rows) == ["evt-1", "evt-2", "evt-2@2026-07-01T09:00:00.000Z", "evt-3", "evt-4"]
