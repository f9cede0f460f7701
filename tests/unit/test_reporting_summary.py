"""The summary's rules (reviews on time, alignment date, status counts) and the dashboard
pages' edge: token from the header or the query string, HTML refusals, nothing logged but
the path. No I/O: every request here is refused before a read model is touched."""

import logging
import re

import pytest

from services.reporting.api.engagement_page import headline
from services.reporting.app import create_app
from services.reporting.domain.overview_rows import overview_row
from services.reporting.domain.summary_rules import (
    alignment_date,
    next_review_due,
    review_punctuality,
    status_counts,
)
from services.reporting.projections.overview import overview_rows, tenant_owner
from services.reporting.projections.read_models import ReadModels
from shared.config import ServiceConfig
from shared.resources import Resources
from tests.unit.api_helpers import bearer
from tests.unit.memory_collection import MemoryDatabase
from tests.unit.reporting_story import MemoryResources

CONFIG = ServiceConfig.from_env("reporting", env={})


def flags(reviews):
    return [(r["held_on"], r["days_since_previous"], r["on_time"]) for r in reviews]


def test_a_review_is_on_time_within_35_days_of_the_previous_one():
    reviews = review_punctuality(["2026-02-05", "2026-03-15", "2026-04-01"], "2026-01-01")
    assert flags(reviews) == [
        ("2026-02-05", 35, True),  # 35 days after the KPIs' alignment: still on time
        ("2026-03-15", 38, False),
        ("2026-04-01", 17, True),  # counted from the late review, not from when it was due
    ]


def test_the_first_review_counts_from_the_alignment_and_order_does_not_matter():
    reviews = review_punctuality(["2026-03-01", "2026-02-06"], "2026-01-01")
    assert flags(reviews) == [("2026-02-06", 36, False), ("2026-03-01", 23, True)]


def test_without_an_alignment_date_the_first_review_is_not_late():
    assert flags(review_punctuality(["2026-02-06"], None)) == [("2026-02-06", None, True)]
    assert review_punctuality([], "2026-01-01") == []


def test_the_next_review_is_due_35_days_after_the_last_one_or_the_alignment():
    assert next_review_due(["2026-02-05", "2026-01-20"], "2026-01-01") == "2026-03-12"
    assert next_review_due([], "2026-01-01") == "2026-02-05"
    assert next_review_due([], None) is None


def test_the_alignment_date_is_the_earliest_baseline_date():
    kpis = [{"baseline_on": "2026-02-01"}, {"baseline_on": None}, {"baseline_on": "2026-01-15"}]
    assert alignment_date(kpis) == "2026-01-15"
    assert alignment_date([{"baseline_on": None}]) is None


def test_status_counts_cover_aligned_kpis_only():
    kpis = [
        {"state": "aligned", "status": "on_track"},
        {"state": "aligned", "status": None},
        {"state": "aligned", "status": "at_risk"},
        {"state": "retired", "status": "off_track"},
        {"state": "proposed", "status": None},
    ]
    assert status_counts(kpis) == {"achieved": 0, "on_track": 1, "at_risk": 1, "off_track": 0,
                                   "not_measured": 1}  # fmt: skip


def test_the_headline_names_the_kpis_behind_first():
    kpis = [
        {"name": "Revenue", "state": "aligned", "status": "on_track"},
        {"name": "Attrition", "state": "aligned", "status": "at_risk"},
        {"name": "Listening", "state": "aligned", "status": "off_track"},
        {"name": "Old", "state": "retired", "status": "off_track"},
    ]
    summary = {"kpis": {"latest": kpis}, "reviews": {"held": 3, "on_time": 2, "late": 1}}
    feedback = {"compared": 4, "improved": 3, "first_purpose": "baseline"}
    assert headline(summary, feedback) == [
        {"text": "Listening is off track", "tone": "bad"},
        {"text": "Attrition is at risk", "tone": "warn"},
        {"text": "2 of 3 reviews on time", "tone": "warn"},
        {"text": "others rate 3 of 4 competencies higher than at the baseline 360",
         "tone": "good"},
    ]  # fmt: skip
    summary["kpis"]["latest"] = [*kpis[:1], {"name": "New", "state": "aligned", "status": None}]
    assert headline(summary, {}) == [
        {"text": "1 of 2 KPIs on track or achieved", "tone": "good"},
        {"text": "1 KPI not measured yet", "tone": "warn"},
        {"text": "2 of 3 reviews on time", "tone": "warn"},
    ]


