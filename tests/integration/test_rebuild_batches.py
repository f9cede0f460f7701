"""A rebuild that stores its writes in small batches yields exactly the read models the live,
per-event path builds from the same topics (redeliveries included), on the real servers."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from services.assessment.app import create_app as assessment_app
from services.kpi.app import create_app as kpi_app
from services.reporting.projections.batch import BufferedCollection
from services.reporting.projections.read_models import ReadModels, pointer
from services.reporting.projector import Projector
from services.reporting.rebuild import rebuild
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.messaging.kafka_publisher import KafkaPublisher, decode
from shared.projections.engagement_directory import MemoryEngagementDirectory
from shared.projections.writes import insert_once
from shared.resources import Resources, mongo_client
from tests.unit.api_helpers import CONFIG, ENGAGEMENT, bearer

COACH, MANAGER = bearer("c1", roles=["coach"]), bearer("m1", roles=["manager"])
SOON = (date.today() + timedelta(days=20)).isoformat()
DUE = (date.today() + timedelta(days=180)).isoformat()
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
    review = {"held_on": date.today().isoformat(), "attendees": [{"id": "m1", "name": "Dana"}],
              "measurements": [{"kpi_id": ids[0], "value": 91, "measured_on":
                                date.today().isoformat()}]}  # fmt: skip
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


def project_live(config: Any, database: Any) -> int:
    """The live path: every record, in partition order, through the per-event projector."""
    projector = Projector(database)
    projector.setup()
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False)  # fmt: skip
    try:
        topics = [config.topic("assessment"), config.topic("kpi")]
        partitions = [TopicPartition(t, p) for t in topics
                      for p in sorted(consumer.partitions_for_topic(t))]  # fmt: skip
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends, applied = consumer.end_offsets(partitions), 0
        while any(consumer.position(p) < ends[p] for p in partitions):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    projector(decode(record.value))
                    applied += 1
        return applied
    finally:
        consumer.close()


@pytest.fixture
def database(config):
    client = mongo_client(config.mongo_uri)
    yield client[config.database]
    client.drop_database(config.database)
    client.close()


def test_a_rebuild_flushing_every_few_events_equals_the_live_read_models(config, database):
    sent = publish_story(config)
    assert project_live(config, database) == sent
    report = rebuild(config, out=io.StringIO(), flush_every=3)
    assert (report["events"], report["skipped"], pointer(database)["generation"]) == (sent, 0, 1)
    live, rebuilt = ReadModels(database, 0), ReadModels(database, 1)
    names = [n.split("_", 1)[1] for n in live.names()]
    assert names == [n.split("_", 1)[1] for n in rebuilt.names()]
    assert {"engagements", "kpis", "reviews", "feedback_rounds", "development_areas"} <= set(names)
    for name in names:
        before = list(live[name].find().sort("_id", 1))
        assert before, f"the story wrote no {name}"
        assert list(rebuilt[name].find().sort("_id", 1)) == before, f"{name} differs"
        indexes = {i["name"]: i["key"] for i in live[name].list_indexes()}
        assert {i["name"]: i["key"] for i in rebuilt[name].list_indexes()} == indexes, name
    assert "kpi_versions" in names


def test_flushed_documents_come_back_from_the_server_as_written(mongo_db):
    rows = BufferedCollection(mongo_db.rows, retain=False, chunk=2)
    kept = BufferedCollection(mongo_db.kept, retain=True, chunk=2)
    documents = [{"_id": f"e{n}", "none": None, "empty": [], "nested": {"n": n}} for n in range(5)]
    for document in documents:
        assert insert_once(rows, document) is True  # type: ignore[arg-type]
        kept.replace_one({"_id": document["_id"]}, document, upsert=True)
    assert rows.flush() == 5 and kept.flush() == 5
    kept.update_one({"_id": "e1", "version": {"$lt": 1}}, {"$set": {"version": 1}})  # no field
    kept.replace_one({"_id": "e2"}, {"state": "changed"})
    assert kept.flush() == 1
    assert list(mongo_db.rows.find().sort("_id", 1)) == documents
    assert insert_once(rows, documents[0]) is False  # type: ignore[arg-type]
    assert rows.find_one({"_id": "e4"}) == documents[4]  # evicted: read back from the server
    assert mongo_db.kept.find_one({"_id": "e2"}) == {"_id": "e2", "state": "changed"}
    assert mongo_db.kept.count_documents({}) == 5
