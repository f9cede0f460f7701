"""Reporting worker: python -m services.reporting.worker (projections from every topic,
webhook delivery, and the subject keys' loop, which keeps the keys the queries open personal
values with); `bootstrap(config)` is its composition root.

Several run side by side (ML_REPORTING_WORKERS in the local stack): the projections share
the topics' partitions in one consumer group; webhook delivery (the subscriptions' relay,
the fan-out and the dispatcher) runs in the one holding the `webhooks` lease, and moves to
another within seconds when it dies.

It writes to the active generation of read models. The consumer runner rewinds it after a
rebuild switches generations (`shared/messaging/rewind.py`): the live projector is its
position source, the generation its epoch and the rebuild's end offsets the epoch's start,
so what the worker had consumed beyond them reaches the new generation too (projections are
idempotent), whether the switch comes while it runs or before a partition is assigned to it.
"""

from __future__ import annotations

import uuid
from typing import Any

from kafka.structs import TopicPartition
from pymongo.database import Database

from services.reporting.commands import DisableSubscription
from services.reporting.handlers import WebhookHandlers
from services.reporting.handlers.base import Services
from services.reporting.projections.read_models import pointer
from services.reporting.projector import Projector
from services.reporting.webhooks.dispatcher import Dispatcher
from services.reporting.webhooks.fan_out import FanOut
from services.reporting.webhooks.resources import WebhookResources
from services.reporting.webhooks.sender import Sender, resolve
from shared.auth.caller import Caller
from shared.auth.tokens import Principal
from shared.clock import SYSTEM_CLOCK
from shared.config import ServiceConfig
from shared.crypto.secret_box import SecretBox
from shared.messaging.lease import Lease
from shared.messaging.rewind import Epoch
from shared.messaging.topics import CONTEXTS
from shared.privacy.key_arrival import KeyArrival
from shared.worker import (
    Loop,
    Worker,
    consumer_loop,
    key_loop,
    leased,
    relay_loop,
    run_worker,
)


class LiveProjector:
    """The projector of the active generation, following rebuild switches; the runner's
    position source."""

    def __init__(self, database: Database[Any], arrival: KeyArrival | None = None) -> None:
        """`arrival`, when given, holds each event back until its subject keys are known."""
        self._database = database
        self._arrival = arrival
        self._generation = -1
        self._projector: Projector | None = None

    def current(self) -> Epoch:
        """The active generation, and the offsets the rebuild that filled it reached; the
        projector moves to it first (an outage part-way leaves the move to do again)."""
        current = pointer(self._database)
        generation = int(current["generation"])
        if generation != self._generation:
            projector = Projector(self._database, generation)
            projector.setup()
            self._projector, self._generation = projector, generation
        starts = {TopicPartition(o["topic"], o["partition"]): o["offset"]
                  for o in current.get("offsets") or []}  # fmt: skip
        return Epoch(generation, starts)

    def __call__(self, envelope: dict[str, Any]) -> None:
        assert self._projector is not None, "the runner asks current() before each batch"
        if self._arrival is not None:
            self._arrival.wait_for(envelope)
        self._projector(envelope)


def bootstrap(config: ServiceConfig, resources: WebhookResources | None = None) -> Worker:
    """The reporting worker's composition root (these resources, or the configured ones):
    one consumer of every topic feeding every projection of the active generation; and
    webhook delivery: the relay of the subscriptions' outbox to the webhooks topic, the
    fan-out (a consumer of every topic in a group of its own) and the dispatcher."""
    resources = resources or WebhookResources(config)
    live = LiveProjector(resources.database, KeyArrival(resources.subject_keys))
    projections = consumer_loop(resources, CONTEXTS, live, positions=live)

    def webhook_loops(lease: Lease) -> list[Loop]:
        """Delivery, in the one worker holding the webhooks lease (built at each take: the
        dispatcher starts from the store's pending deliveries)."""
        dispatcher = webhook_dispatcher(config, resources)
        fan_out = FanOut(resources.webhook_directory, resources.deliveries, dispatcher,
                         resources.subscription)  # fmt: skip
        group = f"{config.group_id}.webhooks"
        return [relay_loop(resources, "webhooks", lease=lease),
                consumer_loop(resources, CONTEXTS, fan_out, group=group, static=False),
                Loop("webhook-dispatcher", dispatcher.run)]  # fmt: skip

    loops = [projections, leased(resources, "webhooks", webhook_loops), key_loop(resources)]
    return Worker(loops, resources)


def webhook_dispatcher(config: ServiceConfig, resources: WebhookResources) -> Dispatcher:
    """The dispatcher, disabling a failing subscription through its handler (as `system`)."""
    box = SecretBox.from_base64(config.webhooks_key)
    allow_private = bool(config.webhooks_allow_private)
    handlers = WebhookHandlers(
        Services(resources, box, SYSTEM_CLOCK, resolve, allow_private=allow_private)
    )

    def disable(subscription_id: str, failing_since: str) -> None:
        subscription = resources.subscription(subscription_id)
        if subscription is None:
            return
        system = Caller(Principal("system", subscription.tenant, frozenset({"system"})),
                        str(uuid.uuid4()))  # fmt: skip
        command = DisableSubscription(subscription_id=subscription_id,
                                      failing_since=failing_since,
                                      reason="every delivery failed for too long")  # fmt: skip
        handlers.handle(command, system)

    sender = Sender(allow_private, config.webhooks_connect_timeout, config.webhooks_total_timeout)
    return Dispatcher(
        resources.deliveries, resources.subscription, sender, box, disable,
        schedule=config.retry_schedule, disable_after=config.webhooks_disable_after_seconds,
        senders=config.webhooks_senders,
    )  # fmt: skip


if __name__ == "__main__":
    run_worker("reporting", bootstrap)
