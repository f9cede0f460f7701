import pytest

from shared.events import catalogue
from shared.events.envelope import GENESIS_HASH, EventContext, seal

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


def test_every_schema_in_the_catalogue_is_a_valid_json_schema():
    assert "mastery.assessment.EngagementOpened.v1" in catalogue.catalogue()


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
