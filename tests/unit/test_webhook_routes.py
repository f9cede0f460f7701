"""The /webhooks routes through the Flask test client, over an in-memory database and event
store: the answers, the refusals (403, 404, 412, 422 with a problem body) and that a refused
request changes nothing. No I/O."""

from __future__ import annotations

import pytest

from services.reporting.app import create_app
from shared.config import ServiceConfig
from shared.eventstore.memory_event_store import MemoryEventStore
from tests.unit.api_helpers import assert_problem, bearer
from tests.unit.memory_collection import MemoryDatabase
from tests.unit.reporting_story import MemoryResources

# http and loopback targets allowed, so no name is resolved
CONFIG = ServiceConfig.from_env("reporting", env={}, webhooks_allow_private=1)
HR = bearer("hr-1", roles=["hr"])
ADMIN = bearer("admin-1", roles=["admin"])
URL = "http://127.0.0.1:9/hook"


@pytest.fixture
def client():
    resources = MemoryResources(CONFIG, MemoryDatabase(), event_store=MemoryEventStore())
    return create_app(CONFIG, resources).test_client()


def subscribe(client, **body):
    return client.post("/webhooks", json={"url": URL, "event_types": ["*"], **body}, headers=HR)


def test_a_subscription_is_created_listed_shown_changed_and_deleted(client):
    created = subscribe(client, description="Workday")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["status"] == "active"
    assert created.headers["Location"].endswith(f"/webhooks/{body['id']}")
    listed = client.get("/webhooks", headers=ADMIN).get_json()["webhooks"]
    assert [w["id"] for w in listed] == [body["id"]] and "secret" not in listed[0]
    assert listed[0]["stats"]["delivered"] == 0
    shown = client.get(f"/webhooks/{body['id']}", headers=HR)
    assert shown.headers["ETag"] == '"1"' and "secret" not in shown.get_json()
    changed = client.patch(f"/webhooks/{body['id']}", headers={**HR, "If-Match": '"1"'},
                           json={"status": "paused", "description": "Workday EU"})  # fmt: skip
    assert changed.status_code == 200 and changed.get_json()["status"] == "paused"
    assert changed.get_json()["description"] == "Workday EU"
    stale = client.patch(f"/webhooks/{body['id']}", headers={**HR, "If-Match": '"1"'},
                         json={"status": "active"})  # fmt: skip
    assert_problem(stale, 412, "precondition-failed")
    resumed = client.post(f"/webhooks/{body['id']}/resume", headers=HR, json={})
    assert resumed.get_json()["status"] == "active"
    rotated = client.post(f"/webhooks/{body['id']}/secret/rotate", headers=HR,
                          json={"overlap_seconds": 3600, "reason": "yearly"})  # fmt: skip
    assert rotated.get_json()["secret"] not in (None, body["secret"])
    assert rotated.get_json()["previous_secret_expires_at"]
    replay = client.post(f"/webhooks/{body['id']}/replay", headers=HR,
                         json={"from": "2026-12-01T00:00:00Z"})  # fmt: skip
    assert replay.status_code == 202 and replay.get_json()["status"] == "queued"
    log = client.get(f"/webhooks/{body['id']}/deliveries?limit=5", headers=HR).get_json()
    assert log["attempts"] == [] and log["total"] == 0
    assert client.delete(f"/webhooks/{body['id']}?reason=moved", headers=HR).status_code == 204
    assert_problem(client.get(f"/webhooks/{body['id']}", headers=HR), 404, "not-found")
    assert_problem(client.delete(f"/webhooks/{body['id']}", headers=HR), 404, "not-found")
    assert client.get("/webhooks", headers=HR).get_json() == {"webhooks": []}


SCHEMA, RULE = "validation-error", "invalid-command"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, SCHEMA),
        ({"url": URL}, SCHEMA),
        ({"url": URL, "event_types": "*"}, SCHEMA),
        ({"url": URL, "event_types": []}, SCHEMA),
        ({"url": URL, "event_types": ["NoSuchEvent"]}, RULE),
        ({"url": URL, "event_types": ["*", "KpiAligned"]}, RULE),
        ({"url": "ftp://127.0.0.1/x", "event_types": ["*"]}, RULE),
        ({"url": "http://169.254.169.254/latest", "event_types": ["*"]}, RULE),
        ({"url": "http://u:p@127.0.0.1/x", "event_types": ["*"]}, RULE),
        ({"url": URL, "event_types": ["*"], "secret": "mine"}, SCHEMA),
        ({"url": URL, "event_types": ["*"], "description": "x" * 501}, SCHEMA),
        ({"url": 7, "event_types": ["*"]}, SCHEMA),
    ],
)
def test_a_bad_subscription_is_a_422_and_stores_nothing(client, body, code):
    assert_problem(client.post("/webhooks", json=body, headers=HR), 422, code)
    assert client.get("/webhooks", headers=HR).get_json() == {"webhooks": []}


def test_participants_and_auditors_cannot_manage_webhooks(client):
    body = subscribe(client).get_json()
    for role in ("coach", "manager", "executive", "auditor"):
        headers = bearer("p-1", roles=[role])
        assert_problem(client.get("/webhooks", headers=headers), 403, "forbidden")
        assert_problem(subscribe_as(client, headers), 403, "forbidden")
        assert_problem(client.delete(f"/webhooks/{body['id']}", headers=headers), 403, "forbidden")
    assert client.get(f"/webhooks/{body['id']}", headers=HR).status_code == 200
    assert_problem(client.get("/webhooks"), 401, "unauthorized")


def subscribe_as(client, headers):
    return client.post("/webhooks", json={"url": URL, "event_types": ["*"]}, headers=headers)


def test_another_tenants_subscription_is_not_found(client):
    body = subscribe(client).get_json()
    foreign = bearer("hr-9", tenant="globex", roles=["hr"])
    for call in (client.get, client.delete):
        assert_problem(call(f"/webhooks/{body['id']}", headers=foreign), 404, "not-found")
    paused = client.patch(f"/webhooks/{body['id']}", json={"status": "paused"}, headers=foreign)
    assert_problem(paused, 404, "not-found")
    assert client.get("/webhooks", headers=foreign).get_json() == {"webhooks": []}
    assert client.get(f"/webhooks/{body['id']}", headers=HR).get_json()["status"] == "active"


@pytest.mark.parametrize(
    ("path", "body"),
    [("/secret/rotate", {"overlap_seconds": -1}), ("/secret/rotate", {"overlap_seconds": "1"}),
     ("/replay", {}), ("/replay", {"from": "yesterday"}),
     ("/replay", {"from": "2026-12-02", "to": "2026-12-01"})],
)  # fmt: skip
def test_bad_rotations_and_replays_are_422(client, path, body):
    subscription = subscribe(client).get_json()["id"]
    refused = client.post(f"/webhooks/{subscription}{path}", json=body, headers=HR)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
