"""The reporting query layer, called directly over read models in memory (the story of
tests/unit/reporting_story.py projected by the real Projector): what each caller sees, the
manager-visibility rule, and the tenant in every filter. No I/O, no Flask."""

from __future__ import annotations

import pytest

from services.reporting.domain.overview_rows import overview_row
from services.reporting.projections.overview import overview_rows, tenant_owner
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries import access
from services.reporting.queries.audit import (
    AuditSelection,
    audit_page,
    audit_records,
    verify_engagement,
)
from services.reporting.queries.dashboard import engagement_dashboard
from services.reporting.queries.feedback import development_areas, engagement_feedback
from services.reporting.queries.kpis import current_kpis, kpi_history, kpis_as_of, manager_kpis
from services.reporting.queries.overview import overview, overview_dashboard
from services.reporting.queries.summary import summary
from services.reporting.queries.timeline import timeline_page
from shared.auth.tokens import Principal
from shared.domain.errors import Forbidden, NotFound
from tests.unit.memory_collection import MemoryCollection, MemoryDatabase
from tests.unit.reporting_story import projected

COACH = Principal("c2", "acme", frozenset({"coach"}))  # the coach since the story's change
MANAGER = Principal("m1", "acme", frozenset({"manager"}))
AUDITOR = Principal("u1", "acme", frozenset({"auditor"}))
OTHER_COACH = Principal("c9", "acme", frozenset({"coach"}))
FOREIGN_AUDITOR = Principal("u1", "globex", frozenset({"auditor"}))
LATER = "2999-01-01T00:00:00.000Z"


@pytest.fixture
def read():
    return projected().read()


@pytest.fixture
def engagement():
    return projected().engagement


def listening_kpi(answer):
    return next(k for k in answer["kpis"] if k["definition"]["capability"] == "listening")


def test_the_coach_sees_the_measurement_an_unshared_pulse_gave_a_kpi(read, engagement):
    kpi = listening_kpi(current_kpis(read, COACH, engagement))
    assert kpi["latest"]["source"]["kind"] == "round" and kpi["status"] == "on_track"
    as_of = listening_kpi(kpis_as_of(read, COACH, engagement, LATER, LATER))
    assert as_of["latest"]["source"]["kind"] == "round"


def test_the_manager_sees_the_kpi_as_if_that_measurement_did_not_exist(read, engagement):
    kpi = listening_kpi(current_kpis(read, MANAGER, engagement))
    assert (kpi["latest"], kpi["status"], kpi["measurements"]) == (None, None, [])
    assert listening_kpi(kpis_as_of(read, MANAGER, engagement, LATER, LATER))["latest"] is None
    [mine] = manager_kpis(read, MANAGER)["engagements"]
    assert listening_kpi(mine)["measurements"] == []


def test_the_manager_sees_only_the_rounds_shared_with_them(read, engagement):
    purposes = [r["purpose"] for r in engagement_feedback(read, MANAGER, engagement)["rounds"]]
    assert purposes == ["baseline"]
    assert len(engagement_feedback(read, COACH, engagement)["rounds"]) == 2
    assert summary(read, MANAGER, engagement)["feedback"]["results_withheld"] == 1
    assert summary(read, COACH, engagement)["feedback"]["results_withheld"] == 0


def test_the_manager_does_not_see_the_withheld_measurement_on_the_timeline_or_audit(
    read, engagement
):
    def events(caller):
        timeline = timeline_page(read, caller, engagement, 500, 0)["entries"]
        trail = audit_records(read, caller, AuditSelection(engagement=engagement))
        return [e["event"] for e in timeline], [r["event"] for r in trail]

    coach_timeline, coach_trail = events(COACH)
    assert coach_timeline.count("MeasurementRecorded") == coach_trail.count("MeasurementRecorded")
    manager_timeline, manager_trail = events(MANAGER)
    assert (
        coach_timeline.count("MeasurementRecorded")
        == manager_timeline.count("MeasurementRecorded") + 1
    )
    assert manager_trail.count("MeasurementRecorded") == manager_timeline.count(
        "MeasurementRecorded"
    )


def test_a_timeline_page_counts_every_event_and_holds_the_page(read, engagement):
    whole = timeline_page(read, COACH, engagement, 500, 0)
    page = timeline_page(read, COACH, engagement, 3, 2)
    assert page["total"] == whole["total"] == len(whole["entries"])
    assert page["entries"] == whole["entries"][2:5]


def test_someone_taking_no_part_is_refused_and_another_tenant_finds_nothing(read, engagement):
    with pytest.raises(Forbidden):
        current_kpis(read, OTHER_COACH, engagement)
    for query in (current_kpis, summary, engagement_feedback, verify_engagement):
        with pytest.raises(NotFound):
            query(read, FOREIGN_AUDITOR, engagement)
    with pytest.raises(NotFound):
        kpi_history(read, COACH, engagement, "no-such-kpi")


