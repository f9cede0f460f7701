"""What every webhook handler works with: the reporting service's event store (the
subscriptions' streams), the subscription directory, the box sealing secrets, the clock,
the resolver that checks targets, and the operator's choice on private targets."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from services.reporting.domain.webhook_subscription import WebhookSubscription
from shared.clock import Clock
from shared.crypto.secret_box import SecretBox
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository

# host -> the addresses it resolves to (empty when it does not resolve)
Resolver = Callable[[str], Sequence[str]]


class Directory(Protocol):
    """The subscription directory (services/reporting/webhooks/directory.py)."""

    def record(self, tenant: str, subscription: WebhookSubscription) -> None: ...


class Adapters(Protocol):
    """The ports the handlers use (services/reporting/webhooks/resources.py opens them on
    first use, after gunicorn forks)."""

    @property
    def event_store(self) -> EventStore: ...

    @property
    def webhook_directory(self) -> Directory: ...


@dataclass(frozen=True)
class Services:
    """A webhook handler's dependencies, built once per process by its composition root."""

    adapters: Adapters
    box: SecretBox
    clock: Clock
    resolve: Resolver
    allow_private: bool = False
    random_bytes: Callable[[int], bytes] = field(default=os.urandom)

    @property
    def directory(self) -> Directory:
        return self.adapters.webhook_directory

    def subscriptions(self) -> Repository[WebhookSubscription]:
        """The subscriptions (one stream each)."""
        return Repository(self.adapters.event_store, WebhookSubscription)
