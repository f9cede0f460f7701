"""The subscription directory: per tenant, one document listing its subscriptions as they
stand (URL, event types, description, status, when created, stream version).

The handlers write it right after each commit, before answering, so a subscription is
listed, and fanned out to, from its 201 on; the reporting worker writes it again from the
webhooks topic (a crash between the commit and this write is repaired there). An entry is
replaced only by a newer version of its stream, so either order leaves the newest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.reporting.domain.webhook_subscription import DELETED, WebhookSubscription
from shared.domain.errors import ConcurrencyConflict

COLLECTION = "webhook_directory"
ATTEMPTS = 8


def entry(subscription: WebhookSubscription) -> dict[str, Any]:
    """What the directory keeps of a subscription."""
    return {
        "id": subscription.subscription_id, "url": subscription.url,
        "event_types": list(subscription.event_types), "description": subscription.description,
        "status": subscription.status, "created_at": subscription.created_at,
        "version": subscription.version,
    }  # fmt: skip


class SubscriptionDirectory:
    """Every tenant's subscriptions, a document per tenant read by `_id`."""

    def __init__(self, collection: Collection[Any]) -> None:
        self._collection = collection

    @classmethod
    def of(cls, database: Database[Any]) -> SubscriptionDirectory:
        return cls(database[COLLECTION])

    def record(self, tenant: str, subscription: WebhookSubscription) -> None:
        """Keep the subscription as it stands now, unless a newer version is kept already."""
        new = entry(subscription)
        for _ in range(ATTEMPTS):
            stored = self._collection.find_one({"_id": tenant})
            listed = dict((stored or {}).get("subscriptions") or {})
            kept = listed.get(new["id"])
            if kept is not None and int(kept["version"]) >= new["version"]:
                return
            listed[new["id"]] = new
            if self._write(tenant, stored, listed):
                return
        raise ConcurrencyConflict(f"the webhook directory of {tenant} kept changing")

    def subscriptions(self, tenant: str) -> list[dict[str, Any]]:
        """The tenant's subscriptions not deleted, oldest first."""
        stored = self._collection.find_one({"_id": tenant}) or {}
        listed: Mapping[str, Any] = stored.get("subscriptions") or {}
        alive = [dict(e) for e in listed.values() if e["status"] != DELETED]
        return sorted(alive, key=lambda e: (e["created_at"], e["id"]))

    def find(self, tenant: str, subscription_id: str) -> dict[str, Any] | None:
        """One of the tenant's subscriptions (a deleted one too), or None."""
        stored = self._collection.find_one({"_id": tenant}) or {}
        found = (stored.get("subscriptions") or {}).get(subscription_id)
        return dict(found) if found is not None else None

    def _write(self, tenant: str, stored: Mapping[str, Any] | None,
               listed: dict[str, Any]) -> bool:  # fmt: skip
        if stored is None:
            try:
                self._collection.insert_one({"_id": tenant, "v": 1, "subscriptions": listed})
                return True
            except DuplicateKeyError:
                return False
        done = self._collection.replace_one(
            {"_id": tenant, "v": stored["v"]},
            {"_id": tenant, "v": int(stored["v"]) + 1, "subscriptions": listed},
        )
        return done.matched_count == 1
