"""The dispatcher: sends each pending delivery, in order per subscription and engagement,
with retries, from a pool of sender threads.

It keeps the pending deliveries in memory, a queue per (subscription, engagement) ordered by
the event's time: only a queue's head is sent, one at a time, so an engagement's events reach
a receiver in order, and a delivery waiting for its retry holds back the later ones of its
engagement (not those of others). It loads the store's pending entries at its start and is
offered new ones by the fan-out and by replays. A paused or disabled subscription's queues
are held; a deleted one's are dropped. Each attempt is signed afresh (a new timestamp).
"""

from __future__ import annotations

import bisect
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from services.reporting.domain import webhook_delivery as rules
from services.reporting.domain.webhook_subscription import ACTIVE, DELETED, WebhookSubscription
from services.reporting.webhooks.deliveries import PENDING, Attempt, DeliveryStore
from services.reporting.webhooks.sender import Sender
from shared.clock import instant
from shared.crypto.secret_box import SealedValueError, SecretBox
from shared.observability.metrics import WEBHOOK_DELIVERIES

log = logging.getLogger(__name__)
Key = tuple[str, str]  # (subscription, engagement)
STORE_RETRY_SECONDS = 5.0  # after the database failed a step
CONTENT_TYPE = "application/cloudevents+json"


