"""Dead letters handled with `python -m shared.cli.dead_letters` on the real broker: a
consumer that gives up parks a message; `list` shows it with its error; `replay` sends it to
that consumer group alone, which handles it once it is fixed; the audit trail names who and
why; a replayed or unknown one is refused; `drop` records a reason."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer

from shared.cli import dead_letters as cli
from shared.config import ServiceConfig
from shared.messaging.consumer_runner import ConsumerRunner, KafkaDeadLetters
from shared.messaging.dead_letters import replay_topic
from shared.messaging.topics import ensure_topic, ensure_topics
from shared.worker import await_partitions
from tests.integration.kafka_helpers import wait_until


@pytest.fixture
def deployment(config, monkeypatch) -> ServiceConfig:
    ensure_topics(config)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", config.kafka_bootstrap_servers)
    monkeypatch.setenv("ML_TOPIC_PREFIX", config.topic_prefix)
    return config


class Handler:
    """Fails on the events named in `poison` until fixed; notes what it handled."""

    def __init__(self, poison: set[str]) -> None:
        self.poison, self.handled = poison, []

    def __call__(self, envelope: dict) -> None:
        if envelope["id"] in self.poison:
            raise ValueError(f"cannot project {envelope['id']}")
        self.handled.append(envelope["id"])


def run_consumer(
    config: ServiceConfig, handler: Handler, stop: threading.Event
) -> threading.Thread:
    group = config.group_id
    topics = [config.topic("assessment"), replay_topic(group)]
    ensure_topic(config, replay_topic(group))
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=group,
                             enable_auto_commit=False, auto_offset_reset="earliest")  # fmt: skip
    await_partitions(consumer, topics)
    runner = ConsumerRunner(consumer, handler,
                            KafkaDeadLetters(config.kafka_bootstrap_servers, group),
                            max_attempts=2)  # fmt: skip
    runner.subscribe(topics)
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    return thread


def publish(config: ServiceConfig, *ids: str) -> None:
    producer = KafkaProducer(bootstrap_servers=config.kafka_bootstrap_servers)
    for event_id in ids:
        envelope = {"id": event_id, "type": "mastery.assessment.StakeholderAdded.v2"}
        producer.send(config.topic("assessment"), key=b"e-1", value=json.dumps(envelope).encode(),
                      headers=[("content-type", b"application/cloudevents+json")])  # fmt: skip
    producer.flush()
    producer.close()


def listed(capsys) -> list[dict]:
    assert cli.main(["list", "--all", "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_a_parked_message_is_listed_replayed_to_its_group_and_audited(deployment, capsys):
    poison = f"ev-{uuid.uuid4().hex[:6]}"
    handler, stop = Handler({poison}), threading.Event()
    thread = run_consumer(deployment, handler, stop)
    try:
        publish(deployment, "ev-ok", poison)
        assert wait_until(lambda: len(listed(capsys)) == 1, 30)
        [parked] = listed(capsys)
        assert parked["state"] == "parked" and parked["group"] == deployment.group_id
        assert parked["error"] == f"ValueError: cannot project {poison}"
        assert parked["id"].startswith(f"{deployment.topic('assessment')}.dlt/")

        assert cli.main(["show", parked["id"]]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["value"]["id"] == poison and "Traceback" in shown["trace"]

        handler.poison.clear()  # the fix is deployed
        assert cli.main(["replay", parked["id"], "--reason", "projection fixed",
                         "--actor", "ops-1"]) == 0  # fmt: skip
        assert f"to {replay_topic(deployment.group_id)}" in capsys.readouterr().out
        assert wait_until(lambda: poison in handler.handled, 30)
        assert handler.handled.count("ev-ok") == 1  # only the parked one came again

        [replayed] = listed(capsys)
        assert replayed["state"] == "replayed"
        assert cli.main(["show", parked["id"]]) == 0
        [action] = json.loads(capsys.readouterr().out)["actions"]
        assert (action["action"], action["actor"], action["reason"]) == (
            "replayed",
            "ops-1",
            "projection fixed",
        )

        assert cli.main(["replay", parked["id"], "--reason", "again"]) == 1  # not twice
        assert "replayed already" in capsys.readouterr().err
        assert cli.main(["drop", parked["id"], "--reason", "done"]) == 1
        assert cli.main(["list"]) == 0
        assert capsys.readouterr().out.strip() == "no dead letters parked"
    finally:
        stop.set()
        thread.join(30)


def test_a_message_that_fails_again_after_its_replay_is_parked_again(deployment, capsys):
    poison = f"ev-{uuid.uuid4().hex[:6]}"
    handler, stop = Handler({poison}), threading.Event()
    thread = run_consumer(deployment, handler, stop)
    try:
        publish(deployment, poison)
        assert wait_until(lambda: len(listed(capsys)) == 1, 30)
        [first] = listed(capsys)
        assert cli.main(["replay", "--all", "--reason", "try again"]) == 0  # not fixed
        capsys.readouterr()
        assert wait_until(lambda: len(listed(capsys)) == 2, 30)
        again = next(d for d in listed(capsys) if d["id"] != first["id"])
        # on the same dead-letter topic, naming the first
        assert again["state"] == "parked" and again["replay_of"] == first["id"]
        assert again["id"].startswith(f"{deployment.topic('assessment')}.dlt/")
        assert cli.main(["drop", again["id"], "--reason", "event from a bad client"]) == 0
        assert capsys.readouterr().out == f"dropped {again['id']}\n"
        assert [d["state"] for d in listed(capsys)] == ["replayed", "dropped"]
    finally:
        stop.set()
        thread.join(30)


def test_unknown_ids_and_missing_reasons_are_refused(deployment, capsys):
    assert cli.main(["show", "nope/0/0"]) == 1
    assert "no dead letter nope/0/0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        cli.main(["drop", "nope/0/0"])  # no --reason
    assert refused.value.code == 2
    assert cli.main(["drop", "nope/0/0", "--reason", "  "]) == 2
