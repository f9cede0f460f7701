"""Hostile bodies over HTTP to the running services: a 4xx problem, and nothing stored."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.config import ServiceConfig
from shared.web import input_limits
from tests.e2e.test_walking_skeleton import ENGAGEMENT
from tests.integration.kafka_helpers import wait_until

STAKEHOLDER = {"name": "Sam Peer", "contact": "sam@example.com", "relationship": "peer"}
KPI = {
    "name": "Net revenue retention", "kind": "performance", "unit": "%", "baseline": 90,
    "target": 96, "direction": "increase", "weight": 50, "due_on": "2030-01-01",
}  # fmt: skip
HOSTILE = {  # the JSON text of one field's value, and the answer's status and message
    "surrogate": ('"x\\ud800y"', 422, input_limits.NOT_TEXT),
    "1000-deep": ("[" * 1000 + "]" * 1000, 400, input_limits.TOO_DEEP),  # {}: the limit
    "5000-digit-integer": ("9" * 5000, 422, input_limits.OUT_OF_RANGE),
    "huge-float": ("1e400", 422, input_limits.OUT_OF_RANGE),
}
NUMBER_FIELDS = {"5000-digit-integer": "weight", "huge-float": "baseline"}


def hostile(body: dict, field: str, case: str) -> str:
    """A valid body as JSON text, with `field`'s value replaced by the hostile one."""
    return json.dumps(body | {field: "@@"}).replace('"@@"', HOSTILE[case][0])


@pytest.fixture
def tenant_engagement(system, http):
    """An engagement of a tenant of its own, known to the kpi service."""
    tenant = f"hostile-{uuid.uuid4().hex[:8]}"
    coach = system.headers("coach-1", ["coach"], tenant)
    opened = http.post(f"{system.urls['assessment']}/engagements", json=ENGAGEMENT,
                       headers=coach, timeout=10)  # fmt: skip
    assert opened.status_code == 201, opened.text
    kpis = f"{system.urls['kpi']}/engagements/{opened.json()['id']}/kpis"
    assert wait_until(lambda: http.get(kpis, headers=coach, timeout=5).ok, 30)
    return tenant, coach, opened.json()


def stored(system, service: str, tenant: str) -> tuple[int, int]:
    """The tenant's commits and outbox entries in a service's database."""
    database = system.database(service)
    return (
        database["commits"].count_documents({"tenant": tenant}),
        database["commits_outbox"].count_documents({"tenant": tenant}),
    )


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_bodies_are_refused_with_a_problem_and_store_nothing(
    system, http, tenant_engagement, case
):
    tenant, coach, engagement = tenant_engagement
    assessment, kpi = system.urls["assessment"], system.urls["kpi"]
    base = f"/engagements/{engagement['id']}"
    posts = [
        (f"{assessment}/engagements", "programme", ENGAGEMENT),
        (f"{assessment}{base}/stakeholders", "name", STAKEHOLDER),
        (f"{kpi}{base}/kpis", NUMBER_FIELDS.get(case, "name"), KPI),
    ]
    before = stored(system, "assessment", tenant), stored(system, "kpi", tenant)
    _, status, message = HOSTILE[case]
    message = message.format(ServiceConfig.from_env("assessment", env=system.env).max_json_depth)
    for url, field, body in posts:
        response = http.post(url, data=hostile(body, field, case).encode(), timeout=10,
                             headers=coach | {"Content-Type": "application/json"})  # fmt: skip
        assert response.status_code == status, (url, response.status_code, response.text)
        assert response.headers["Content-Type"] == "application/problem+json"
        code = "validation-error" if status == 422 else "bad-request"
        assert response.json()["type"] == f"urn:mastery-ledger:problem:{code}"
        assert response.json()["errors"] == {field if status == 422 else "json": [message]}
    assert (stored(system, "assessment", tenant), stored(system, "kpi", tenant)) == before
    read = http.get(f"{assessment}{base}", headers=coach, timeout=10)
    assert read.json()["stakeholders"] == [] and read.headers["ETag"] == '"1"'
    assert http.get(f"{kpi}{base}/kpis", headers=coach, timeout=10).json()["kpis"] == []
    added = http.post(f"{assessment}{base}/stakeholders", json=STAKEHOLDER, headers=coach,
                      timeout=10)  # fmt: skip
    assert added.status_code == 201 and added.headers["ETag"] == '"2"', added.text


def test_a_reporting_query_that_is_not_utf8_is_a_400(system, http):
    """Percent-encoded: gunicorn itself refuses raw bytes outside ASCII in the request line."""
    auditor = system.headers("audit-1", ["auditor"])
    response = http.get(f"{system.urls['reporting']}/audit?actor=%ED%A0%80", headers=auditor,
                        timeout=10)  # fmt: skip
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == {"query": [input_limits.NOT_UTF8]}


def test_an_if_match_that_is_not_a_version_is_a_400_and_changes_nothing(
    system, http, tenant_engagement
):
    _, coach, engagement = tenant_engagement
    url = f"{system.urls['assessment']}/engagements/{engagement['id']}/coach"
    body = {"id": "coach-2", "name": "Other Coach", "reason": "handover"}
    for version in ("\xb2", "1" * 5000):  # a latin-1 superscript two; too many digits
        changed = http.put(url, json=body, headers=coach | {"If-Match": f'"{version}"'},
                           timeout=10)  # fmt: skip
        assert changed.status_code == 400, changed.text
    read = http.get(url.removesuffix("/coach"), headers=coach, timeout=10)
    assert read.headers["ETag"] == '"1"' and read.json()["coach"]["id"] == "coach-1"
