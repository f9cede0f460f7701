"""The WebhookSubscription aggregate: an HR system's HTTPS endpoint for one tenant's events.

One stream per subscription, in the reporting service's own event store, published on the
webhooks topic (so every change is in the tenant's audit trail: who, when, why). The signing
secret never leaves the service: it travels in the events' private part (kept in the
service's store, outside the published data and the hash chain), sealed with the service's
key (shared/crypto/secret_box.py). During a rotation's overlap the previous secret signs too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import InvalidCommand, InvalidTransition
from shared.events.envelope import event_name

CONTEXT = "webhooks"
ALL_TYPES = "*"
ACTIVE, PAUSED, DISABLED, DELETED = "active", "paused", "disabled", "deleted"


def wants(subscription_types: Iterable[str], event_type: str) -> bool:
    """Whether a subscription of these types ("*", CloudEvents types, bare event names) takes
    an event of this CloudEvents type."""
    types = set(subscription_types)
    return bool({ALL_TYPES, event_type, event_name(event_type)} & types)


def origin(url: str) -> str:
    """What of a URL is published: its scheme, host and port, never its path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


@dataclass(frozen=True)
class WebhookSubscriptionCreated(DomainEvent):
    """An HR system subscribed an HTTPS endpoint to its tenant's events."""

    NAME: ClassVar[str] = "WebhookSubscriptionCreated"
    # The URL may carry a receiver's token in its path or query: only its origin is published
    PRIVATE: ClassVar[tuple[str, ...]] = ("url", "sealed_secret")
    subscription_id: str
    endpoint: str
    event_types: tuple[str, ...]
    description: str
    created_at: str
    url: str = ""
    sealed_secret: str = ""


@dataclass(frozen=True)
class WebhookSubscriptionChanged(DomainEvent):
    """The endpoint's URL, event types or description changed (only the fields given)."""

    NAME: ClassVar[str] = "WebhookSubscriptionChanged"
    PRIVATE: ClassVar[tuple[str, ...]] = ("url",)
    subscription_id: str
    endpoint: str | None = None
    event_types: tuple[str, ...] | None = None
    description: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class WebhookSecretRotated(DomainEvent):
    """A new signing secret; the previous one signs too until `previous_expires_at`."""

    NAME: ClassVar[str] = "WebhookSecretRotated"
    PRIVATE: ClassVar[tuple[str, ...]] = ("sealed_secret",)
    subscription_id: str
    previous_expires_at: str
    sealed_secret: str = ""


@dataclass(frozen=True)
class WebhookSubscriptionPaused(DomainEvent):
    """Deliveries held (still queued, nothing sent) until resumed."""

    NAME: ClassVar[str] = "WebhookSubscriptionPaused"
    subscription_id: str


@dataclass(frozen=True)
class WebhookSubscriptionResumed(DomainEvent):
    """Deliveries go out again, the held ones first, in order."""

    NAME: ClassVar[str] = "WebhookSubscriptionResumed"
    subscription_id: str


@dataclass(frozen=True)
class WebhookSubscriptionDisabled(DomainEvent):
    """The delivery worker stopped sending: every delivery failed since `failing_since`."""

    NAME: ClassVar[str] = "WebhookSubscriptionDisabled"
    subscription_id: str
    failing_since: str


@dataclass(frozen=True)
class WebhookSubscriptionDeleted(DomainEvent):
    """The subscription ended; its queued deliveries are dropped."""

    NAME: ClassVar[str] = "WebhookSubscriptionDeleted"
    subscription_id: str


@dataclass(frozen=True)
class WebhookDeliveriesReplayed(DomainEvent):
    """Failed deliveries queued again: one (`event_id`) or those failed in [since, until)."""

    NAME: ClassVar[str] = "WebhookDeliveriesReplayed"
    subscription_id: str
    event_id: str | None = None
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class Secret:
    """A sealed signing secret and when it stops signing (None: the current one)."""

    sealed: str
    expires_at: str | None = None


