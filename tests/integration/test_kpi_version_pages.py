"""As-of answers from KPI version pages equal the bitemporal fold over every change row, on the
real MongoDB-wire server, through the live projection (redeliveries included)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from services.reporting.domain import version_pages
from services.reporting.domain.kpi_versions import snapshot, state_as_of
from services.reporting.projections.kpis import KpiProjection, current_kpis, kpi_history
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.kpis import version_as_of

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
KPI = "kpi-nrr"


def instant(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(version: int, name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt-{version}", "type": f"mastery.kpi.{name}.v1", "tenant": "acme",
            "subject": "eng-1", "time": instant(START + timedelta(hours=version)),
            "streamversion": version, "actor": "mgr-1", "reason": "because",
            "data": {"engagement_id": "eng-1", "kpi_id": KPI, **data}}  # fmt: skip


def definition(target: float) -> dict[str, Any]:
    return {"name": "Net revenue retention", "kind": "performance", "unit": "%",
            "baseline": 90, "target": target, "direction": "increase", "weight": 100,
            "cadence": "monthly", "due_on": "2026-12-31", "description": "NRR"}  # fmt: skip


def story(revisions: int) -> list[dict[str, Any]]:
    """Proposed, aligned, revised many times; some revisions made at back-dated reviews."""
    events = [
        envelope(1, "KpiProposed", {"definition": definition(96)}),
        envelope(2, "KpiAligned", {"baseline_on": "2026-01-05", "baseline": 90}),
    ]
    for version in range(3, revisions + 3):
        target = 96 + version / 100
        data = {"definition": definition(target),
                "changes": [{"field": "target", "before": 96, "after": target}]}  # fmt: skip
        if version % 9 == 0:  # at a review held days earlier
            held = (START + timedelta(hours=version) - timedelta(days=4)).date().isoformat()
            events.append(envelope(version, "ReviewHeld", {"review_id": f"r-{version}",
                                   "held_on": held, "attendees": ["mgr-1"]}))  # fmt: skip
            data["review_id"] = f"r-{version}"
        events.append(envelope(version, "KpiRevised", data))
    return events


def test_paged_as_of_equals_the_answer_over_every_row(mongo_db):
    models = ReadModels(mongo_db, 0)
    projection = KpiProjection(models)
    projection.setup()
    events = story(150)
    pick = random.Random(5)
    for event in events:
        projection.handle(event)
        if pick.random() < 0.2:
            projection.handle(event)  # redelivered
    kpi = current_kpis(models).find_one({"_id": KPI})
    rows = list(kpi_history(models).rows(KPI, "acme"))
    assert len(rows) == 152
    counted = sum(e["count"] for e in kpi[version_pages.DIRECTORY])  # restatements included
    assert counted >= 152
    assert models["kpi_versions"].count_documents({}) == -(-counted // version_pages.PAGE_SIZE)
    span = (len(events) + 100) * 3600
    for _ in range(60):
        at = instant(START + timedelta(seconds=pick.uniform(-0.1, 1.0) * span))
        known = instant(START + timedelta(seconds=pick.uniform(-0.1, 1.0) * span))
        expected = state_as_of(rows, at, known)
        found = version_as_of(models, kpi, at, known)
        assert (snapshot(found) if found else None) == expected, (at, known)
