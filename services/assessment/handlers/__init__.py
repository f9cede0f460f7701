"""The assessment service layer: one handler per command (services/assessment/commands.py)
and the reads.

`COMMAND_HANDLERS` says which handler takes each command; `AssessmentHandlers` binds them, and
the read functions, to one process's Services: the views (services/assessment/api) get it
from the composition root (services/assessment/app.py) and call nothing else. No web
framework here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.assessment import commands
from services.assessment.handlers import (
    engagements,
    feedback,
    needs_assessment,
    retention,
    round_results,
    rounds,
    subject_export,
    subjects,
)
from services.assessment.handlers.base import Result, Services
from services.assessment.handlers.subject_export import SubjectExport
from shared.auth.caller import Caller
from shared.commands import Command, dispatch

# A handler takes the services, its command and the caller (None for the rater, who has
# only the invitation token their command carries)
Handler = Callable[[Services, Any, Any], Result]

COMMAND_HANDLERS: dict[type[Command], Handler] = {
    commands.OpenEngagement: engagements.open_engagement,
    commands.AddStakeholder: engagements.add_stakeholder,
    commands.RemoveStakeholder: engagements.remove_stakeholder,
    commands.AssignCoach: engagements.assign_coach,
    commands.AssignManager: engagements.assign_manager,
    commands.AdvancePhase: engagements.advance_phase,
    commands.CancelEngagement: engagements.cancel_engagement,
    commands.OpenRound: rounds.open_round,
    commands.InviteRater: rounds.invite_rater,
    commands.RemindRater: rounds.remind_rater,
    commands.WithdrawInvitation: rounds.withdraw_invitation,
    commands.CloseRound: round_results.close_round,
    commands.SubmitFeedback: feedback.submit_feedback,
    commands.RecordProfile: needs_assessment.record_profile,
    commands.IdentifyBarrier: needs_assessment.identify_barrier,
    commands.ResolveBarrier: needs_assessment.resolve_barrier,
    commands.SelectDevelopmentAreas: needs_assessment.select_development_areas,
    commands.EraseSubject: subjects.erase_subject,
    commands.SetRetentionPeriod: retention.set_retention,
}


@dataclass(frozen=True)
class AssessmentHandlers:
    """The use cases of one process, bound to its adapters and clock."""

    services: Services

    def handle(self, command: Command, caller: Caller | None) -> Result:
        """Run the command's handler as the caller (None: the rater of SubmitFeedback)."""
        return dispatch(COMMAND_HANDLERS, self.services, command, caller)

    def export_subject(self, person_id: str, caller: Caller) -> SubjectExport:
        """Every piece of personal data held about a person (subject_export.export_subject)."""
        return subject_export.export_subject(self.services, person_id, caller)

    def read_retention(self, caller: Caller) -> Result:
        """The tenant's retention period (retention.read_retention)."""
        return retention.read_retention(self.services, caller)

    def read_engagement(self, engagement_id: str, caller: Caller) -> Result:
        """The engagement's current state (engagements.read_engagement)."""
        return engagements.read_engagement(self.services, engagement_id, caller)

    def read_rounds(self, engagement_id: str, caller: Caller) -> Result:
        """Every round of the engagement (rounds.read_rounds)."""
        return rounds.read_rounds(self.services, engagement_id, caller)

    def read_round(self, engagement_id: str, round_id: str, caller: Caller) -> Result:
        """One round's status (rounds.read_round)."""
        return rounds.read_round(self.services, engagement_id, round_id, caller)

    def read_results(self, engagement_id: str, round_id: str, caller: Caller) -> Result:
        """A closed round's results (round_results.read_results)."""
        return round_results.read_results(self.services, engagement_id, round_id, caller)

    def read_comments(self, engagement_id: str, round_id: str, caller: Caller) -> Result:
        """A closed round's released comments (round_results.read_comments)."""
        return round_results.read_comments(self.services, engagement_id, round_id, caller)

    def read_invitation(self, token: str) -> Result:
        """What the rater with this token is asked (feedback.read_invitation)."""
        return feedback.read_invitation(self.services, token)

    def read_needs_assessment(self, engagement_id: str, caller: Caller) -> Result:
        """The needs assessment (needs_assessment.read_needs_assessment)."""
        return needs_assessment.read_needs_assessment(self.services, engagement_id, caller)