class WebhookSubscription(Aggregate):
    """State rebuilt from the subscription's stream."""

    CONTEXT = CONTEXT
    EVENTS = (
        WebhookSubscriptionCreated, WebhookSubscriptionChanged, WebhookSecretRotated,
        WebhookSubscriptionPaused, WebhookSubscriptionResumed, WebhookSubscriptionDisabled,
        WebhookSubscriptionDeleted, WebhookDeliveriesReplayed,
    )  # fmt: skip

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.subscription_id = self.url = self.description = self.created_at = ""
        self.event_types: tuple[str, ...] = ()
        self.status = ACTIVE
        self.secrets: tuple[Secret, ...] = ()

    @staticmethod
    def stream_for(subscription_id: str) -> str:
        """The stream id of a subscription."""
        return f"webhook-{subscription_id}"

    @property
    def subject(self) -> str:
        """Its events are keyed on Kafka by the subscription (it belongs to no engagement)."""
        return self.subscription_id

    @classmethod
    def create(cls, event: WebhookSubscriptionCreated) -> WebhookSubscription:
        """A new subscription, active, signing with its first secret."""
        subscription = cls(cls.stream_for(event.subscription_id))
        subscription.record(event)
        return subscription

    def wants(self, event_type: str) -> bool:
        """Whether the subscription takes events of this CloudEvents type."""
        return wants(self.event_types, event_type)

    def signing_secrets(self, now: str) -> list[str]:
        """The sealed secrets that sign now: the current one, and the previous one during a
        rotation's overlap."""
        return [s.sealed for s in self.secrets if s.expires_at is None or s.expires_at > now]

    # ------------------------------------------------------------------ decisions

    def change(self, url: str | None, event_types: tuple[str, ...] | None,
               description: str | None) -> None:  # fmt: skip
        """Change the fields given; nothing recorded when none differs."""
        self._require_not_deleted()
        changed = WebhookSubscriptionChanged(
            self.subscription_id,
            endpoint=origin(url) if url is not None and url != self.url else None,
            event_types=event_types if event_types not in (None, self.event_types) else None,
            description=description if description not in (None, self.description) else None,
            url=url if url is not None and url != self.url else None,
        )
        if (changed.url, changed.event_types, changed.description) != (None, None, None):
            self.record(changed)

    def rotate_secret(self, sealed_secret: str, previous_expires_at: str) -> None:
        """Sign with a new secret; the current one keeps signing until `previous_expires_at`."""
        self._require_not_deleted()
        self.record(WebhookSecretRotated(self.subscription_id, previous_expires_at, sealed_secret))

    def pause(self) -> None:
        """Hold deliveries (an already paused subscription stays as it is)."""
        self._require_not_deleted()
        if self.status != PAUSED:
            self.record(WebhookSubscriptionPaused(self.subscription_id))

    def resume(self) -> None:
        """Send again, after a pause or a disabling (an active one stays as it is)."""
        self._require_not_deleted()
        if self.status != ACTIVE:
            self.record(WebhookSubscriptionResumed(self.subscription_id))

    def disable(self, failing_since: str) -> None:
        """Stop sending to an endpoint failing for too long (only an active one)."""
        if self.status == ACTIVE:
            self.record(WebhookSubscriptionDisabled(self.subscription_id, failing_since))

    def delete(self) -> None:
        """End the subscription (deleting it twice is refused: 404 at the edge)."""
        self._require_not_deleted()
        self.record(WebhookSubscriptionDeleted(self.subscription_id))

    def replay_failed(self, event_id: str | None, since: str | None, until: str | None) -> None:
        """Queue failed deliveries again: one event's, or those failed in [since, until)."""
        self._require_not_deleted()
        if event_id is None and since is None and until is None:
            raise InvalidCommand("name an event_id, or a time range (from, to)")
        if since is not None and until is not None and since >= until:
            raise InvalidCommand("from must come before to")
        self.record(WebhookDeliveriesReplayed(self.subscription_id, event_id, since, until))

    def _require_not_deleted(self) -> None:
        if self.status == DELETED:
            raise InvalidTransition(f"webhook subscription {self.subscription_id} is deleted")

    # ------------------------------------------------------------------ state

    def on_WebhookSubscriptionCreated(self, event: WebhookSubscriptionCreated) -> None:
        self.subscription_id, self.url = event.subscription_id, event.url
        self.event_types, self.description = tuple(event.event_types), event.description
        self.created_at, self.secrets = event.created_at, (Secret(event.sealed_secret),)

    def on_WebhookSubscriptionChanged(self, event: WebhookSubscriptionChanged) -> None:
        self.url = event.url or self.url
        if event.event_types is not None:
            self.event_types = tuple(event.event_types)
        if event.description is not None:
            self.description = event.description

    def on_WebhookSecretRotated(self, event: WebhookSecretRotated) -> None:
        current = [s for s in self.secrets if s.expires_at is None]
        previous = tuple(Secret(s.sealed, event.previous_expires_at) for s in current)
        self.secrets = (Secret(event.sealed_secret), *previous)

    def on_WebhookSubscriptionPaused(self, event: WebhookSubscriptionPaused) -> None:
        self.status = PAUSED

    def on_WebhookSubscriptionResumed(self, event: WebhookSubscriptionResumed) -> None:
        self.status = ACTIVE

    def on_WebhookSubscriptionDisabled(self, event: WebhookSubscriptionDisabled) -> None:
        self.status = DISABLED

    def on_WebhookSubscriptionDeleted(self, event: WebhookSubscriptionDeleted) -> None:
        self.status, self.secrets = DELETED, ()

    def on_WebhookDeliveriesReplayed(self, event: WebhookDeliveriesReplayed) -> None:
        """Nothing of the subscription changes: the delivery worker acts on it."""
