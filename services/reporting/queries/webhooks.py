"""Webhook subscription reads for hr and admin of the tenant: the list and one subscription
with its delivery statistics, and its attempts log, newest first. The subscription directory
and the delivery store are read by `_id` (services/reporting/webhooks/)."""

from __future__ import annotations

from typing import Any, Protocol

from services.reporting.domain.webhook_subscription import DELETED
from shared.auth.access import WEBHOOK_MANAGERS
from shared.auth.tokens import Principal
from shared.domain.errors import NotFound


class Directory(Protocol):
    def subscriptions(self, tenant: str) -> list[dict[str, Any]]: ...

    def find(self, tenant: str, subscription_id: str) -> dict[str, Any] | None: ...


class Deliveries(Protocol):
    def stats(self, subscription_id: str) -> dict[str, Any]: ...

    def attempts(self, subscription_id: str, tenant: str, limit: int,
                 skip: int) -> tuple[list[dict[str, Any]], int]: ...  # fmt: skip


def require_manager(caller: Principal) -> None:
    """Forbidden (403) unless the caller manages the tenant's webhooks."""
    WEBHOOK_MANAGERS.require(caller.roles)


def shown(entry: dict[str, Any], deliveries: Deliveries) -> dict[str, Any]:
    """A subscription as listed: its fields (never its secret) and its statistics."""
    fields = ("id", "url", "event_types", "description", "status", "created_at")
    return {**{f: entry[f] for f in fields}, "stats": deliveries.stats(entry["id"])}


def subscriptions(directory: Directory, deliveries: Deliveries,
                  caller: Principal) -> dict[str, Any]:  # fmt: skip
    """The caller's tenant's subscriptions, oldest first."""
    require_manager(caller)
    listed = directory.subscriptions(caller.tenant)
    return {"webhooks": [shown(entry, deliveries) for entry in listed]}


def subscription(directory: Directory, deliveries: Deliveries, caller: Principal,
                 subscription_id: str) -> tuple[dict[str, Any], int]:  # fmt: skip
    """One of the caller's tenant's subscriptions and its stream version (404 otherwise)."""
    require_manager(caller)
    entry = directory.find(caller.tenant, subscription_id)
    if entry is None or entry["status"] == DELETED:
        raise NotFound(f"webhook subscription {subscription_id} not found")
    return shown(entry, deliveries), int(entry["version"])


def attempts(directory: Directory, deliveries: Deliveries, caller: Principal,
             subscription_id: str, limit: int, offset: int) -> dict[str, Any]:  # fmt: skip
    """The subscription's delivery attempts, newest first: time, event, status, latency, the
    answer's first 1 KB, outcome."""
    subscription(directory, deliveries, caller, subscription_id)
    rows, total = deliveries.attempts(subscription_id, caller.tenant, limit, offset)
    shown_fields = ("at", "event_id", "event_type", "attempt", "status", "latency_ms",
                    "answer", "error", "outcome")  # fmt: skip
    return {
        "subscription_id": subscription_id,
        "total": total,
        "limit": limit,
        "offset": offset,
        "attempts": [{f: r.get(f) for f in shown_fields} for r in rows],
    }
