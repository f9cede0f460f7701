"""The engagement directory contract, held by the in-memory fake and the MongoDB adapter."""

import pytest

from shared.projections.engagement_directory import (
    MemoryEngagementDirectory,
    MongoEngagementDirectory,
)


@pytest.fixture(params=["memory", "mongo"])
def directory(request):
    if request.param == "memory":
        return MemoryEngagementDirectory()
    mongo = MongoEngagementDirectory.of(request.getfixturevalue("mongo_db"))
    mongo.setup()
    return mongo


def event(name: str, version: int, **data) -> dict:
    return {
        "type": f"mastery.assessment.{name}.v1",
        "tenant": "acme",
        "time": "2026-01-05T09:00:00.000Z",
        "streamversion": version,
        "data": {"engagement_id": "e1"} | data,
    }


OPENED = event(
    "EngagementOpened", 1,
    executive={"id": "x1", "name": "Alex"}, coach={"id": "c1", "name": "Casey"},
    manager={"id": "m1", "name": "Dana"}, programme="PM", start_date="2026-01-05",
)  # fmt: skip
MANAGER = event(
    "ManagerAssigned", 3,
    manager={"id": "m2", "name": "Morgan"}, previous={"id": "m1", "name": "Dana"},
)  # fmt: skip
PHASE = event("EngagementPhaseChanged", 2, from_phase="needs_assessment", to_phase="kpi_alignment")


def test_an_opened_engagement_is_found_by_its_tenant_only(directory):
    directory.handle(OPENED)
    found = directory.find("acme", "e1")
    assert found["manager"]["id"] == "m1" and found["phase"] == "needs_assessment"
    assert directory.find("globex", "e1") is None
    assert directory.find("acme", "e2") is None


def test_changes_apply_once_and_never_go_back(directory):
    for envelope in (OPENED, PHASE, MANAGER, PHASE, OPENED, MANAGER):  # replays included
        directory.handle(envelope)
    found = directory.find("acme", "e1")
    assert (found["manager"]["id"], found["phase"], found["version"]) == ("m2", "kpi_alignment", 3)


def test_changes_before_the_opening_are_ignored(directory):
    directory.handle(MANAGER)
    assert directory.find("acme", "e1") is None
