"""Reporting projections as pure functions: given events, the expected documents."""

from services.reporting.domain.audit import audit_record
from services.reporting.domain.kpi_versions import history
from services.reporting.domain.kpi_views import (
    event_withheld_from_manager,
    measurement_as_of,
    withheld_from_manager,
    without_unshared_rounds,
)
from services.reporting.projections.kpis import KpiProjection, current_kpis, kpi_history
from services.reporting.queries.kpis import version_as_of
from tests.unit.catalogued import catalogued
from tests.unit.memory_collection import MemoryCollection


def history_rows(models, kpi_id: str) -> list:
    """A KPI's change rows as the history route reads them (its pages, by _id)."""
    head = models["kpi_history"].find_one({"_id": kpi_id})
    return list(kpi_history(models).rows(kpi_id, head["tenant"])) if head else []


DEFINITION = {
    "name": "NRR", "description": "", "kind": "performance", "capability": None, "unit": "%",
    "baseline": 90, "target": 96, "direction": "increase", "tolerance": 0, "weight": 100,
    "cadence": "monthly", "due_on": "2026-07-01",
}  # fmt: skip


PLAN_WIDE = ("ReviewHeld",)  # kpi events that name no KPI


def event(name: str, version: int, time: str, context: str = "kpi", schema: int = 1,
          **data) -> dict:  # fmt: skip
    kpi = {"kpi_id": "k1"} if context == "kpi" and name not in PLAN_WIDE else {}
    return catalogued({
        "id": f"evt-{version}", "type": f"mastery.{context}.{name}.v{schema}", "tenant": "acme",
        "subject": "e1", "streamid": "kpi-plan-e1", "streamversion": version, "time": time,
        "actor": "m1", "actorroles": "manager", "correlationid": "c", "hash": "h" * 64,
        "data": {"engagement_id": "e1"} | kpi | data,
    })  # fmt: skip


PROPOSED = event("KpiProposed", 1, "2026-01-05T10:00:00.000Z", definition=DEFINITION)
ALIGNED = event("KpiAligned", 2, "2026-01-20T10:00:00.000Z", baseline=90,
                baseline_on="2026-01-10", weight=100, kpi_name="NRR")  # fmt: skip
REVIEW = event("ReviewHeld", 3, "2026-03-05T10:00:00.000Z", review_id="r1", held_on="2026-03-01",
               attendees=[{"id": "m1", "name": "Dana"}])  # fmt: skip
REVISED = event(
    "KpiRevised", 4, "2026-03-06T10:00:00.000Z", review_id="r1",
    changes=[{"field": "target", "before": 96, "after": 95}],
    definition=DEFINITION | {"target": 95},
)  # fmt: skip
MEASURED = event(
    "MeasurementRecorded", 5, "2026-03-06T11:00:00.000Z", measurement_id="m1", review_id="r1",
    value=92, measured_on="2026-03-01", evidence="", source={"kind": "manual", "round_id": None},
    status="on_track", expected=92.1, kpi_name="NRR",
)  # fmt: skip


def projected(*events):
    """The read models after the events, through the live projection over collections in
    memory."""
    models = {name: MemoryCollection() for name in ("kpis", "kpi_history", "kpi_versions",
                                                   "reviews")}  # fmt: skip
    projection = KpiProjection(models)
    for envelope in events:
        projection.handle(envelope)
    return models


def project(*events):
    """The KPI's current document and its history rows (stream order) after the events."""
    models = projected(*events)
    rows = sorted(history_rows(models, "k1"), key=lambda r: r["seq"])
    return current_kpis(models).find_one({"_id": "k1"}), rows


def as_of(models, instant, known_at):
    """The KPI's version at `instant` as known at `known_at`, as the as-of query reads it."""
    return version_as_of(models, current_kpis(models).find_one({"_id": "k1"}), instant, known_at)


def test_the_current_kpi_follows_its_events():
    doc, _ = project(PROPOSED, ALIGNED, REVIEW, REVISED, MEASURED)
    assert (doc["state"], doc["baseline_on"], doc["definition"]["target"]) == (
        "aligned", "2026-01-10", 95
    )  # fmt: skip
    assert doc["status"] == "on_track" and doc["latest"]["value"] == 92
    assert doc["version"] == 5


def test_duplicates_and_replays_change_nothing():
    once, rows_once = project(PROPOSED, ALIGNED, REVISED, MEASURED)
    again, rows_again = project(PROPOSED, ALIGNED, ALIGNED, REVISED, PROPOSED, MEASURED, MEASURED)
    assert once == again and rows_once == rows_again