def webhook_body(envelope: dict[str, Any]) -> bytes:
    """The structured CloudEvent a receiver gets: the envelope as published, as JSON."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def _order(entry: dict[str, Any]) -> tuple[str, int]:
    return str(entry["order"][1]), int(entry["order"][2])


class Dispatcher:
    """Sends the pending deliveries of every subscription."""

    def __init__(
        self, store: DeliveryStore, subscription: Callable[[str], WebhookSubscription | None],
        sender: Sender, box: SecretBox, on_failing: Callable[[str, str], None],
        schedule: Sequence[float] = rules.RETRY_SCHEDULE,
        disable_after: float = rules.DISABLE_AFTER_SECONDS, senders: int = 8,
        now: Callable[[], float] = time.time, draw: Callable[[], float] = random.random,
    ) -> None:  # fmt: skip
        self._store, self._load, self._sender, self._box = store, subscription, sender, box
        self._on_failing, self._schedule, self._disable_after = on_failing, schedule, disable_after
        self._now, self._draw, self._senders = now, draw, senders
        self._lock = threading.Condition()
        self._queues: dict[Key, list[dict[str, Any]]] = {}
        self._in_flight: set[Key] = set()
        self._subscriptions: dict[str, WebhookSubscription | None] = {}

    # ------------------------------------------------------------------ fed by the fan-out

    def offer(self, entry: dict[str, Any]) -> None:
        """A pending delivery to send (once: an id already queued is not queued twice)."""
        key = (str(entry["subscription_id"]), str(entry["order"][0]))
        with self._lock:
            queue = self._queues.setdefault(key, [])
            if any(e["_id"] == entry["_id"] for e in queue):
                return
            orders = [_order(e) for e in queue]
            queue.insert(bisect.bisect_right(orders, _order(entry)), dict(entry))
            self._lock.notify_all()

    def subscription_changed(self, subscription_id: str) -> None:
        """Read the subscription again before its next delivery (paused, resumed, rotated)."""
        with self._lock:
            self._subscriptions.pop(subscription_id, None)
            self._lock.notify_all()

    def forget(self, subscription_id: str) -> None:
        """Drop a deleted subscription's pending deliveries."""
        with self._lock:
            keys = [k for k in self._queues if k[0] == subscription_id and k not in self._in_flight]
            dropped = [e["_id"] for k in keys for e in self._queues.pop(k)]
        for _id in dropped:
            self._store.drop(_id)

    def backlog(self) -> int:
        """How many deliveries are pending."""
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    # ------------------------------------------------------------------ the loop

    def load(self) -> None:
        """Take in the store's pending deliveries (at the start)."""
        for entry in self._store.pending():
            self.offer(entry)

    def deliver_due(self) -> int:
        """Send every delivery due now once, in this thread; how many were sent."""
        due = self._due()
        for key, entry in due:
            self._deliver(key, entry)
        return len(due)

    def run(self, stop: threading.Event) -> None:
        """Send until `stop` from a pool of sender threads, the store's pending first."""
        self.load()
        with ThreadPoolExecutor(self._senders, thread_name_prefix="webhook-sender") as pool:
            while not stop.is_set():
                for key, entry in self._due():
                    pool.submit(self._deliver, key, entry)
                with self._lock:
                    self._lock.wait(timeout=min(1.0, max(0.01, self._next_due() - self._now())))
            with self._lock:
                self._lock.notify_all()

    def _due(self) -> list[tuple[Key, dict[str, Any]]]:
        with self._lock:
            now = self._now()
            heads = [(k, q[0]) for k, q in self._queues.items()
                     if q and k not in self._in_flight and float(q[0]["due"]) <= now]  # fmt: skip
        due = []
        for key, entry in heads:
            subscription = self._subscription(key[0])
            if subscription is not None and subscription.status not in (ACTIVE, DELETED):
                continue  # held while paused or disabled
            with self._lock:
                self._in_flight.add(key)
            due.append((key, entry))
        return due

    def _next_due(self) -> float:
        with self._lock:
            dues = [float(q[0]["due"]) for k, q in self._queues.items()
                    if q and k not in self._in_flight]  # fmt: skip
        return min(dues, default=self._now() + 1.0)

    def _subscription(self, subscription_id: str) -> WebhookSubscription | None:
        with self._lock:
            if subscription_id in self._subscriptions:
                return self._subscriptions[subscription_id]
        loaded = self._load(subscription_id)
        with self._lock:
            self._subscriptions[subscription_id] = loaded
        return loaded

    # ------------------------------------------------------------------ one delivery

    def _deliver(self, key: Key, entry: dict[str, Any]) -> None:
        done = False
        try:
            done = self._attempt(entry)
        except Exception:
            log.exception("webhook delivery step failed; retried", extra={"delivery": entry["_id"]})
            entry["due"] = self._now() + STORE_RETRY_SECONDS
        finally:
            with self._lock:
                self._in_flight.discard(key)
                queue = self._queues.get(key, [])
                if done and queue and queue[0]["_id"] == entry["_id"]:
                    queue.pop(0)
                if not queue:
                    self._queues.pop(key, None)
                self._lock.notify_all()

    def _attempt(self, entry: dict[str, Any]) -> bool:
        """Send the delivery once; whether it left the queue (delivered, failed, dropped)."""
        delivery = self._store.delivery(entry["_id"])
        if delivery is None or delivery["status"] != PENDING:
            return True
        subscription = self._subscription(delivery["subscription_id"])
        if subscription is None or subscription.status == DELETED:
            self._store.drop(entry["_id"])
            return True
        now = self._now()
        stamp = instant(datetime.fromtimestamp(now, UTC))
        secrets = self._secrets(subscription, stamp)
        body = bytes(delivery["body"])
        headers = {
            "Content-Type": CONTENT_TYPE, "User-Agent": "MasteryLedger-Webhooks/1",
            "webhook-id": delivery["event_id"], "webhook-timestamp": str(int(now)),
            "webhook-signature": rules.signature_header(secrets, delivery["event_id"],
                                                        int(now), body),
        }  # fmt: skip
        unsigned = "no signing secret opens with ML_WEBHOOKS_KEY: rotate the secret"
        attempt = (
            self._sender.post(subscription.url, body, headers)
            if secrets
            else Attempt(stamp, None, 0.0, error=unsigned)
        )
        if attempt.succeeded:
            self._store.delivered(delivery, attempt)
            WEBHOOK_DELIVERIES.labels("delivered").inc()
            self._receiver_back(subscription.subscription_id, now)
            return True
        failures = int(delivery.get("failures", 0)) + 1
        if rules.exhausted(failures, self._schedule):
            self._store.failed(delivery, attempt)
            WEBHOOK_DELIVERIES.labels("gave_up").inc()
            done = True
        else:
            WEBHOOK_DELIVERIES.labels("failed").inc()
            entry["due"] = now + rules.retry_delay(failures, self._draw(), self._schedule)
            entry["unreached"] = attempt.status is None  # refused or timed out: no answer
            self._store.retry_later(delivery, attempt, entry["due"])
            done = False
        self._check_failing(subscription.subscription_id)
        return done

    def _receiver_back(self, subscription_id: str, now: float) -> None:
        """A 2xx from the receiver: its deliveries waiting for a retry because it could not be
        reached go now (a receiver back from an outage gets its backlog at once, not at each
        delivery's next retry); one it answered with an error keeps its schedule."""
        with self._lock:
            for (subscription, _), queue in self._queues.items():
                if subscription != subscription_id or not queue or not queue[0].get("unreached"):
                    continue
                queue[0]["due"] = min(float(queue[0]["due"]), now)
            self._lock.notify_all()

    def _secrets(self, subscription: WebhookSubscription, now: str) -> list[str]:
        """The secrets that sign now, opened (one sealed under another key is left out)."""
        opened = []
        for sealed in subscription.signing_secrets(now):
            try:
                opened.append(self._box.open(sealed, subscription.subscription_id))
            except SealedValueError:
                log.error("webhook secret does not open with this key",
                          extra={"subscription": subscription.subscription_id})  # fmt: skip
        return opened

    def _check_failing(self, subscription_id: str) -> None:
        since = self._store.failing_since(subscription_id)
        started = datetime.fromisoformat(since).timestamp() if since else None
        if rules.should_disable(started, self._now(), self._disable_after):
            assert since is not None
            self._on_failing(subscription_id, since)
            self.subscription_changed(subscription_id)
