"""What the AsyncAPI document says: every catalogued type as a message on its context's topic
and on the webhook channel, topics that agree with topics.py and the config, the Kafka key the
relay really sends, the Standard Webhooks headers; GET /asyncapi.json on every service
without a token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from services.assessment.app import create_app as assessment_app
from services.kpi.app import create_app as kpi_app
from services.reporting.app import create_app as reporting_app
from shared.config import ServiceConfig
from shared.events.asyncapi import asyncapi_document, contexts
from shared.events.catalogue import catalogue
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.messaging.outbox_relay import OutboxRelay
from shared.messaging.topics import CONTEXTS, all_topics
from shared.resources import Resources
from tests.unit.api_helpers import CONFIG as API
from tests.unit.api_helpers import ENGAGEMENT, bearer

CONFIG = ServiceConfig.from_env("kpi", env={})


@pytest.fixture(scope="module")
def document():
    return asyncapi_document(CONFIG)


def test_every_catalogued_type_is_a_message_with_its_schema(document):
    messages, channels = document["components"]["messages"], document["channels"]
    webhook = channels["webhook-deliveries"]["messages"]
    for event_type in catalogue().values():
        message = messages[event_type.type]
        assert message["name"] == event_type.type
        assert message["contentType"] == "application/cloudevents+json"
        envelope = message["payload"]["schema"]["properties"]
        assert envelope["data"] == {"$id": event_type.dataschema, **event_type.schema}
        assert envelope["type"]["const"] == event_type.type
        assert envelope["dataschema"]["const"] == event_type.dataschema
        assert event_type.type in channels[f"{event_type.context}-events"]["messages"]
        assert event_type.type in webhook
    traits = {
        t["$ref"] for m in messages.values() if m["name"] not in INTERNAL
        for t in m["traits"]
    }  # fmt: skip
    assert traits == {
        f"#/components/messageTraits/{name}" for name in document["components"]["messageTraits"]
    }


INTERNAL = ("dead-letter", "subject-keys", "subject-index")  # messages that are no events


def test_the_contexts_are_the_catalogues_and_agree_with_topics_py(document):
    # topics.py creates CONTEXTS' topics: a context added to the catalogue alone fails here
    assert contexts(catalogue()) == sorted(CONTEXTS)
    kafka = [c["address"] for c in document["channels"].values() if c["address"]]
    internal = [CONFIG.subject_keys_topic, CONFIG.subject_index_topic]
    assert sorted(kafka) == sorted([*all_topics(CONFIG), *internal])


def test_subscribers_receive_and_the_service_sends_webhooks(document):
    actions = {name: op["action"] for name, op in document["operations"].items()}
    assert actions.pop("deliver-webhooks") == "send"
    assert set(actions.values()) == {"receive"} and len(actions) == 2 * len(CONTEXTS) + 2
    for name, address in (("subject-keys", CONFIG.subject_keys_topic),
                          ("subject-index", CONFIG.subject_index_topic)):  # fmt: skip
        channel = document["channels"][name]
        assert channel["address"] == address and f"receive-{name}" in actions
        assert channel["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"] == ["compact"]


def test_a_config_gives_the_servers_topics_and_partitions():
    config = ServiceConfig.from_env(
        "kpi",
        env={},
        kafka_bootstrap_servers="k1:9092, k2:9092",
        topic_prefix="acme",
        topic_partitions=6,
    )
    document = asyncapi_document(config)
    kafka = {n: s["host"] for n, s in document["servers"].items() if s["protocol"] == "kafka"}
    assert kafka == {"kafka-1": "k1:9092", "kafka-2": "k2:9092"}
    binding = document["channels"]["kpi-events"]["bindings"]["kafka"]
    assert binding["topic"] == "acme.kpi.events" and binding["partitions"] == 6
    assert binding["topicConfiguration"] == {
        "retention.ms": -1, "retention.bytes": -1, "cleanup.policy": ["delete"]
    }  # fmt: skip
    dead = document["channels"]["kpi-dead-letters"]
    assert dead["address"] == "acme.kpi.events.dlt" and "Dead-letter topic" in dead["description"]


class Sent:
    """A publisher that keeps what the relay would send to Kafka."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict]] = []

    def publish(self, topic, messages) -> None:
        self.messages.extend(messages)


def test_the_kafka_key_described_is_the_one_the_relay_sends(document):
    key = document["components"]["messageTraits"]["kafkaRecord"]["bindings"]["kafka"]["key"]
    assert key["type"] == "string" and "engagement id" in key["description"]
    store, sent = MemoryEventStore(), Sent()
    client = assessment_app(API, Resources(API, event_store=store)).test_client()
    engagement = client.post("/engagements", json=ENGAGEMENT, headers=bearer()).get_json()
    OutboxRelay(store, sent, API.topic("assessment")).run_once()
    assert sent.messages and {k for k, _ in sent.messages} == {engagement["id"]}
    assert all(key == event["subject"] for key, event in sent.messages)


def _signature(secret: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    signed = hmac.new(secret, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(signed.digest()).decode()


def test_the_webhook_headers_are_standard_webhooks_ones(document):
    trait = document["components"]["messageTraits"]["webhookRequest"]
    headers = trait["bindings"]["http"]["headers"]
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(headers["required"])
    # a signature as the Standard Webhooks specification makes it, during a rotation (two)
    body, msg_id, timestamp = b'{"id":"e-1"}', "e-1", "1767225600"
    signatures = " ".join(_signature(k, msg_id, timestamp, body) for k in (b"old", b"new"))
    pattern = headers["properties"]["webhook-signature"]["pattern"]
    assert re.fullmatch(pattern, signatures) and not re.fullmatch(pattern, "v1=abc")
    assert re.fullmatch(headers["properties"]["webhook-timestamp"]["pattern"], timestamp)
    server = document["servers"]["webhook-endpoint"]
    assert server["protocol"] == "https" and server["security"]
    scheme = document["components"]["securitySchemes"]["webhookSignature"]
    assert scheme["name"] == "webhook-signature" and "whsec_" in scheme["description"]


def _app(create, service):
    config = ServiceConfig.from_env(service, env={})
    return create(config, Resources(config, event_store=MemoryEventStore())).test_client()


APPS = {"assessment": assessment_app, "kpi": kpi_app, "reporting": reporting_app}


@pytest.mark.parametrize("service", APPS)
def test_every_service_serves_the_document_without_a_token(service):
    client = _app(APPS[service], service)
    response = client.get("/asyncapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == asyncapi_document(ServiceConfig.from_env(service, env={}))
    assert 'href="asyncapi.json"' in client.get("/docs").get_data(as_text=True)
