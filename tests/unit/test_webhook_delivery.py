"""Webhook subscriptions and delivery without I/O: the handlers over an in-memory event store,
the fan-out, the delivery store over an in-memory database and the dispatcher with a fake
sender and clock. Signatures are checked with the official `standardwebhooks` library."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from services.reporting.commands import (
    ChangeSubscription,
    CreateSubscription,
    DeleteSubscription,
    ReplayDeliveries,
    RotateSecret,
)
from services.reporting.domain.webhook_subscription import DISABLED, WebhookSubscription
from services.reporting.handlers import WebhookHandlers
from services.reporting.handlers.base import Services
from services.reporting.queries import webhooks as queries
from services.reporting.webhooks.deliveries import Attempt, DeliveryStore
from services.reporting.webhooks.directory import SubscriptionDirectory
from services.reporting.webhooks.dispatcher import Dispatcher, webhook_body
from services.reporting.webhooks.fan_out import FanOut
from shared.auth.caller import Caller
from shared.auth.tokens import Principal
from shared.clock import Clock, instant
from shared.crypto.secret_box import SecretBox
from shared.domain.errors import Forbidden, InvalidCommand, NotFound
from shared.eventstore.memory_event_store import MemoryEventStore
from tests.unit.memory_collection import MemoryDatabase

HR = Caller(Principal("hr-1", "acme", frozenset({"hr"})), "corr-1")
COACH = Caller(Principal("coach-1", "acme", frozenset({"coach"})), "corr-2")
FOREIGN_HR = Caller(Principal("hr-9", "globex", frozenset({"hr"})), "corr-3")
# The start of each test's clock: now, as the receivers' library refuses old timestamps
START = float(int(time.time()))
ALIGNED, REVISED = "mastery.kpi.KpiAligned.v1", "mastery.kpi.KpiRevised.v1"


@dataclass
class Adapters:
    event_store: MemoryEventStore
    webhook_directory: SubscriptionDirectory


class FakeSender:
    """Answers each POST with the next status (the last one repeats), keeping what it got."""

    def __init__(self, *statuses: int | None) -> None:
        self.statuses, self.sent = list(statuses) or [200], []
        self.clock = time.time

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Attempt:
        self.sent.append((url, body, dict(headers)))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return Attempt(at(self.clock()), status, 2.0, "ok" if status else "",
                       "" if status else "ConnectionRefusedError")  # fmt: skip


class World:
    """Handlers, fan-out and dispatcher over memory, with a clock the test moves."""

    def __init__(self, sender: FakeSender, schedule=(5.0, 60.0), disable_after=1e9,
                 resolve=lambda host: ["93.184.216.34"]) -> None:  # fmt: skip
        global START
        START = self.now = float(int(time.time()))
        self.database = MemoryDatabase()
        self.store = DeliveryStore(self.database)  # type: ignore[arg-type]
        self.directory = SubscriptionDirectory(self.database["webhook_directory"])  # type: ignore[arg-type]
        self.events = MemoryEventStore()
        box = SecretBox(bytes(range(32)))
        clock = Clock(lambda: datetime.fromtimestamp(self.now, UTC))
        services = Services(Adapters(self.events, self.directory), box, clock, resolve)
        self.handlers = WebhookHandlers(services)
        self.sender = sender
        sender.clock = lambda: self.now
        self.dispatcher = self._dispatcher(box, schedule, disable_after)
        self.fan_out = FanOut(self.directory, self.store, self.dispatcher, self.subscription)

    def _dispatcher(self, box, schedule, disable_after) -> Dispatcher:
        def disable(subscription_id: str, since: str) -> None:
            from services.reporting.commands import DisableSubscription

            system = Caller(Principal("system", "acme", frozenset({"system"})), "c")
            self.handle(DisableSubscription(subscription_id=subscription_id, failing_since=since),
                        system)  # fmt: skip

        return Dispatcher(self.store, self.subscription, self.sender, box, disable,  # type: ignore[arg-type]
                          schedule=schedule, disable_after=disable_after,
                          now=lambda: self.now, draw=lambda: 0.5)  # fmt: skip

    def subscription(self, subscription_id: str) -> WebhookSubscription | None:
        stream = WebhookSubscription.stream_for(subscription_id)
        events = self.events.load(stream)
        return WebhookSubscription.replay(stream, events) if events else None

    def handle(self, command, caller=HR) -> dict[str, Any]:
        """Run the command, and feed the fan-out the event it published (as the topic would)."""
        result = self.handlers.handle(command, caller)
        for envelope in self.events.load(WebhookSubscription.stream_for(result.body["id"]))[-1:]:
            self.fan_out(envelope)
        return result.body

    def subscribe(self, types=(ALIGNED,)) -> dict[str, Any]:
        url = "https://hr.example.com/hook"
        return self.handle(CreateSubscription(url=url, event_types=types, description="HR"))


def at(moment: float) -> str:
    return instant(datetime.fromtimestamp(moment, UTC))


def event(n: int, engagement: str = "e1", kind: str = ALIGNED, tenant: str = "acme",
          after: float = 1.0) -> dict[str, Any]:  # fmt: skip
    """An event `after` seconds (and n ms) from the start."""
    return {"id": f"ev-{n}", "type": kind, "subject": engagement, "tenant": tenant,
            "time": at(START + after + n / 1000), "data": {"n": n}}  # fmt: skip


def verified(secret: str, sent: tuple[str, bytes, dict[str, str]]) -> Any:
    return Webhook(secret).verify(sent[1], sent[2])


def test_a_subscription_answers_its_secret_once_and_publishes_neither_secret_nor_url():
    world = World(FakeSender())
    created = world.subscribe()
    assert created["secret"].startswith("whsec_") and created["status"] == "active"
    envelope = world.events.load(WebhookSubscription.stream_for(created["id"]))[0]
    assert created["secret"] not in json.dumps(envelope["data"])
    assert "/hook" not in json.dumps(envelope["data"]) and envelope["data"]["endpoint"]
    private = json.dumps(envelope.get("private"))
    assert created["secret"] not in private and "v1:" in private  # sealed in the store
    shown, version = queries.subscription(world.directory, world.store, HR.principal,
                                          created["id"])  # fmt: skip
    assert "secret" not in shown and version == 1 and shown["stats"]["delivered"] == 0


def test_only_hr_and_admin_of_the_tenant_manage_subscriptions():
    world = World(FakeSender())
    created = world.subscribe()
    with pytest.raises(Forbidden):
        world.handlers.handle(CreateSubscription(url="https://x.example.com", event_types=("*",)),
                              COACH)  # fmt: skip
    with pytest.raises(Forbidden):
        queries.subscriptions(world.directory, world.store, COACH.principal)
    with pytest.raises(NotFound):
        world.handlers.handle(ChangeSubscription(subscription_id=created["id"], status="paused"),
                              FOREIGN_HR)  # fmt: skip
    with pytest.raises(NotFound):
        queries.subscription(world.directory, world.store, FOREIGN_HR.principal, created["id"])
    assert queries.subscriptions(world.directory, world.store, FOREIGN_HR.principal) == {
        "webhooks": []}  # fmt: skip


@pytest.mark.parametrize(
    ("types", "resolved"),
    [(("NoSuchEvent",), ["93.184.216.34"]), (("*", ALIGNED), ["93.184.216.34"]), ((), ["1.1.1.1"]),
     (("*",), ["10.0.0.7"]), (("*",), ["93.184.216.34", "127.0.0.1"]), (("*",), [])],
)  # fmt: skip
def test_unknown_types_and_hosts_resolving_to_private_addresses_are_refused(types, resolved):
    world = World(FakeSender(), resolve=lambda host: resolved)
    with pytest.raises(InvalidCommand):
        world.subscribe(types)
    assert world.directory.subscriptions("acme") == []


def test_each_event_of_the_tenant_and_types_is_delivered_signed_once():
    world = World(FakeSender(200))
    created = world.subscribe()
    before = event(0, after=-1)  # before the subscription
    events = [before, event(1), event(2, kind=REVISED), event(3, "e2"), event(4, tenant="globex")]
    for envelope in [*events, events[1]]:  # the first delivered again by Kafka
        world.fan_out(envelope)
    assert world.dispatcher.deliver_due() == 2
    assert world.dispatcher.deliver_due() == 0
    bodies = [verified(created["secret"], sent) for sent in world.sender.sent]
    assert sorted(b["id"] for b in bodies) == ["ev-1", "ev-3"]
    first = next(s for s in world.sender.sent if s[2]["webhook-id"] == "ev-1")
    assert first[1] == webhook_body(events[1])
    assert first[2]["Content-Type"] == "application/cloudevents+json"
    restarted = World(FakeSender(200))
    restarted.store, restarted.events = world.store, world.events
    restarted.dispatcher = restarted._dispatcher(SecretBox(bytes(range(32))), (5.0,), 1e9)
    restarted.dispatcher.load()
    assert restarted.dispatcher.deliver_due() == 0  # delivered and recorded: never again
    stats = queries.subscription(world.directory, world.store, HR.principal, created["id"])[0]
    assert (stats["stats"]["delivered"], stats["stats"]["attempts"]) == (2, 2)


def test_a_failing_delivery_is_retried_per_the_schedule_and_holds_back_its_engagement_only():
    world = World(FakeSender(500, 200))
    created = world.subscribe()
    for envelope in (event(1, "e1"), event(2, "e1"), event(3, "e2")):
        world.fan_out(envelope)
    world.dispatcher.deliver_due()  # e1's first fails, e2's goes
    world.dispatcher.deliver_due()
    assert [s[2]["webhook-id"] for s in world.sender.sent] == ["ev-1", "ev-3"]
    world.now += 4.9
    assert world.dispatcher.deliver_due() == 0  # ev-2 waits behind ev-1's retry
    world.now += 0.2
    world.dispatcher.deliver_due()
    world.dispatcher.deliver_due()
    assert [s[2]["webhook-id"] for s in world.sender.sent] == ["ev-1", "ev-3", "ev-1", "ev-2"]
    log = queries.attempts(world.directory, world.store, HR.principal, created["id"], 10, 0)
    assert [(a["event_id"], a["status"], a["outcome"]) for a in reversed(log["attempts"])] == [
        ("ev-1", 500, "retrying"), ("ev-3", 200, "delivered"), ("ev-1", 200, "delivered"),
        ("ev-2", 200, "delivered")]  # fmt: skip


def test_a_delivery_out_of_attempts_fails_and_a_replay_sends_it_again():
    world = World(FakeSender(None, 503, 500, 200), schedule=(1.0,))
    created = world.subscribe()
    world.fan_out(event(1))
    world.dispatcher.deliver_due()
    world.now += 2
    world.dispatcher.deliver_due()
    assert world.store.delivery(f"{created['id']}:ev-1")["status"] == "failed"
    world.now += 60
    assert world.dispatcher.deliver_due() == 0
    world.handle(ReplayDeliveries(subscription_id=created["id"], since=at(START - 86400),
                                  until=at(START + 86400)))  # fmt: skip
    world.dispatcher.deliver_due()  # 500
    world.now += 2
    world.dispatcher.deliver_due()  # 200
    assert world.store.delivery(f"{created['id']}:ev-1")["status"] == "delivered"
    assert world.store.stats(created["id"])["failing_since"] is None


def test_a_paused_subscription_holds_its_deliveries_and_a_deleted_one_drops_them():
    world = World(FakeSender(200))
    created = world.subscribe()
    world.handle(ChangeSubscription(subscription_id=created["id"], status="paused"))
    world.fan_out(event(1))
    assert world.dispatcher.deliver_due() == 0 and world.dispatcher.backlog() == 1
    world.handle(ChangeSubscription(subscription_id=created["id"], status="active"))
    assert world.dispatcher.deliver_due() == 1
    world.handle(ChangeSubscription(subscription_id=created["id"], status="paused"))
    world.fan_out(event(2))
    world.handle(DeleteSubscription(subscription_id=created["id"]))
    assert world.dispatcher.backlog() == 0 and len(world.sender.sent) == 1
    assert world.store.delivery(f"{created['id']}:ev-2")["status"] == "dropped"
    with pytest.raises(NotFound):
        world.handlers.handle(DeleteSubscription(subscription_id=created["id"]), HR)


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends():
    world = World(FakeSender(200))
    created = world.subscribe()
    rotated = world.handle(RotateSecret(subscription_id=created["id"], overlap_seconds=60))
    world.fan_out(event(1))
    world.dispatcher.deliver_due()
    for secret in (created["secret"], rotated["secret"]):
        verified(secret, world.sender.sent[-1])
    world.now += 61
    world.fan_out(event(2, after=120))
    world.dispatcher.deliver_due()
    assert world.sender.sent[-1][2]["webhook-signature"].count("v1,") == 1
    verified(rotated["secret"], world.sender.sent[-1])


def test_a_subscription_failing_for_the_whole_window_is_disabled_by_an_event():
    world = World(FakeSender(500), schedule=(10.0, 10.0, 10.0), disable_after=25)
    created = world.subscribe()
    world.fan_out(event(1))
    for _ in range(4):
        world.dispatcher.deliver_due()
        world.now += 12
    assert world.subscription(created["id"]).status == DISABLED
    names = [e["type"] for e in world.events.load(WebhookSubscription.stream_for(created["id"]))]
    assert names[-1] == "mastery.webhooks.WebhookSubscriptionDisabled.v1"
    sent = len(world.sender.sent)
    world.fan_out(event(2))
    world.now += 100
    world.dispatcher.deliver_due()
    assert len(world.sender.sent) == sent  # held while disabled


def test_a_secret_sealed_under_another_key_signs_nothing_and_nothing_is_sent():
    world = World(FakeSender(200))
    created = world.subscribe()
    world.dispatcher = world._dispatcher(SecretBox(bytes([7]) * 32), (5.0,), 1e9)
    world.fan_out = FanOut(world.directory, world.store, world.dispatcher, world.subscription)
    world.fan_out(event(1))
    world.dispatcher.deliver_due()
    assert world.sender.sent == []
    log = queries.attempts(world.directory, world.store, HR.principal, created["id"], 5, 0)
    assert "ML_WEBHOOKS_KEY" in log["attempts"][0]["error"]


def test_a_2xx_from_the_receiver_sends_its_other_waiting_deliveries_at_once():
    world = World(FakeSender(None, None, 200), schedule=(300.0,))
    world.subscribe()
    world.fan_out(event(1, "e1"))
    world.fan_out(event(2, "e2"))
    world.dispatcher.deliver_due()  # both refused: each waits about 5 minutes
    world.now += 1
    assert world.dispatcher.deliver_due() == 0
    world.fan_out(event(3, "e3", after=2))  # a new engagement's event: the receiver is back
    assert world.dispatcher.deliver_due() == 1
    assert world.dispatcher.deliver_due() == 2  # e1 and e2 no longer wait for their retry
    assert sorted(s[2]["webhook-id"] for s in world.sender.sent[-3:]) == ["ev-1", "ev-2", "ev-3"]
