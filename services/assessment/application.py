"""Use cases of the assessment service: load, decide, save."""

from __future__ import annotations

from collections.abc import Callable

from services.assessment import access
from services.assessment.domain.engagement import Engagement, OpenEngagement
from shared.auth.tokens import Principal
from shared.events.envelope import EventContext
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository


def engagements(store: EventStore) -> Repository[Engagement]:
    """The engagement repository over a store."""
    return Repository(store, Engagement)


def open_engagement(
    store: EventStore, caller: Principal, command: OpenEngagement, ctx: EventContext
) -> Engagement:
    """Open a new engagement (an admin, or its coach) and store EngagementOpened."""
    access.require_opener(caller, command.coach.id)
    engagement = Engagement.open(command)
    engagements(store).save(engagement, ctx, expected_version=0)
    return engagement


def engagement_in_tenant(store: EventStore, caller: Principal, engagement_id: str) -> Engagement:
    """The engagement if the caller's tenant has it (404 otherwise, whoever asks)."""
    return engagements(store).get(caller.tenant, Engagement.stream_for(engagement_id))


def engagement_for(store: EventStore, caller: Principal, engagement_id: str) -> Engagement:
    """The engagement as the caller may see it: tenant readers, or its participants."""
    engagement = engagement_in_tenant(store, caller, engagement_id)
    access.require(access.READ, caller, engagement)
    return engagement


def change_engagement(
    store: EventStore,
    caller: Principal,
    engagement_id: str,
    act: Callable[[Engagement], None],
    ctx: EventContext,
    if_match: int | None = None,
) -> Engagement:
    """Load, let the engagement's coach (or an admin) act on it, and save the new events."""
    engagement = engagement_to_change(store, caller, engagement_id)
    return engagements(store).update(engagement, act, ctx, if_match)


def engagement_to_change(store: EventStore, caller: Principal, engagement_id: str) -> Engagement:
    """The engagement, if the caller is its coach or an admin of its tenant."""
    engagement = engagement_in_tenant(store, caller, engagement_id)
    access.require(access.ADMINISTER, caller, engagement)
    return engagement