def test_the_audit_trail_is_tenant_wide_only_for_admin_hr_and_auditors(read, engagement):
    with pytest.raises(Forbidden):
        audit_page(read, COACH, AuditSelection(), 10, 0)
    with pytest.raises(Forbidden):
        overview(read, COACH)
    page = audit_page(read, AUDITOR, AuditSelection(), 1000, 0)
    assert {r["engagement_id"] for r in page["records"]} == {engagement}
    assert page["total"] == len(page["records"])


def test_the_overview_counts_the_callers_tenant_only(read):
    answer = overview(read, AUDITOR)
    assert answer["engagements"]["total"] == 1
    assert answer["kpis"]["aligned"] == 3
    dashboard = overview_dashboard(read, AUDITOR)
    assert [r["kpi_counts"]["not_measured"] for r in dashboard["rows"]] == [1]


def test_the_overview_dashboard_shows_the_engagements_a_page_at_a_time_newest_first():
    read = ReadModels(MemoryDatabase(), 0)  # type: ignore[arg-type]
    opened = [f"2026-03-{day:02d}T09:00:00.000Z" for day in range(1, 29)] * 2
    for number, at in enumerate(opened):
        engagement = {"_id": f"e{number:02d}", "opened_at": at, "phase": "delivery"}
        overview_rows(read).add(tenant_owner("acme"), "acme", overview_row(engagement, [], []))
    # ordered by when each was opened, then by id (two were opened at each instant)
    newest_first = sorted((f"e{n:02d}" for n in range(56)), key=lambda e: (opened[int(e[1:])], e))
    newest_first.reverse()
    shown = [overview_dashboard(read, AUDITOR, number) for number in (1, 2, 3)]
    assert [[row["_id"] for row in page["rows"]] for page in shown] == [
        newest_first[0:25], newest_first[25:50], newest_first[50:56]]  # fmt: skip
    assert [(p["first"], p["last"], p["pages"], p["total"]) for p in shown] == [
        (1, 25, 3, 56), (26, 50, 3, 56), (51, 56, 3, 56)]  # fmt: skip
    with pytest.raises(NotFound):
        overview_dashboard(read, AUDITOR, 4)
    assert overview_dashboard(read, FOREIGN_AUDITOR)["rows"] == []


def test_every_stream_the_reporting_service_received_is_intact(read, engagement):
    answer = verify_engagement(read, COACH, engagement)
    assert answer["status"] == "intact" and len(answer["streams"]) >= 3


def test_the_dashboard_shows_the_manager_the_full_rounds_shared_with_them(read, engagement):
    shown = engagement_dashboard(read, MANAGER, engagement)
    assert shown["role"] == "manager" and not shown["sees_tenant"]
    assert [r["purpose"] for r in shown["shown_rounds"]] == ["baseline"]
    assert shown["total_events"] == timeline_page(read, MANAGER, engagement, 1, 0)["total"]


def test_development_areas_are_read_within_the_engagements_tenant(read, engagement):
    assert development_areas(read, {"_id": engagement, "tenant": "acme"})
    assert development_areas(read, {"_id": engagement, "tenant": "globex"}) == []


def test_a_document_read_by_id_is_kept_only_for_its_tenant():
    collection = MemoryCollection()
    collection.insert_one({"_id": "p1", "tenant": "acme"})
    assert access.tenant_document(collection, "p1", "acme") == {"_id": "p1", "tenant": "acme"}
    assert access.tenant_document(collection, "p1", "globex") is None


# Read by a derived _id alone, the tenant checked on the answer (access.tenant_document,
# and the paged rows' head: projections/paged_rows.py).
READ_BY_ID = {
    "g0_kpi_versions",
    "g0_timeline_pages",
    "g0_overview_rows",
    "g0_audit_pages",
    "g0_received_pages",
    "g0_indexes",
    "g0_kpi_history",
    "g0_kpis",
    "g0_feedback_rounds",
    "g0_engagements",
}


def every_query(read, engagement, kpi):
    for caller in (COACH, MANAGER, AUDITOR):
        current_kpis(read, caller, engagement)
        kpis_as_of(read, caller, engagement, LATER, LATER)
        kpi_history(read, caller, engagement, kpi)
        manager_kpis(read, caller)
        timeline_page(read, caller, engagement, 10, 0)
        engagement_feedback(read, caller, engagement)
        summary(read, caller, engagement)
        engagement_dashboard(read, caller, engagement)
        list(audit_records(read, caller, AuditSelection(engagement=engagement, actor="c1")))
        audit_page(read, caller, AuditSelection(engagement=engagement, type="KpiAligned"), 5, 0)
        verify_engagement(read, caller, engagement)
    overview_dashboard(read, AUDITOR)
    audit_page(read, AUDITOR, AuditSelection(start="2000-01-01", end=LATER), 5, 0)


