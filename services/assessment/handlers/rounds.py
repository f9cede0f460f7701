"""Handlers of feedback rounds, the coach's side: open, invite, remind, withdraw, and the reads
of a round's status (closing, results and comments: round_results.py; the rater's side:
feedback.py).

A round is two streams: the round itself (published) and its raters' answers (RoundResponses,
never published); every read of a round takes the answers into its invitations."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from services.assessment import access
from services.assessment.commands import (
    InviteRater,
    OpenRound,
    Rater,
    RemindRater,
    WithdrawInvitation,
)
from services.assessment.domain.engagement import Engagement
from services.assessment.domain.feedback import RaterGroup, Scale
from services.assessment.domain.feedback_round import (
    FeedbackRound,
    Invitation,
    catalogue_competency,
)
from services.assessment.domain.feedback_round_events import Purpose, RoundSettings
from services.assessment.domain.round_responses import RoundResponses
from services.assessment.handlers.answers import listed_round, round_answer
from services.assessment.handlers.base import (
    Result,
    Services,
    engagement_for,
    engagement_to_change,
)
from shared.auth.caller import Caller
from shared.commands import EngagementCommand
from shared.domain.errors import InvalidCommand, NotFound

PULSE_SCALE, FULL_SCALE = Scale(-3, 3), Scale(1, 5)


def new_token(round_id: str) -> tuple[str, str]:
    """A single-use rater token naming its round, and the hash that is all we keep of it."""
    token = f"{round_id}.{secrets.token_urlsafe(32)}"
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """SHA-256 of a rater token."""
    return hashlib.sha256(token.encode()).hexdigest()


def answers_for(services: Services, round_: FeedbackRound) -> RoundResponses:
    """The round's answers, taken into its invitations (statuses, responses)."""
    stream_id = RoundResponses.stream_for(round_.round_id)
    answers = services.responses().get_or_new(round_.tenant, stream_id)
    round_.attach(answers.answers)
    return answers


def round_of(
    services: Services, caller: Caller, engagement_id: str, round_id: str
) -> FeedbackRound:
    """The engagement's round in the caller's tenant (404 for another engagement's)."""
    round_ = services.rounds().get(caller.tenant, FeedbackRound.stream_for(round_id))
    if round_.engagement_id != engagement_id:
        raise NotFound(f"round {round_id} not found")
    return round_


def round_for(
    services: Services, caller: Caller, engagement_id: str, round_id: str
) -> tuple[Engagement, FeedbackRound]:
    """The engagement (visible to the caller) and its round, with its answers."""
    engagement = engagement_for(services, caller, engagement_id)
    round_ = round_of(services, caller, engagement_id, round_id)
    answers_for(services, round_)
    return engagement, round_


def change_round(
    services: Services, caller: Caller, command: EngagementCommand, round_id: str,
    act: Callable[[Engagement, FeedbackRound], None],
) -> FeedbackRound:  # fmt: skip
    """Let the engagement's coach (or an admin) act on a round and save its new events."""
    engagement = engagement_to_change(services, caller, command.engagement_id)
    _, round_ = round_for(services, caller, command.engagement_id, round_id)
    return services.rounds().update(
        round_, lambda r: act(engagement, r), caller.context(), command.if_match
    )


def round_settings(command: OpenRound) -> RoundSettings:
    """The round's settings: its competencies from the catalogue (or custom), its scale as
    given or the purpose's default (-3..+3 for a pulse, 1..5 otherwise)."""
    purpose = Purpose(command.purpose)
    default = PULSE_SCALE if purpose is Purpose.PULSE else FULL_SCALE
    return RoundSettings(
        purpose,
        tuple(catalogue_competency(c_id, name) for c_id, name in command.competencies),
        Scale(*command.scale) if command.scale else default,
        command.anonymity_threshold,
        command.closes_on,
        command.results_visible_to_manager,
    )


