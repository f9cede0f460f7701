"""Handlers of an engagement: open, add and remove stakeholders, hand to another coach,
record a new manager, advance the phase, cancel, and the read. Each loads the engagement,
checks access (services/assessment/access.py), lets the engagement decide and saves through
Repository.update (If-Match 412, conflict 409)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from services.assessment import access
from services.assessment.commands import (
    AddStakeholder,
    AdvancePhase,
    AssignCoach,
    AssignManager,
    CancelEngagement,
    OpenEngagement,
    RemoveStakeholder,
)
from services.assessment.domain import engagement as domain
from services.assessment.domain.engagement import Engagement, Person, Stakeholder
from services.assessment.handlers.answers import engagement_answer
from services.assessment.handlers.base import (
    Result,
    Services,
    engagement_for,
    engagement_to_change,
)
from shared.auth.caller import Caller
from shared.commands import EngagementCommand


def answer(engagement: Engagement, caller: Caller) -> Result:
    """The engagement as the caller sees it (contacts for its administrators)."""
    contacts = access.may(access.ADMINISTER, caller.principal, engagement)
    return Result(engagement_answer(engagement, with_contacts=contacts), engagement.version)


def change_engagement(
    services: Services, caller: Caller, command: EngagementCommand,
    act: Callable[[Engagement], None], reason: str = "",
) -> Result:  # fmt: skip
    """Load, let the engagement's coach (or an admin) act on it, and save the new events."""
    engagement = engagement_to_change(services, caller, command.engagement_id)
    changed = services.engagements().update(
        engagement, act, caller.context(reason), command.if_match
    )
    return answer(changed, caller)


def open_engagement(services: Services, command: OpenEngagement, caller: Caller) -> Result:
    """Open a new engagement (an admin for any coach, a coach for themselves) and store
    EngagementOpened; its id is generated here."""
    principal = caller.principal
    coach = command.coach or Person(principal.subject, principal.name or principal.subject)
    access.require_opener(principal, coach.id)
    people = (command.executive.id, coach.id, command.manager.id)
    services.protection.refuse_erased(caller.tenant, people)
    engagement = Engagement.open(
        domain.OpenEngagement(
            engagement_id=str(uuid.uuid4()), organisation=caller.tenant,
            executive=command.executive, coach=coach, manager=command.manager,
            programme=command.programme, start_date=command.start_date,
        )
    )  # fmt: skip
    services.engagements().save(engagement, caller.context(), expected_version=0)
    result = answer(engagement, caller)
    return Result(result.body, result.version, engagement.engagement_id)


def add_stakeholder(services: Services, command: AddStakeholder, caller: Caller) -> Result:
    """Add a stakeholder; the contact is never published. Its id is generated here."""
    stakeholder = Stakeholder(str(uuid.uuid4()), command.name, command.relationship,
                              command.contact)  # fmt: skip
    return change_engagement(services, caller, command, lambda e: e.add_stakeholder(stakeholder))


def remove_stakeholder(services: Services, command: RemoveStakeholder, caller: Caller) -> Result:
    """Remove a stakeholder from the engagement."""
    return change_engagement(
        services, caller, command, lambda e: e.remove_stakeholder(command.stakeholder_id)
    )


def assign_coach(services: Services, command: AssignCoach, caller: Caller) -> Result:
    """Hand the engagement to another coach (reason required)."""
    services.protection.refuse_erased(caller.tenant, [command.coach.id])
    return change_engagement(
        services, caller, command, lambda e: e.assign_coach(command.coach, command.reason),
        command.reason,
    )  # fmt: skip


def assign_manager(services: Services, command: AssignManager, caller: Caller) -> Result:
    """Record that the executive's manager changed (reason required)."""
    services.protection.refuse_erased(caller.tenant, [command.manager.id])
    return change_engagement(
        services, caller, command, lambda e: e.assign_manager(command.manager, command.reason),
        command.reason,
    )  # fmt: skip


def advance_phase(services: Services, command: AdvancePhase, caller: Caller) -> Result:
    """Move the engagement to its next phase (409 for any other move)."""
    return change_engagement(
        services, caller, command, lambda e: e.advance_to(command.phase), command.reason
    )


def cancel_engagement(services: Services, command: CancelEngagement, caller: Caller) -> Result:
    """Cancel an open engagement (reason required)."""
    return change_engagement(
        services, caller, command, lambda e: e.cancel(command.reason), command.reason
    )


def read_engagement(services: Services, engagement_id: str, caller: Caller) -> Result:
    """The engagement's current state, rebuilt from its stream, for a caller who may see it."""
    return answer(engagement_for(services, caller, engagement_id), caller)