def test_every_query_names_the_callers_tenant_in_its_filters(read, engagement):
    database = projected().database
    for collection in database.collections.values():
        collection.filters.clear()
    every_query(read, engagement, projected().kpis[0])
    asked = {name: c.filters for name, c in database.collections.items() if c.filters}
    assert {"g0_kpis", "g0_timeline_pages", "g0_audit_pages", "g0_engagements"} <= set(asked)
    for name, filters in asked.items():
        for filter in filters:
            if name in READ_BY_ID and set(filter) == {"_id"}:
                continue
            assert filter.get("tenant") == "acme", f"{name}: {filter}"


def test_the_tenant_trail_holds_every_record_of_the_tenant_in_time_order_and_no_other(
    read, engagement
):
    whole = audit_page(read, AUDITOR, AuditSelection(), 500, 0)
    mine = audit_page(read, AUDITOR, AuditSelection(engagement=engagement), 500, 0)
    assert whole["total"] == mine["total"] == len(whole["records"]) > 10
    assert [r["id"] for r in whole["records"]] == [r["id"] for r in mine["records"]]
    order = [(r["time"], r["stream_id"], r["stream_version"]) for r in whole["records"]]
    assert order == sorted(order)
    foreign = audit_page(read, FOREIGN_AUDITOR, AuditSelection(), 500, 0)
    mine_ids = {r["id"] for r in whole["records"]}
    assert foreign["total"] > 0 and mine_ids.isdisjoint(r["id"] for r in foreign["records"])
    assert {r["engagement_id"] for r in foreign["records"]}.isdisjoint({engagement})
    # a page of the tenant's trail is its slice; a span and an actor narrow it
    assert audit_page(read, AUDITOR, AuditSelection(), 3, 2)["records"] == whole["records"][2:5]
    start = whole["records"][4]["time"]
    later = audit_page(read, AUDITOR, AuditSelection(start=start), 500, 0)["records"]
    assert later == [r for r in whole["records"] if r["time"] >= start]
    by_coach = audit_page(read, AUDITOR, AuditSelection(actor="c1"), 500, 0)
    assert by_coach["records"] == [r for r in whole["records"] if r["actor"] == "c1"]


def test_a_reassigned_engagement_leaves_the_old_managers_kpis_and_joins_the_new_ones():
    from tests.unit.api_helpers import bearer
    from tests.unit.memory_collection import MemoryDatabase
    from tests.unit.reporting_story import ok, project, told

    story, engagement, kpis = told("acme")
    change = {"id": "m2", "name": "Morgan", "reason": "reorganisation"}
    admin = bearer("a1", "acme", ["admin"])
    ok(story.assessment.put(f"{story.base}/manager", json=change, headers=admin))
    database = MemoryDatabase()
    project(database, story.all_events())
    read = ReadModels(database, 0)  # type: ignore[arg-type]
    old = Principal("m1", "acme", frozenset({"manager"}))
    new = Principal("m2", "acme", frozenset({"manager"}))
    assert manager_kpis(read, old)["engagements"] == []
    [mine] = manager_kpis(read, new)["engagements"]
    assert mine["engagement_id"] == engagement
    assert sorted(k["kpi_id"] for k in mine["kpis"]) == sorted(kpis)
    other_tenant = Principal("m2", "globex", frozenset({"manager"}))
    assert manager_kpis(read, other_tenant)["engagements"] == []


def test_the_overview_counts_kpis_projected_before_their_engagement_was_opened():
    """A rebuild may read the kpi topic before the assessment topic: the overview row is
    written when the engagement arrives, with the KPIs already there."""
    from tests.unit.memory_collection import MemoryDatabase
    from tests.unit.reporting_story import project, told

    first, _, _ = told("acme")
    second, _, _ = told("acme")
    in_order, kpis_first = MemoryDatabase(), MemoryDatabase()
    project(in_order, first.all_events() + second.all_events())
    kpi_events = [e for e in first.all_events() + second.all_events()
                  if e["type"].startswith("mastery.kpi.")]  # fmt: skip
    project(kpis_first, kpi_events + first.assessment_events() + second.assessment_events())
    answers = [overview(ReadModels(db, 0), AUDITOR) for db in (in_order, kpis_first)]  # type: ignore[arg-type]
    assert answers[0] == answers[1]
    assert answers[0]["engagements"]["total"] == 2 and answers[0]["kpis"]["aligned"] == 6
    assert answers[0]["reviews"]["held"] == 2
