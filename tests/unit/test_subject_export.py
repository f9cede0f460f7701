"""GET /subjects/{person_id}/export on the assessment app (in memory): every field of the
person's data, opened, with the services that hold it; the person or an admin only; erased
values read as erased; another person's data never in it."""

from __future__ import annotations

import json

import pytest

from services.assessment.app import create_app
from shared.domain.subjects import subject_ref
from shared.resources import Resources
from tests.unit.api_helpers import ENGAGEMENT, assert_problem, bearer
from tests.unit.conftest import CONFIG

ADMIN = bearer("a1", roles=("admin",))
COACH = bearer("c1", roles=("coach",))
ERASURE = {"reason": "Art. 17 request", "reference": "DSR-1"}


@pytest.fixture
def resources(store):
    return Resources(CONFIG, event_store=store)


@pytest.fixture
def client(resources):
    return create_app(CONFIG, resources).test_client()


def opened(client) -> tuple[str, str]:
    engagement = client.post("/engagements", json=ENGAGEMENT, headers=COACH).get_json()
    base = f"/engagements/{engagement['id']}"
    added = client.post(
        f"{base}/stakeholders",
        headers=COACH,
        json={"name": "Priya Natarajan", "contact": "priya@example.org", "relationship": "peer"},
    )
    barrier = client.post(f"{base}/barriers", headers=COACH, json={
        "description": "Avoids conflict with the board", "source": "peer", "impact": "high",
        "capability": "tough_conversations"})  # fmt: skip
    assert added.status_code == barrier.status_code == 201, barrier.get_data(as_text=True)
    return engagement["id"], added.get_json()["stakeholders"][0]["id"]


def exported(client, person_id: str, headers) -> dict:
    response = client.get(f"/subjects/{person_id}/export", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.is_streamed and response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def values(export: dict) -> dict[tuple[str, str], object]:
    return {(short(r["type"]), f["path"]): f["value"]
            for r in export["records"] for f in r["fields"]}  # fmt: skip


def short(event_type: str) -> str:
    """mastery.assessment.EngagementOpened.v2 -> EngagementOpened"""
    return event_type.split(".")[-2]


def test_the_executive_gets_their_fields_and_no_one_elses(client):
    engagement_id, _ = opened(client)
    export = exported(client, "x1", bearer("x1", roles=("executive",)))
    assert export["subject"] == subject_ref("acme", "x1") and export["erasure"] is None
    assert values(export) == {
        ("EngagementOpened", "data.executive.name"): "Alex",
        ("BarrierIdentified", "data.description"): "Avoids conflict with the board",
    }
    [opening] = [r for r in export["records"] if short(r["type"]) == "EngagementOpened"]
    assert opening["service"] == "assessment" and opening["engagement_id"] == engagement_id
    assert opening["fields"][0]["held_by"] == ["assessment", "reporting"]
    assert "Priya" not in json.dumps(export) and "Dana" not in json.dumps(export)


def test_a_private_field_is_held_by_its_service_alone(client):
    _, stakeholder_id = opened(client)
    export = exported(client, stakeholder_id, ADMIN)
    held = {f["path"]: (f["value"], f["held_by"]) for r in export["records"] for f in r["fields"]}
    assert held == {
        "data.name": ("Priya Natarajan", ["assessment", "reporting"]),
        "private.contact": ("priya@example.org", ["assessment"]),
    }


def test_only_the_person_or_an_admin_exports(client):
    opened(client)
    assert_problem(client.get("/subjects/x1/export", headers=COACH), 403, "forbidden")
    manager = bearer("m1", roles=("manager",))
    assert_problem(client.get("/subjects/x1/export", headers=manager), 403, "forbidden")
    assert client.get("/subjects/x1/export").status_code == 401
    mine = exported(client, "m1", manager)  # the manager, for themselves
    assert values(mine) == {("EngagementOpened", "data.manager.name"): "Dana"}
    other_tenant = exported(client, "x1", bearer("a2", tenant="globex", roles=("admin",)))
    assert other_tenant["records"] == []


def test_after_erasure_the_export_says_so_and_reads_as_erased(client):
    opened(client)
    assert client.post("/subjects/x1/erasure", json=ERASURE, headers=ADMIN).status_code == 201
    export = exported(client, "x1", ADMIN)
    assert export["erasure"]["reference"] == "DSR-1"
    assert set(values(export).values()) == {f"Erased person {export['subject'][:6]}…", "[erased]"}


def test_kpi_events_indexed_from_the_topic_are_in_the_export(client, resources):
    opened(client)
    kid = f"kpi.{subject_ref('acme', 'x1')}"
    evidence = {"sealed": kid, "as": "text"}  # no box: sealed for an erased person, say
    other = {"sealed": f"kpi.{subject_ref('acme', 'm1')}", "as": "name", "box": "v1:x"}
    envelope = {"id": "ev-9", "type": "MeasurementRecorded", "time": "2026-03-01T00:00:00.000Z",
                "tenant": "acme", "subject": "e-1", "streamid": "kpis-e-1",
                "data": {"evidence": evidence, "by": other}}  # fmt: skip
    assert resources.subject_index.add_records(envelope, "kpi") == 2
    resources.subject_index.add_records(envelope, "kpi")  # redelivered: nothing new
    export = exported(client, "x1", ADMIN)
    kpi = [r for r in export["records"] if r["service"] == "kpi"]
    assert kpi == [{"service": "kpi", "event_id": "ev-9", "type": "MeasurementRecorded",
                    "time": "2026-03-01T00:00:00.000Z", "engagement_id": "e-1",
                    "stream_id": "kpis-e-1", "fields": [
                        {"path": "data.evidence", "value": "[erased]",
                         "held_by": ["kpi", "reporting"]}]}]  # fmt: skip


def test_a_person_id_too_long_is_refused(client):
    assert_problem(client.get(f"/subjects/{'x' * 201}/export", headers=ADMIN), 422,
                   "invalid-command")  # fmt: skip
