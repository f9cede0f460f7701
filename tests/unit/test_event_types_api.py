"""The event-type catalogue over HTTP: what a subscriber to the topics reads."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from services.kpi.app import create_app as kpi_app
from shared.config import ServiceConfig
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.resources import Resources
from tests.unit.api_helpers import assert_problem


@pytest.fixture
def kpi():
    config = ServiceConfig.from_env("kpi", env={})
    return kpi_app(config, Resources(config, event_store=MemoryEventStore())).test_client()


def test_every_type_is_listed_with_its_topic_and_schema(client):
    listed = client.get("/events").get_json()["types"]
    by_type = {t["type"]: t for t in listed}
    opened = by_type["mastery.assessment.EngagementOpened.v1"]
    assert opened["topic"] == "mastery.assessment.events"
    assert opened["dataschema"] == "urn:mastery-ledger:schema:assessment.EngagementOpened.v1"
    assert by_type["mastery.kpi.KpiRevised.v1"]["topic"] == "mastery.kpi.events"
    assert len(listed) == len(by_type) >= 26


def test_a_types_schema_is_served_as_json_schema_without_a_token(client):
    for entry in client.get("/events").get_json()["types"]:
        response = client.get(entry["schema"])
        assert response.status_code == 200 and response.mimetype == "application/schema+json"
        Draft202012Validator.check_schema(response.get_json())


def test_every_service_serves_the_same_catalogue(client, kpi):
    assert kpi.get("/events").get_json() == client.get("/events").get_json()


def test_an_unknown_type_is_a_404_problem(client):
    assert_problem(client.get("/events/mastery.assessment.Nothing.v1"), 404, "not-found")
