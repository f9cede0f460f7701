"""Handlers of the webhook subscriptions: create, change (pause and resume too), rotate the
secret, delete, replay failed deliveries, and the worker's disabling. Each checks the role
(hr or admin of the tenant), loads the subscription of the caller's tenant (404 otherwise),
lets it decide, saves through Repository.update and records it in the directory."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from services.reporting.commands import (
    ChangeSubscription,
    CreateSubscription,
    DeleteSubscription,
    DisableSubscription,
    ReplayDeliveries,
    RotateSecret,
    SubscriptionCommand,
)
from services.reporting.domain import webhook_delivery as rules
from services.reporting.domain.webhook_subscription import (
    ACTIVE,
    ALL_TYPES,
    DELETED,
    PAUSED,
    WebhookSubscription,
    WebhookSubscriptionCreated,
    origin,
)
from services.reporting.handlers.base import Services
from shared.auth.access import WEBHOOK_MANAGERS
from shared.auth.caller import Caller
from shared.clock import instant
from shared.commands import Result
from shared.domain.errors import InvalidCommand, NotFound
from shared.events.catalogue import catalogue

DELIVERED_CONTEXTS = ("assessment", "kpi")  # the engagement events a subscription can take
MAX_OVERLAP_SECONDS = 7 * 24 * 3600


def deliverable_types() -> frozenset[str]:
    """Every event type a subscription may name: CloudEvents types and their bare names."""
    types = [e for e in catalogue().values() if e.context in DELIVERED_CONTEXTS]
    return frozenset([e.type for e in types] + [e.name for e in types])


def answer(subscription: WebhookSubscription, secret: str | None = None) -> Result:
    """The subscription as its managers see it (the secret only when just made)."""
    body = {
        "id": subscription.subscription_id, "url": subscription.url,
        "event_types": list(subscription.event_types), "description": subscription.description,
        "status": subscription.status, "created_at": subscription.created_at,
    }  # fmt: skip
    if secret is not None:
        body["secret"] = secret
    return Result(body, subscription.version, subscription.subscription_id)


def create_subscription(services: Services, command: CreateSubscription, caller: Caller) -> Result:
    """Subscribe an endpoint; its id and its signing secret are generated here, the secret
    answered once and stored sealed."""
    require_manager(caller)
    url = target(services, command.url)
    subscription_id = str(uuid.uuid4())
    secret = rules.new_secret(services.random_bytes(rules.SECRET_BYTES))
    subscription = WebhookSubscription.create(
        WebhookSubscriptionCreated(
            subscription_id=subscription_id, endpoint=origin(url),
            event_types=event_types(command.event_types), description=command.description,
            created_at=instant(services.clock.now()), url=url,
            sealed_secret=services.box.seal(secret, subscription_id),
        )
    )  # fmt: skip
    services.subscriptions().save(subscription, caller.context(command.reason), 0)
    services.directory.record(caller.tenant, subscription)
    return answer(subscription, secret)


def change_subscription(services: Services, command: ChangeSubscription, caller: Caller) -> Result:
    """Change the fields given and the status (paused or active)."""
    url = target(services, command.url) if command.url is not None else None
    types = event_types(command.event_types) if command.event_types is not None else None
    if command.status not in (None, PAUSED, ACTIVE):
        raise InvalidCommand(f"status must be {PAUSED} or {ACTIVE}")

    def act(subscription: WebhookSubscription) -> None:
        subscription.change(url, types, command.description)
        if command.status == PAUSED:
            subscription.pause()
        elif command.status == ACTIVE:
            subscription.resume()

    return answer(update(services, caller, command, act))


def rotate_secret(services: Services, command: RotateSecret, caller: Caller) -> Result:
    """A new secret, answered once; the current one signs too for the overlap."""
    if not 0 <= command.overlap_seconds <= MAX_OVERLAP_SECONDS:
        raise InvalidCommand(f"overlap_seconds must be from 0 to {MAX_OVERLAP_SECONDS}")
    secret = rules.new_secret(services.random_bytes(rules.SECRET_BYTES))
    sealed = services.box.seal(secret, command.subscription_id)
    until = services.clock.now() + timedelta(seconds=command.overlap_seconds)
    expires = instant(until)
    rotated = update(services, caller, command, lambda s: s.rotate_secret(sealed, expires))
    result = answer(rotated, secret)
    return Result({**result.body, "previous_secret_expires_at": expires}, result.version)


def delete_subscription(services: Services, command: DeleteSubscription, caller: Caller) -> Result:
    """End the subscription."""
    return answer(update(services, caller, command, WebhookSubscription.delete))


def replay_deliveries(services: Services, command: ReplayDeliveries, caller: Caller) -> Result:
    """Queue failed deliveries again (the delivery worker acts on the event)."""
    replayed = update(
        services, caller, command,
        lambda s: s.replay_failed(command.event_id, command.since, command.until),
    )  # fmt: skip
    return answer(replayed)


def disable_subscription(
    services: Services, command: DisableSubscription, caller: Caller
) -> Result:
    """Stop sending to an endpoint failing too long (the delivery worker, as `system`)."""
    return answer(
        update(services, caller, command, lambda s: s.disable(command.failing_since), "system")
    )


def update(
    services: Services, caller: Caller, command: SubscriptionCommand,
    act: Callable[[WebhookSubscription], None], role: str = "",
) -> WebhookSubscription:  # fmt: skip
    """Load the caller's tenant's subscription, let `act` decide, save, list it."""
    if role != "system":
        require_manager(caller)
    repository = services.subscriptions()
    stream = WebhookSubscription.stream_for(command.subscription_id)
    subscription = repository.get(caller.tenant, stream)
    if subscription.status == DELETED:
        raise NotFound(f"webhook subscription {command.subscription_id} not found")
    changed = repository.update(subscription, act, caller.context(command.reason), command.if_match)
    services.directory.record(caller.tenant, changed)
    return changed


def require_manager(caller: Caller) -> None:
    """Forbidden (403) unless the caller manages the tenant's webhooks."""
    WEBHOOK_MANAGERS.require(caller.principal.roles)


def event_types(given: Sequence[str]) -> tuple[str, ...]:
    """The event types asked for, each known (or "*" alone), without repeats."""
    wanted = tuple(dict.fromkeys(given))
    if not wanted:
        raise InvalidCommand('event_types must name at least one event type, or be ["*"]')
    if ALL_TYPES in wanted:
        if len(wanted) > 1:
            raise InvalidCommand('"*" takes every event type: give it alone')
        return wanted
    unknown = sorted(set(wanted) - deliverable_types())
    if unknown:
        raise InvalidCommand(f"unknown event types: {', '.join(unknown)}")
    return wanted


def target(services: Services, url: str) -> str:
    """The URL if it may be called: its form (https, no credentials), and each address its
    host resolves to public unless the operator allows private targets."""
    checked = rules.checked_url(url.strip(), services.allow_private)
    host = urlsplit(checked).hostname or ""
    if services.allow_private:
        return checked
    addresses = services.resolve(host)
    if not addresses:
        raise InvalidCommand(f"url's host {host} does not resolve")
    refused = [a for a in addresses if not rules.address_allowed(ipaddress.ip_address(a), False)]
    if refused:
        raise InvalidCommand(f"url's host {host} resolves to a non-public address {refused[0]}")
    return checked
