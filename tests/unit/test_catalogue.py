import json

import pytest
from jsonschema import Draft202012Validator

from services.assessment.domain.engagement import Engagement
from services.assessment.domain.feedback_round import FeedbackRound
from services.assessment.domain.needs_assessment import NeedsAssessment
from services.kpi.domain.coaching_log import CoachingLog
from services.kpi.domain.kpi_plan import KpiPlan
from shared.events import catalogue
from shared.events.envelope import GENESIS_HASH, EventContext, seal, type_name

VALID = {
    "engagement_id": "e1",
    "organisation": "acme",
    "executive": {"id": "x1", "name": "Alex"},
    "coach": {"id": "c1", "name": "Casey"},
    "manager": {"id": "m1", "name": "Dana"},
    "programme": "Personal mastery",
    "start_date": "2026-01-05",
}


def envelope(data: dict, name: str = "EngagementOpened") -> dict:
    return seal(
        context="assessment",
        name=name,
        version=1,
        data=data,
        subject="e1",
        stream_id="engagement-e1",
        stream_version=1,
        prev_hash=GENESIS_HASH,
        ctx=EventContext(tenant="acme", actor="c1", correlation_id="k"),
    )


SCHEMAS = sorted(catalogue.SCHEMA_DIR.glob("*.json"))


def test_every_schema_in_the_catalogue_is_a_valid_json_schema():
    assert "mastery.assessment.EngagementOpened.v1" in catalogue.catalogue()
    assert len(catalogue.catalogue()) == len(SCHEMAS)


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.stem)
def test_each_schema_is_valid_against_its_meta_schema_and_closed(path):
    schema = json.loads(path.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)  # raises SchemaError, naming what is wrong
    _context, name, version = path.stem.split(".")
    assert schema["title"] == f"{name} {version}"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])


def test_every_published_event_class_has_its_schema():
    for aggregate in (Engagement, FeedbackRound, NeedsAssessment, KpiPlan, CoachingLog):
        assert aggregate.PUBLISHED
        for event in aggregate.EVENTS:
            event_type = type_name(aggregate.CONTEXT, event.NAME, event.VERSION)
            assert event_type in catalogue.catalogue(), event_type


def test_valid_event_passes():
    catalogue.validate(envelope(VALID))


@pytest.mark.parametrize(
    "change",
    [
        {"programme": ""},
        {"start_date": "5 Jan"},
        {"executive": {"id": "x1"}},
        {"extra": "field"},
    ],
)
def test_invalid_data_is_refused(change):
    with pytest.raises(catalogue.EventSchemaError):
        catalogue.validate(envelope(VALID | change))


def test_unknown_event_type_is_refused():
    with pytest.raises(catalogue.EventSchemaError, match="unknown event type"):
        catalogue.validate(envelope(VALID, name="EngagementVanished"))


def test_incomplete_envelope_is_refused():
    event = envelope(VALID)
    del event["tenant"]
    with pytest.raises(catalogue.EventSchemaError, match="tenant"):
        catalogue.validate(event)
