"""One engagement opened over HTTP reaches the reporting timeline through Kafka."""

from __future__ import annotations

import time

import pytest

from tests.integration.kafka_helpers import wait_until

ENGAGEMENT = {
    "executive": {"id": "exec-1", "name": "Alex Executive"},
    "manager": {"id": "mgr-1", "name": "Dana Manager"},
    "programme": "Personal mastery 2026",
    "start_date": "2026-01-05",
}


def open_engagement(system, http, tenant: str = "acme") -> dict:
    response = http.post(
        f"{system.urls['assessment']}/engagements",
        json=ENGAGEMENT,
        headers=system.headers("coach-1", ["coach"], tenant) | {"X-Correlation-ID": "e2e-open"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()


def timeline(system, http, engagement_id: str, subject: str = "mgr-1", roles=("manager",)):
    return http.get(
        f"{system.urls['reporting']}/engagements/{engagement_id}/timeline",
        headers=system.headers(subject, list(roles)),
        timeout=10,
    )


@pytest.mark.parametrize("service", ["assessment", "kpi", "reporting"])
def test_every_service_is_alive_and_ready(system, http, service):
    assert http.get(f"{system.urls[service]}/healthz", timeout=5).json() == {"status": "ok"}
    ready = http.get(f"{system.urls[service]}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"mongodb": "ok", "kafka": "ok"}


def test_an_opened_engagement_shows_on_the_reporting_timeline(system, http):
    started = time.monotonic()
    engagement = open_engagement(system, http)
    state = http.get(
        f"{system.urls['assessment']}/engagements/{engagement['id']}",
        headers=system.headers("exec-1", ["executive"]),
        timeout=10,
    )
    assert state.status_code == 200 and state.json() == engagement
    assert state.headers["ETag"] == '"1"'

    assert wait_until(lambda: timeline(system, http, engagement["id"]).status_code == 200, 30)
    seen_after = time.monotonic() - started
    print(f"\nengagement visible on the reporting timeline {seen_after * 1000:.0f} ms after POST")
    body = timeline(system, http, engagement["id"]).json()
    assert body["total"] == 1
    [entry] = body["entries"]
    assert entry["event"] == "EngagementOpened"
    assert entry["actor"] == "coach-1" and entry["correlation_id"] == "e2e-open"
    assert "Alex Executive" in entry["line"] and "Dana Manager" in entry["line"]
    assert len(entry["hash"]) == 64


def test_timeline_needs_a_token_a_participant_and_the_same_tenant(system, http):
    engagement = open_engagement(system, http)
    url = f"{system.urls['reporting']}/engagements/{engagement['id']}/timeline"
    assert wait_until(lambda: timeline(system, http, engagement["id"]).status_code == 200, 30)

    assert http.get(url, timeout=5).status_code == 401
    outsider = http.get(url, headers=system.headers("exec-9", ["executive"]), timeout=5)
    assert outsider.status_code == 403
    assert outsider.headers["Content-Type"] == "application/problem+json"
    auditor = http.get(url, headers=system.headers("aud-1", ["auditor"]), timeout=5)
    assert auditor.status_code == 200
    other_tenant = http.get(url, headers=system.headers("aud-1", ["auditor"], "globex"), timeout=5)
    assert other_tenant.status_code == 404


def test_the_other_tenants_engagement_is_invisible_on_the_write_side(system, http):
    engagement = open_engagement(system, http, tenant="globex")
    response = http.get(
        f"{system.urls['assessment']}/engagements/{engagement['id']}",
        headers=system.headers("admin-1", ["admin"], "acme"),
        timeout=5,
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"executive": {"id": "x", "name": "y"}, "surprise": true}', "application/json", 422),
        (
            b'{"executive": 5, "manager": [], "programme": 1, "start_date": 2}',
            "application/json",
            422,
        ),
        (b"a=b", "application/x-www-form-urlencoded", 415),
        (b'{"programme": "' + b"x" * 70_000 + b'"}', "application/json", 413),
        (b"[]", "application/json", 422),
    ],
    ids=["malformed", "unknown-field", "wrong-types", "not-json", "oversized", "array"],
)
def test_bad_input_gets_a_problem_and_stores_nothing(system, http, body, content_type, status):
    commits = system.database("assessment").commits
    before = commits.count_documents({})
    response = http.post(
        f"{system.urls['assessment']}/engagements",
        data=body,
        headers=system.headers("coach-1", ["coach"]) | {"Content-Type": content_type},
        timeout=10,
    )
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["Content-Type"] == "application/problem+json"
    assert problem["status"] == status and problem["type"].startswith("urn:mastery-ledger:problem:")
    assert commits.count_documents({}) == before
