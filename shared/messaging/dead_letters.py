"""Dead letters as an operator handles them: list, show, replay after a fix, drop.

A consumer that gives up on a message parks it on `<source topic>.dlt` with its error
(consumer_runner.KafkaDeadLetters). Each parked record is named by where it lies,
`<dlt topic>/<partition>/<offset>`. What operators do with one is recorded, with who and
why, on `<prefix>.dead-letters.actions` (retained forever, one partition: the audit trail of
every replay and drop); a dead letter is `parked` until an action says `replayed` or
`dropped`.

A replay sends the record, as it was first published (its key, value and headers, without
the dlt.* ones, with `replay.of: <id>`), to the replay topic of the group that gave up
(`<group>.replay`), which that group's consumer reads beside its own topics: only the consumer
that failed handles it again, idempotently (every handler drops an event it has by its id),
and the source topic keeps the history exactly as published. If it fails again it is parked
again on the same dead-letter topic, as a new dead letter whose `replay.of` names the first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition

from shared.events.envelope import canonical_json

REPLAY_OF = "replay.of"
READ_SECONDS = 60.0  # to read a topic to its end
PARKED, REPLAYED, DROPPED = "parked", "replayed", "dropped"


@dataclass(frozen=True)
class DeadLetter:
    """One parked record and what is known of it."""

    id: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    state: str = PARKED
    actions: tuple[dict[str, Any], ...] = field(default=())

    def header(self, name: str) -> str:
        return next((v.decode(errors="replace") for k, v in self.headers if k == name), "")

    @property
    def group(self) -> str:
        return self.header("dlt.group")

    @property
    def error(self) -> str:
        return self.header("dlt.error")

    def summary(self) -> dict[str, Any]:
        """What `list` shows of it."""
        return {"id": self.id, "state": self.state, "group": self.group,
                "source": self.header("dlt.source"), "parked_at": self.header("dlt.time"),
                "attempts": self.header("dlt.attempts"), "error": self.error.splitlines()[0]
                if self.error else "", "replay_of": self.header(REPLAY_OF) or None}  # fmt: skip

    def detail(self) -> dict[str, Any]:
        """What `show` shows of it: the summary, the trace, the headers and the value."""
        try:
            value: Any = json.loads(self.value)
        except ValueError:
            value = self.value.decode(errors="replace")
        headers = {k: v.decode(errors="replace") for k, v in self.headers
                   if k not in ("dlt.trace",)}  # fmt: skip
        return self.summary() | {"key": self.key.decode(errors="replace") if self.key else None,
                                 "trace": self.header("dlt.trace"), "headers": headers,
                                 "value": value, "actions": list(self.actions)}  # fmt: skip

    def replayed_headers(self) -> list[tuple[str, bytes]]:
        """The headers it was first published with, and which dead letter it replays."""
        kept = [(k, v) for k, v in self.headers if not k.startswith("dlt.") and k != REPLAY_OF]
        return [*kept, (REPLAY_OF, self.id.encode())]


def dead_letter_topic_of(dead_letter_id: str) -> str:
    """The dead-letter topic a dead letter's id names."""
    topic, _, _ = dead_letter_id.rsplit("/", 2)
    return topic


def replay_topic(group: str) -> str:
    """The topic a group's consumer reads replayed dead letters from."""
    return f"{group}.replay"


def states(actions: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every action by dead letter, in order."""
    found: dict[str, list[dict[str, Any]]] = {}
    for action in actions:
        found.setdefault(str(action["id"]), []).append(dict(action))
    return found


def state_of(actions: Sequence[Mapping[str, Any]]) -> str:
    """A dead letter's state from its actions: the last one's, parked without any."""
    return str(actions[-1]["action"]) if actions else PARKED


class DeadLetterTopics:
    """The dead-letter topics of one deployment (a topic prefix), read and acted on."""

    def __init__(self, bootstrap_servers: str, prefix: str, actions_topic: str) -> None:
        self._servers = bootstrap_servers
        self._prefix = prefix
        self._actions_topic = actions_topic
        self._producer: KafkaProducer | None = None

    def topics(self) -> list[str]:
        """Every dead-letter topic of the prefix."""
        consumer = KafkaConsumer(bootstrap_servers=self._servers, group_id=None)
        try:
            names = consumer.topics()
        finally:
            consumer.close()
        return sorted(t for t in names if t.startswith(f"{self._prefix}.") and t.endswith(".dlt"))

    def all(self) -> list[DeadLetter]:
        """Every dead letter, oldest first per topic, with its state."""
        acted = states(self.actions())
        letters = []
        for topic in self.topics():
            for record in _read(self._servers, topic):
                letter_id = f"{record.topic}/{record.partition}/{record.offset}"
                done = tuple(acted.get(letter_id, ()))
                headers = tuple(record.headers or ())
                letters.append(DeadLetter(letter_id, record.key, record.value or b"", headers,
                                          state_of(done), done))  # fmt: skip
        return letters

    def actions(self) -> list[dict[str, Any]]:
        """The audit trail of every replay and drop, oldest first."""
        return [json.loads(r.value) for r in _read(self._servers, self._actions_topic) if r.value]

    def replay(self, letter: DeadLetter, actor: str, reason: str) -> dict[str, Any]:
        """Send it to its group's replay topic, then record the replay; the action."""
        if not letter.group:
            raise ValueError(f"{letter.id} names no consumer group (dlt.group)")
        target = replay_topic(letter.group)
        producer = self._publisher()
        producer.send(target, key=letter.key, value=letter.value,
                      headers=letter.replayed_headers()).get(timeout=30)  # fmt: skip
        return self._record(letter, REPLAYED, actor, reason, {"to": target})

    def drop(self, letter: DeadLetter, actor: str, reason: str) -> dict[str, Any]:
        """Record that it is dropped (it stays on its topic, as history); the action."""
        return self._record(letter, DROPPED, actor, reason, {})

    def _record(self, letter: DeadLetter, action: str, actor: str, reason: str,
                extra: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        entry = {"id": letter.id, "action": action, "actor": actor, "reason": reason,
                 "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                 "group": letter.group, **extra}  # fmt: skip
        self._publisher().send(self._actions_topic, key=letter.id.encode(),
                               value=canonical_json(entry)).get(timeout=30)  # fmt: skip
        return entry

    def _publisher(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(bootstrap_servers=self._servers, acks="all",
                                           client_id="mastery-dead-letters")  # fmt: skip
        return self._producer

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()


def _read(servers: str, topic: str) -> Iterator[Any]:
    """Every record of a topic from its beginning to its end now (nothing if it is absent)."""
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic)
                                                                or ())]  # fmt: skip
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        remaining = {p for p in partitions if ends[p] > consumer.position(p)}
        deadline = time.monotonic() + READ_SECONDS
        while remaining and time.monotonic() < deadline:
            for partition, records in consumer.poll(timeout_ms=1000).items():
                for record in records:
                    if record.offset < ends[partition]:
                        yield record
            remaining = {p for p in remaining if consumer.position(p) < ends[p]}
        if remaining:
            raise TimeoutError(f"{topic} not read to its end in {READ_SECONDS:g} s")
    finally:
        consumer.close()