@pytest.fixture
def client():
    return create_app(CONFIG, Resources(CONFIG)).test_client()


def token_of(headers):
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize("query", ["", "?access_token=not-a-token", "?access_token="])
def test_a_dashboard_without_a_valid_token_is_an_html_401(client, query):
    response = client.get(f"/engagements/e1/dashboard{query}")
    assert response.status_code == 401 and response.mimetype == "text/html"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Sign-in needed" in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_overview_page_needs_admin_hr_or_auditor(client):
    manager = token_of(bearer("m1", roles=["manager"]))
    response = client.get(f"/dashboard?access_token={manager}")
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "admin, hr, auditor" in response.get_data(as_text=True)
    response = client.get("/dashboard", headers=bearer("c1", roles=["coach"]))
    assert response.status_code == 403


def test_the_json_overview_refuses_participants_and_takes_no_query_token(client):
    for role in ("manager", "coach", "executive"):
        response = client.get("/overview", headers=bearer("p1", roles=[role]))
        assert response.status_code == 403 and response.mimetype == "application/problem+json"
    auditor = token_of(bearer("a1", roles=["auditor"]))
    assert client.get(f"/overview?access_token={auditor}").status_code == 401


def test_the_token_in_the_query_string_is_never_logged(client, caplog):
    manager = token_of(bearer("m1", roles=["manager"]))
    with caplog.at_level(logging.INFO):
        client.get(f"/dashboard?access_token={manager}")
    logged = [vars(r) for r in caplog.records if r.name == "mastery.http"]
    assert logged and logged[-1]["path"] == "/dashboard"
    assert all(manager not in str(record) for record in logged)
    assert "access_token" not in caplog.text


def test_the_overview_page_pages_through_the_engagements_and_links_each_with_the_token():
    database = MemoryDatabase()
    for number in range(30):
        opened = f"2026-03-01T09:00:{number:02d}.000Z"
        people = {role: {"id": f"{role}-{number}", "name": f"{role} {number}"}
                  for role in ("executive", "coach", "manager")}  # fmt: skip
        engagement = {
            "_id": f"e {number}",
            "opened_at": opened,
            "phase": "delivery",
            "programme": "Personal mastery",
            "start_date": "2026-03-01",
            **people,
        }
        row = overview_row(engagement, [], [])
        overview_rows(ReadModels(database, 0)).add(tenant_owner("acme"), "acme", row)
    client = create_app(CONFIG, MemoryResources(CONFIG, database)).test_client()
    auditor = token_of(bearer("u1", roles=["auditor"]))
    first = client.get(f"/dashboard?access_token={auditor}").get_data(as_text=True)
    second = client.get(f"/dashboard?page=2&access_token={auditor}").get_data(as_text=True)
    assert "(1 to 25 of 30, newest first)" in first and "(26 to 30 of 30, newest first)" in second
    assert f"/dashboard?page=2&amp;access_token={auditor}" in first and "Newer" not in first
    assert f"/dashboard?page=1&amp;access_token={auditor}" in second and "Older" not in second
    links = re.findall(r'href="/engagements/([^/"]+)/dashboard\?access_token=([^"]+)"', second)
    assert links == [(f"e%20{n}", auditor) for n in (4, 3, 2, 1, 0)]
    for query, status in (("0", 422), ("-1", 422), ("abc", 422), ("1.5", 422), ("٣", 422),
                          ("9999999", 422), ("3", 404)):  # fmt: skip
        refused = client.get(f"/dashboard?page={query}&access_token={auditor}")
        assert (refused.status_code, refused.mimetype) == (status, "text/html"), query
