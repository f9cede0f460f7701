"""Handlers of an engagement's needs assessment: record profiles, identify and resolve
barriers to success, select development areas, and the read. Writes are for the engagement's
coach (or an admin) while the engagement is open, and honour If-Match against the needs
assessment's own version (412 before the engagement's state is checked: 409 when closed).
Every answer is the whole needs assessment; newly recorded profiles and barriers come last."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from services.assessment import access
from services.assessment.commands import (
    IdentifyBarrier,
    RecordProfile,
    ResolveBarrier,
    SelectDevelopmentAreas,
)
from services.assessment.domain.needs_assessment import NeedsAssessment
from services.assessment.handlers.answers import needs_assessment_answer
from services.assessment.handlers.base import (
    Result,
    Services,
    engagement_as,
    engagement_to_change,
)
from shared.auth.caller import Caller
from shared.commands import EngagementCommand


def load(services: Services, tenant: str, engagement_id: str) -> NeedsAssessment:
    """The engagement's needs assessment; an empty one (version 0) before its first fact."""
    stream_id = NeedsAssessment.stream_for(engagement_id)
    return services.needs_assessments().get_or_new(tenant, stream_id)


def change_needs(
    services: Services, caller: Caller, command: EngagementCommand,
    act: Callable[[NeedsAssessment], None], created_id: str | None = None,
) -> Result:  # fmt: skip
    """Let the coach (or an admin) of an open engagement act on its needs assessment; the
    writer's answer shows the profiles."""
    engagement = engagement_to_change(services, caller, command.engagement_id)
    assessment = load(services, caller.tenant, command.engagement_id)

    def act_while_open(needs: NeedsAssessment) -> None:
        engagement.require_open()
        act(needs)

    changed = services.needs_assessments().update(
        assessment, act_while_open, caller.context(), command.if_match
    )
    body = needs_assessment_answer(changed, with_profiles=True)
    return Result(body, changed.version, created_id)


def record_profile(services: Services, command: RecordProfile, caller: Caller) -> Result:
    """Record a profiling instrument's results (administered no later than the latest date
    on earth); the profile's id is generated here."""
    profile_id = str(uuid.uuid4())
    latest = services.clock.latest_date()
    return change_needs(
        services, caller, command,
        lambda a: a.record_profile(profile_id, command.profile, latest), profile_id,
    )  # fmt: skip


def identify_barrier(services: Services, command: IdentifyBarrier, caller: Caller) -> Result:
    """Identify a barrier to success; its id is generated here."""
    barrier_id = str(uuid.uuid4())
    return change_needs(
        services, caller, command, lambda a: a.identify_barrier(barrier_id, command.barrier),
        barrier_id,
    )  # fmt: skip


def resolve_barrier(services: Services, command: ResolveBarrier, caller: Caller) -> Result:
    """Resolve an open barrier with a note (404 unknown, 409 already resolved)."""
    return change_needs(
        services, caller, command, lambda a: a.resolve_barrier(command.barrier_id, command.note)
    )


def select_development_areas(
    services: Services, command: SelectDevelopmentAreas, caller: Caller
) -> Result:
    """Replace the development areas (an identical selection stores nothing)."""
    return change_needs(
        services, caller, command, lambda a: a.select_development_areas(command.areas)
    )


def read_needs_assessment(services: Services, engagement_id: str, caller: Caller) -> Result:
    """The needs assessment for an admin or one of the engagement's participants; profiles
    only for an admin, the coach and the executive (the manager sees the rest)."""
    engagement = engagement_as(services, caller, engagement_id, access.READ_NEEDS_ASSESSMENT)
    assessment = load(services, caller.tenant, engagement_id)
    with_profiles = access.may(access.SEE_PROFILES, caller.principal, engagement)
    body = needs_assessment_answer(assessment, with_profiles=with_profiles)
    return Result(body, assessment.version)
