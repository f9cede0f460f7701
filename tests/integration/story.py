"""One engagement's story told through the real assessment and kpi apps (in-memory stores),
and published on the test topics: what the rebuild and live-worker tests replay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from services.assessment.app import create_app as assessment_app
from services.kpi.app import create_app as kpi_app
from services.reporting.projector import Projector
from shared.clock import today
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.messaging.kafka_publisher import KafkaPublisher, decode
from shared.projections.engagement_directory import MemoryEngagementDirectory
from shared.resources import Resources
from tests.unit.api_helpers import CONFIG, ENGAGEMENT, bearer

COACH, MANAGER = bearer("c1", roles=["coach"]), bearer("m1", roles=["manager"])
SOON = (today() + timedelta(days=20)).isoformat()
DUE = (today() + timedelta(days=180)).isoformat()
ROUND = {"purpose": "baseline", "competencies": [{"id": "listening"}], "closes_on": SOON}


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def assessment_story(store: MemoryEventStore) -> tuple[Any, str]:
    """Phase change, two area selections, a closed 360 round; the client and engagement."""
    client = assessment_app(CONFIG, Resources(CONFIG, event_store=store)).test_client()
    base = f"/engagements/{ok(client.post('/engagements', json=ENGAGEMENT, headers=COACH))['id']}"
    ok(client.post(f"{base}/phase", json={"phase": "kpi_alignment"}, headers=COACH))
    for capability in ("listening", "custom:delegation"):
        areas = {"areas": [{"capability": capability, "rationale": "peers said so"}]}
        ok(client.put(f"{base}/development-areas", json=areas, headers=COACH))
    opened = ok(client.post(f"{base}/rounds", json=ROUND, headers=COACH))
    round_url = f"{base}/rounds/{opened['id']}"
    for n, group in enumerate(["self", "manager", "peer", "peer", "peer"]):
        rater = {"group": group, "name": f"Rater {n}", "contact": f"r{n}@example.org"}
        token = ok(client.post(f"{round_url}/invitations", json=rater, headers=COACH))["token"]
        answer = {"ratings": {"listening": 2 + n % 3}}
        ok(client.post("/feedback", json=answer, headers={"X-Invitation-Token": token}))
    ok(client.post(f"{round_url}/closure", headers=COACH))
    return client, base


def kpi_story(store: MemoryEventStore, directory: MemoryEngagementDirectory, engagement: str):
    """Two KPIs aligned, a review measuring one, its target changed at the review."""
    client = kpi_app(CONFIG, Resources(CONFIG, event_store=store, directory=directory))
    api, http = f"/engagements/{engagement}", client.test_client()
    ids = []
    for name, weight in (("Net revenue retention", 60), ("Board confidence", 40)):
        kpi = {"name": name, "kind": "performance", "unit": "%", "baseline": 90, "target": 96,
               "direction": "increase", "weight": weight, "due_on": DUE}  # fmt: skip
        ids.append(ok(http.post(f"{api}/kpis", json=kpi, headers=COACH))["id"])
    for kpi_id in ids:
        ok(http.post(f"{api}/kpis/{kpi_id}/approval", json={"weights": {}}, headers=MANAGER))
    review = {"held_on": today().isoformat(), "attendees": [{"id": "m1", "name": "Dana"}],
              "measurements": [{"kpi_id": ids[0], "value": 91, "measured_on":
                                today().isoformat()}]}  # fmt: skip
    review_id = ok(http.post(f"{api}/reviews", json=review, headers=MANAGER))["review_id"]
    change = {"changes": {"target": 95}, "reason": "market", "review_id": review_id}
    ok(http.patch(f"{api}/kpis/{ids[0]}", json=change, headers=MANAGER))


def envelopes(store: MemoryEventStore) -> list[dict[str, Any]]:
    return [e for commit in store.unpublished(limit=10_000) for e in commit.events]


def publish_story(config: Any) -> int:
    """Both services' events on their topics, the first half of each sent twice (a relay
    that crashed before marking); returns how many messages went out."""
    assessment, kpi = MemoryEventStore(), MemoryEventStore()
    client, base = assessment_story(assessment)
    directory = MemoryEngagementDirectory()
    for envelope in envelopes(assessment):
        directory.handle(envelope)
    kpi_story(kpi, directory, base.rsplit("/", 1)[1])
    coach = {"id": "c2", "name": "Cory", "reason": "rotation"}  # after the KPIs: c1 proposed
    ok(client.put(f"{base}/coach", json=coach, headers=COACH))
    publisher = KafkaPublisher(config.kafka_bootstrap_servers)
    sent = 0
    try:
        for context, store in (("assessment", assessment), ("kpi", kpi)):
            events = envelopes(store)
            messages = [(e["subject"], e) for e in events + events[: len(events) // 2]]
            publisher.publish(config.topic(context), messages)
            sent += len(messages)
    finally:
        publisher.close()
    return sent


def reader(config: Any) -> tuple[KafkaConsumer, list[TopicPartition]]:
    """A consumer without a group at the beginning of every partition of both topics."""
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False)  # fmt: skip
    topics = [config.topic("assessment"), config.topic("kpi")]
    partitions = [TopicPartition(t, p) for t in topics
                  for p in sorted(consumer.partitions_for_topic(t))]  # fmt: skip
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    return consumer, partitions


def project_live(config: Any, database: Any) -> int:
    """The live path: every record, in partition order, through the per-event projector."""
    projector = Projector(database)
    projector.setup()
    consumer, partitions = reader(config)
    try:
        ends, applied = consumer.end_offsets(partitions), 0
        while any(consumer.position(p) < ends[p] for p in partitions):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    projector(decode(record.value))
                    applied += 1
        return applied
    finally:
        consumer.close()
