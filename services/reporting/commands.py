"""The reporting service's commands: its one write side, the webhook subscriptions of HR
systems (services/reporting/domain/webhook_subscription.py). One imperative dataclass per
use case, each with exactly one handler in services/reporting/handlers/."""

from __future__ import annotations

from dataclasses import dataclass

from shared.commands import Command


@dataclass(frozen=True, kw_only=True)
class SubscriptionCommand(Command):
    """A command on an existing subscription's stream."""

    subscription_id: str
    reason: str = ""
    if_match: int | None = None


@dataclass(frozen=True, kw_only=True)
class CreateSubscription(Command):
    """Subscribe an HTTPS endpoint to the caller's tenant's events (types, or "*")."""

    url: str
    event_types: tuple[str, ...]
    description: str = ""
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ChangeSubscription(SubscriptionCommand):
    """Change the URL, event types or description, and pause or resume (`status`)."""

    url: str | None = None
    event_types: tuple[str, ...] | None = None
    description: str | None = None
    status: str | None = None  # "paused" or "active"


@dataclass(frozen=True, kw_only=True)
class RotateSecret(SubscriptionCommand):
    """Sign with a new secret; the current one keeps signing for `overlap_seconds`."""

    overlap_seconds: int


@dataclass(frozen=True, kw_only=True)
class DeleteSubscription(SubscriptionCommand):
    """End the subscription; its queued deliveries are dropped."""


@dataclass(frozen=True, kw_only=True)
class ReplayDeliveries(SubscriptionCommand):
    """Send failed deliveries again: one event's, or those failed in [since, until)."""

    event_id: str | None = None
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True, kw_only=True)
class DisableSubscription(SubscriptionCommand):
    """Stop sending to an endpoint failing since `failing_since` (the delivery worker)."""

    failing_since: str