def open_round(services: Services, command: OpenRound, caller: Caller) -> Result:
    """Open a round on an open engagement the caller coaches (or administers); its settings
    are checked first, then access."""
    settings = round_settings(command)
    engagement = engagement_to_change(services, caller, command.engagement_id)
    engagement.require_open()
    round_ = FeedbackRound.open(command.engagement_id, secrets.token_hex(12), settings)
    services.rounds().save(round_, caller.context(), expected_version=0)
    return Result(round_answer(round_, True), round_.version, round_.round_id)


def rater_of(engagement: Engagement, rater: Rater) -> tuple[str, str, str]:
    """Group, name and contact of the rater: as given, or from a stakeholder of the
    engagement (their relationship is the group unless one is given)."""
    if rater.stakeholder_id is None:
        return rater.group or "", rater.name, rater.contact
    stakeholder = engagement.stakeholders.get(rater.stakeholder_id)
    if stakeholder is None:
        raise InvalidCommand(f"stakeholder {rater.stakeholder_id} is not on the engagement")
    return rater.group or stakeholder.relationship, stakeholder.name, stakeholder.contact


def invite_rater(services: Services, command: InviteRater, caller: Caller) -> Result:
    """Invite a rater; the token is answered once (to the coach) and kept only as a hash."""
    issued: dict[str, str] = {}

    def invite(engagement: Engagement, round_: FeedbackRound) -> None:
        # the stakeholder is looked up only once the caller may invite
        group, name, contact = rater_of(engagement, command.rater)
        token, hashed = new_token(round_.round_id)
        invitation_id = secrets.token_hex(8)
        invitation = Invitation(invitation_id, RaterGroup(group), name, contact, hashed)
        round_.invite(invitation, services.clock.today())
        issued.update(group=group, invitation_id=invitation_id, token=token)

    round_ = change_round(services, caller, command, command.round_id, invite)
    return Result(issued, round_.version, issued["invitation_id"])


def remind_rater(services: Services, command: RemindRater, caller: Caller) -> Result:
    """Re-issue a pending invitation's token; the previous token stops working."""
    issued: dict[str, str] = {}

    def remind(_engagement: Engagement, round_: FeedbackRound) -> None:
        issued["token"], hashed = new_token(round_.round_id)
        round_.remind(command.invitation_id, hashed, services.clock.today())
        issued["group"] = round_.invitations[command.invitation_id].group.value

    round_ = change_round(services, caller, command, command.round_id, remind)
    return Result(issued | {"invitation_id": command.invitation_id}, round_.version)


def withdraw_invitation(services: Services, command: WithdrawInvitation, caller: Caller) -> Result:
    """Withdraw an invitation that has not been answered."""

    def withdraw(_engagement: Engagement, round_: FeedbackRound) -> None:
        round_.withdraw(command.invitation_id, services.clock.today())

    round_ = change_round(services, caller, command, command.round_id, withdraw)
    return Result(round_answer(round_, True), round_.version)


def read_rounds(services: Services, engagement_id: str, caller: Caller) -> Result:
    """Every round of the engagement, oldest first, with its counts per group (responses as
    round_answer; never naming raters)."""
    engagement = engagement_for(services, caller, engagement_id)
    ids = services.store.stream_ids(caller.tenant, engagement_id, prefix="round-")
    found = [services.rounds().get(caller.tenant, stream_id) for stream_id in ids]
    coaches = access.may(access.ADMINISTER, caller.principal, engagement)
    for round_ in found:
        answers_for(services, round_)
    return Result({"rounds": [listed_round(r, coaches) for r in found]})


def read_round(services: Services, engagement_id: str, round_id: str, caller: Caller) -> Result:
    """A round's status: response counts per group (never who answered what); invitations
    for its administrators."""
    engagement, round_ = round_for(services, caller, engagement_id, round_id)
    with_invitations = access.may(access.ADMINISTER, caller.principal, engagement)
    return Result(round_answer(round_, with_invitations), round_.version)
