"""The kpi service's private fields in the subject-access export (shared/privacy/private_index.py):
a session's private notes never reach the kpi topic, so the kpi worker publishes their
sealed records on the subject-index topic; the assessment worker indexes them; the export
opens them for an admin and lists them withheld in the person's own. No I/O: the kpi
handlers and the assessment app over in-memory stores, a list for the topic."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from services.assessment.app import create_app
from services.kpi.commands import RecordSession
from services.kpi.domain.coaching_log import CoachingLog, NewSession
from services.kpi.domain.kpi_plan import KpiPlan
from services.kpi.domain.status import StatusThresholds
from services.kpi.handlers import KpiHandlers
from services.kpi.handlers.base import Services
from shared.auth.caller import Caller
from shared.auth.tokens import Principal
from shared.clock import Clock
from shared.crypto.secret_box import SecretBox
from shared.domain.subjects import subject_ref
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.privacy.key_store import MemoryKeyTable, SubjectKeys
from shared.privacy.private_index import PrivateIndex, private_personal
from shared.projections.engagement_directory import MemoryEngagementDirectory
from shared.resources import Resources
from tests.unit.api_helpers import ENGAGEMENT, bearer, engagement_opened
from tests.unit.conftest import CONFIG

NOTES = "Seemed exhausted after the board meeting"
COACH = Caller(Principal("c1", "acme", frozenset({"coach"})), "k-c1")


@pytest.fixture
def kpi():
    """The kpi service's handlers, store and keys (wrapped with the deployment's key)."""
    store, directory = MemoryEventStore(), MemoryEngagementDirectory()
    directory.handle(engagement_opened("e1"))  # coach c1, manager m1, executive x1
    keys = SubjectKeys("kpi", MemoryKeyTable(), SecretBox.from_base64(CONFIG.subject_keys_key))
    adapters = SimpleNamespace(event_store=store, engagement_directory=directory,
                               subject_keys=keys)  # fmt: skip
    clock = Clock(lambda: datetime(2026, 3, 2, 12, tzinfo=UTC))
    handlers = KpiHandlers(Services(adapters, clock, StatusThresholds()))
    return SimpleNamespace(handlers=handlers, store=store, keys=keys)


def published_records(kpi) -> list[tuple[str, tuple[str, dict]]]:
    """Record a session, then run the kpi worker's handler over the topic's envelopes."""
    session = NewSession(date(2026, 3, 2), 60, "coaching", private_notes=NOTES)
    kpi.handlers.handle(RecordSession(engagement_id="e1", session=session), COACH)
    sent: list[tuple[str, tuple[str, dict]]] = []
    publisher = SimpleNamespace(publish=lambda topic, ms: sent.extend((topic, m) for m in ms))
    names = private_personal([*KpiPlan.EVENTS, *CoachingLog.EVENTS])
    index = PrivateIndex(kpi.store, publisher, CONFIG.subject_index_topic, "kpi", names)
    topic = [e for c in kpi.store.unpublished(limit=100) for e in c.events]
    assert all("private" not in e and NOTES not in json.dumps(e) for e in topic)
    assert [index.publish(e) for e in topic] == [1]
    return sent


def test_only_event_types_with_private_personal_fields_are_looked_up():
    assert private_personal([*KpiPlan.EVENTS, *CoachingLog.EVENTS]) == {"SessionRecorded"}


def test_a_sessions_private_notes_are_published_sealed_keyed_by_person_and_event(kpi):
    [(topic, (key, message))] = published_records(kpi)
    ref = subject_ref("acme", "x1")
    assert topic == CONFIG.subject_index_topic and message["subject"] == ref
    assert key == f"{ref}:{message['record']['event_id']}"
    assert message["service"] == "kpi" and message["tenant"] == "acme"
    [field] = message["record"]["fields"]
    assert field["path"] == "private.private_notes" and field["sealed"]["sealed"] == f"kpi.{ref}"
    assert NOTES not in json.dumps(message)


def test_an_admin_export_opens_the_notes_and_the_persons_own_lists_them_withheld(kpi):
    [(_, (_, message))] = published_records(kpi)
    resources = Resources(CONFIG, event_store=MemoryEventStore())
    client = create_app(CONFIG, resources).test_client()
    opened = client.post("/engagements", json=ENGAGEMENT, headers=bearer("c1", roles=("coach",)))
    assert opened.status_code == 201
    for record, _ in kpi.keys.changes():  # the keys topic, as the assessment worker reads it
        resources.subject_keys.learn(record)
    resources.subject_index.add_private(message)
    resources.subject_index.add_private(message)  # redelivered: indexed once

    def private(headers) -> list[dict]:
        export = json.loads(client.get("/subjects/x1/export", headers=headers).get_data())
        return [f for r in export["records"] if r["service"] == "kpi" for f in r["fields"]]

    admin = private(bearer("a1", roles=("admin",)))
    assert admin == [{"path": "private.private_notes", "value": NOTES, "held_by": ["kpi"]}]
    own = private(bearer("x1", roles=("executive",)))
    assert own == [{"path": "private.private_notes", "value": None, "held_by": ["kpi"],
                    "withheld": True}]  # fmt: skip
    erasure = {"reason": "Art. 17", "reference": "DSR-9"}
    assert client.post("/subjects/x1/erasure", json=erasure,
                       headers=bearer("a1", roles=("admin",))).status_code == 201  # fmt: skip
    kpi.keys.erase_person(subject_ref("acme", "x1"))
    for record, _ in kpi.keys.changes():
        resources.subject_keys.learn(record)
    assert private(bearer("a1", roles=("admin",)))[0]["value"] == ""
