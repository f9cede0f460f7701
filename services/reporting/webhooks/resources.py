"""The reporting service's resources with its webhook adapters, opened on first use (after
gunicorn forks): the subscription directory and the delivery store beside the database and
the event store of shared/resources.py."""

from __future__ import annotations

from functools import cached_property

from services.reporting.domain.webhook_subscription import WebhookSubscription
from services.reporting.webhooks.deliveries import DeliveryStore
from services.reporting.webhooks.directory import SubscriptionDirectory
from shared.domain.errors import NotFound
from shared.eventstore.repository import Repository
from shared.resources import Resources


class WebhookResources(Resources):
    """Resources of a reporting process, webhook adapters included."""

    @cached_property
    def webhook_directory(self) -> SubscriptionDirectory:
        return SubscriptionDirectory.of(self.database)

    @cached_property
    def deliveries(self) -> DeliveryStore:
        return DeliveryStore(self.database)

    def subscription(self, subscription_id: str) -> WebhookSubscription | None:
        """A subscription as its stream leaves it, whatever its tenant (the delivery worker's
        read: the tenant is checked against each event's); None when there is none."""
        stream = WebhookSubscription.stream_for(subscription_id)
        try:
            return Repository(self.event_store, WebhookSubscription).get_unscoped(stream)
        except NotFound:
            return None