def test_history_rows_take_effect_at_alignment_and_at_the_review():
    _, rows = project(PROPOSED, ALIGNED, REVIEW, REVISED)
    assert [r["effective_from"] for r in rows] == [
        "2026-01-05T10:00:00.000Z", "2026-01-10T00:00:00.000Z", "2026-03-01T00:00:00.000Z"
    ]  # fmt: skip
    assert rows[2]["recorded_at"] == "2026-03-06T10:00:00.000Z"


def test_as_of_distinguishes_what_was_in_force_from_what_was_known():
    models = projected(PROPOSED, ALIGNED, REVIEW, REVISED)
    in_march_known_now = as_of(models, "2026-03-02T00:00:00.000Z", "2026-12-31T00:00:00.000Z")
    in_march_known_then = as_of(models, "2026-03-02T00:00:00.000Z", "2026-03-03T00:00:00.000Z")
    in_february = as_of(models, "2026-02-01T00:00:00.000Z", "2026-12-31T00:00:00.000Z")
    assert in_march_known_now["definition"]["target"] == 95
    assert in_march_known_then["definition"]["target"] == 96
    assert in_february["definition"]["target"] == 96
    assert as_of(models, "2026-01-01T00:00:00.000Z", "2026-12-31T00:00:00.000Z") is None


def test_validity_intervals_follow_effective_order():
    _, rows = project(PROPOSED, ALIGNED, REVIEW, REVISED)
    versions = history(rows)
    assert [v["valid_to"] for v in versions] == [
        "2026-01-10T00:00:00.000Z", "2026-03-01T00:00:00.000Z", None
    ]  # fmt: skip
    assert not any(v["superseded"] for v in versions)


def test_a_back_dated_alignment_supersedes_the_later_recorded_proposal():
    late_alignment = ALIGNED | {"data": ALIGNED["data"] | {"baseline_on": "2025-12-01"}}
    models = projected(PROPOSED, late_alignment)
    versions = history(history_rows(models, "k1"))
    assert versions[0]["superseded"] and not versions[1]["superseded"]
    in_force = as_of(models, "2026-02-01T00:00:00.000Z", "2026-12-31T00:00:00.000Z")
    assert in_force["state"] == "aligned"


def test_measurements_as_of_respect_both_times():
    doc, _ = project(PROPOSED, ALIGNED, MEASURED)
    assert measurement_as_of(doc["measurements"], "2026-03-02T00:00:00.000Z",
                             "2026-12-31T00:00:00.000Z")["value"] == 92  # fmt: skip
    assert measurement_as_of(doc["measurements"], "2026-03-02T00:00:00.000Z",
                             "2026-03-06T10:30:00.000Z") is None  # fmt: skip


def test_an_audit_record_says_who_in_which_role_why_and_before_after():
    record = audit_record(REVISED | {"reason": "market contraction"})
    who = (record["actor"], record["role"], record["reason"])
    assert who == ("m1", "manager", "market contraction")
    assert record["changes"] == [{"field": "target", "before": 96, "after": 95}]
    assert record["subject"] == "KPI 'NRR'" and record["hash"] == "h" * 64


def test_a_manager_change_is_audited_with_names_before_and_after():
    envelope = event(
        "ManagerAssigned",
        3,
        "2026-02-01T00:00:00.000Z",
        context="assessment",
        manager={"id": "m2", "name": "Morgan"},
        previous={"id": "m1", "name": "Dana"},
    )
    assert audit_record(envelope)["changes"] == [
        {"field": "manager", "before": "Dana", "after": "Morgan"}
    ]


def test_the_manager_sees_a_kpi_without_the_measurements_of_unshared_rounds():
    unshared = {"kind": "round", "round_id": "r9", "shared_with_manager": False}
    measured = {k: v for k, v in MEASURED["data"].items() if k not in ("engagement_id", "kpi_id")}
    from_round = event("MeasurementRecorded", 6, "2026-03-21T11:00:00.000Z", schema=2,
                       **measured | {"measurement_id": "m2", "value": 80, "review_id": None,
                                     "measured_on": "2026-03-20", "source": unshared,
                                     "status": "off_track"})  # fmt: skip
    doc, _ = project(PROPOSED, ALIGNED, REVIEW, REVISED, MEASURED, from_round)
    assert (doc["latest"]["value"], doc["status"]) == (80, "off_track")
    seen = without_unshared_rounds(doc)
    assert [m["value"] for m in seen["measurements"]] == [92]
    assert (seen["latest"]["value"], seen["status"], seen["trend"]) == (92, "on_track", None)
    assert event_withheld_from_manager(from_round) and not event_withheld_from_manager(MEASURED)
    assert withheld_from_manager({"kind": "round", "round_id": "r1"})  # v1: did not say
    assert not withheld_from_manager(unshared | {"shared_with_manager": True})
