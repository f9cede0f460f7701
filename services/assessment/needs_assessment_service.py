"""Use cases of an engagement's needs assessment: load, check, decide, save."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from services.assessment import access, application
from services.assessment.domain.engagement import Engagement
from services.assessment.domain.needs_assessment import (
    DevelopmentArea,
    IdentifyBarrier,
    NeedsAssessment,
    RecordProfile,
)
from shared.auth.tokens import Principal
from shared.events.envelope import EventContext
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository


def needs_assessments(store: EventStore) -> Repository[NeedsAssessment]:
    """The needs-assessment repository over a store."""
    return Repository(store, NeedsAssessment)


def latest_date() -> date:
    """Today's date where it is latest (UTC+14): no profile is administered after it."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def load(store: EventStore, tenant: str, engagement_id: str) -> NeedsAssessment:
    """The engagement's needs assessment; an empty one (version 0) before its first fact."""
    return needs_assessments(store).get_or_new(tenant, NeedsAssessment.stream_for(engagement_id))


def read(
    store: EventStore, caller: Principal, engagement_id: str
) -> tuple[Engagement, NeedsAssessment]:
    """The engagement and its needs assessment, for an admin or one of its participants."""
    engagement = application.engagement_in_tenant(store, caller, engagement_id)
    access.require(access.READ_NEEDS_ASSESSMENT, caller, engagement)
    return engagement, load(store, caller.tenant, engagement_id)


def sees_profiles(caller: Principal, engagement: Engagement) -> bool:
    """Profiles are for an admin, the coach and the executive; the manager sees the rest."""
    return access.may(access.SEE_PROFILES, caller, engagement)


def change(
    store: EventStore,
    caller: Principal,
    engagement_id: str,
    act: Callable[[NeedsAssessment], None],
    ctx: EventContext,
    if_match: int | None = None,
) -> NeedsAssessment:
    """Let the coach (or an admin) of an open engagement act on its needs assessment.

    `if_match` is the needs-assessment version the caller last saw: 412 when it moved on,
    before the engagement's state is checked (409 when it is closed).
    """
    engagement = application.engagement_to_change(store, caller, engagement_id)
    assessment = load(store, caller.tenant, engagement_id)

    def act_while_open(needs: NeedsAssessment) -> None:
        engagement.require_open()
        act(needs)

    return needs_assessments(store).update(assessment, act_while_open, ctx, if_match)


def record_profile(
    store: EventStore,
    caller: Principal,
    engagement_id: str,
    command: RecordProfile,
    ctx: EventContext,
    if_match: int | None = None,
) -> tuple[NeedsAssessment, str]:
    """Record a profiling instrument's results; returns the new profile's id."""
    profile_id = str(uuid.uuid4())
    assessment = change(
        store,
        caller,
        engagement_id,
        lambda a: a.record_profile(profile_id, command, latest_date()),
        ctx,
        if_match,
    )
    return assessment, profile_id


def identify_barrier(
    store: EventStore,
    caller: Principal,
    engagement_id: str,
    command: IdentifyBarrier,
    ctx: EventContext,
    if_match: int | None = None,
) -> tuple[NeedsAssessment, str]:
    """Identify a barrier to success; returns the new barrier's id."""
    barrier_id = str(uuid.uuid4())
    assessment = change(
        store,
        caller,
        engagement_id,
        lambda a: a.identify_barrier(barrier_id, command),
        ctx,
        if_match,
    )
    return assessment, barrier_id


def resolve_barrier(
    store: EventStore,
    caller: Principal,
    engagement_id: str,
    barrier_id: str,
    note: str,
    ctx: EventContext,
    if_match: int | None = None,
) -> NeedsAssessment:
    """Resolve an open barrier with a note."""
    return change(
        store,
        caller,
        engagement_id,
        lambda a: a.resolve_barrier(barrier_id, note),
        ctx,
        if_match,
    )


def select_development_areas(
    store: EventStore,
    caller: Principal,
    engagement_id: str,
    areas: Sequence[DevelopmentArea],
    ctx: EventContext,
    if_match: int | None = None,
) -> NeedsAssessment:
    """Replace the development areas (an identical selection stores nothing)."""
    return change(
        store, caller, engagement_id, lambda a: a.select_development_areas(areas), ctx, if_match
    )
