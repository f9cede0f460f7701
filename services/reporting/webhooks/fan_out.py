"""The fan-out: the delivery worker's consumer of every topic (its own consumer group).

An engagement event becomes one pending delivery per subscription of its tenant that takes
its type and existed when it happened; the store's ids make a redelivered event change
nothing. A subscription's own event (webhooks topic) refreshes its directory entry from its
stream, tells the dispatcher (paused, resumed, rotated, deleted) and carries out a replay.
The offset is committed after this returns (the consumer runner), so nothing is lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from services.reporting.domain.audit import is_tenant_event
from services.reporting.domain.webhook_subscription import WebhookSubscription, wants
from services.reporting.webhooks.deliveries import DeliveryStore
from services.reporting.webhooks.directory import SubscriptionDirectory
from services.reporting.webhooks.dispatcher import Dispatcher, webhook_body
from shared.events.envelope import event_name


class FanOut:
    """Queues each event for the subscriptions that take it."""

    def __init__(
        self, directory: SubscriptionDirectory, store: DeliveryStore, dispatcher: Dispatcher,
        subscription: Callable[[str], WebhookSubscription | None],
    ) -> None:  # fmt: skip
        self._directory, self._store = directory, store
        self._dispatcher, self._load = dispatcher, subscription

    def __call__(self, envelope: dict[str, Any]) -> None:
        if is_tenant_event(envelope):
            self._subscription_event(envelope)
            return
        tenant, body = envelope["tenant"], None
        for listed in self._directory.subscriptions(tenant):
            if listed["created_at"] > envelope["time"]:
                continue  # subscribed after the event
            if not wants(listed["event_types"], envelope["type"]):
                continue
            body = body or webhook_body(envelope)
            order = [envelope["subject"], envelope["time"], time.time_ns()]
            entry = self._store.enqueue(listed["id"], tenant, envelope, body, order)
            if entry is not None:
                self._dispatcher.offer(entry)

    def _subscription_event(self, envelope: dict[str, Any]) -> None:
        data = envelope["data"]
        subscription_id = str(data["subscription_id"])
        subscription = self._load(subscription_id)
        if subscription is not None and subscription.tenant == envelope["tenant"]:
            self._directory.record(envelope["tenant"], subscription)
        name = event_name(envelope["type"])
        if name == "WebhookSubscriptionDeleted":
            self._dispatcher.forget(subscription_id)
        elif name == "WebhookDeliveriesReplayed":
            replayed = self._store.replay(subscription_id, envelope["tenant"], data.get("event_id"),
                                          data.get("since"), data.get("until"))  # fmt: skip
            for entry in replayed:
                self._dispatcher.offer(entry)
        self._dispatcher.subscription_changed(subscription_id)
