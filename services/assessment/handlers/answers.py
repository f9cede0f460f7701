"""The answers of the assessment use cases: plain data built from the aggregates, in the shape
the API serialises (services/assessment/api), with what the caller may not see left out."""

from __future__ import annotations

from typing import Any

from services.assessment.domain.engagement import Engagement, Stakeholder
from services.assessment.domain.feedback_round import FeedbackRound, Invitation
from services.assessment.domain.needs_assessment import Barrier, NeedsAssessment, Profile


def engagement_answer(engagement: Engagement, *, with_contacts: bool) -> dict[str, Any]:
    """An engagement's current state (the stakeholders' contacts only `with_contacts`)."""
    return {
        "id": engagement.engagement_id,
        "organisation": engagement.organisation,
        "executive": engagement.executive,
        "coach": engagement.coach,
        "manager": engagement.manager,
        "programme": engagement.programme,
        "start_date": engagement.start_date,
        "phase": engagement.phase.value,
        "version": engagement.version,
        "stakeholders": [_stakeholder(s, with_contacts) for s in engagement.stakeholders.values()],
    }


def _stakeholder(stakeholder: Stakeholder, with_contact: bool) -> dict[str, str]:
    answer = {"id": stakeholder.id, "name": stakeholder.name,
              "relationship": stakeholder.relationship}  # fmt: skip
    if with_contact:
        answer["contact"] = stakeholder.contact
    return answer


def round_answer(round_: FeedbackRound, with_invitations: bool) -> dict[str, Any]:
    """A round's status: settings and invitations per group; for the coach and admin the
    invitations and the responses per group, for everyone else the responses only once the
    round closed (then published): while it is open, a count that moves would tell when a
    confidential rater answered."""
    answer: dict[str, Any] = {
        "id": round_.round_id,
        "engagement_id": round_.engagement_id,
        "purpose": round_.purpose.value,
        "competencies": round_.competencies,
        "scale": round_.scale,
        "anonymity_threshold": round_.threshold,
        "closes_on": round_.closes_on.isoformat(),
        "results_visible_to_manager": round_.results_visible_to_manager,
        "status": "closed" if round_.closed else "open",
        "invited": _counts(round_.counts("invited")),
        "version": round_.version,
    }
    if with_invitations or round_.closed:
        answer["submitted"] = _counts(round_.counts("submitted"))
    if with_invitations:
        answer["invitations"] = [_invitation(i) for i in round_.invitations.values()]
    return answer


def listed_round(round_: FeedbackRound, coaches: bool) -> dict[str, Any]:
    """A round as the listing shows it: round_answer, never naming raters."""
    answer = round_answer(round_, coaches)
    answer.pop("invitations", None)
    return answer


def _invitation(invitation: Invitation) -> dict[str, Any]:
    return {"id": invitation.id, "group": invitation.group.value,
            "rater_name": invitation.rater_name, "status": invitation.status}  # fmt: skip


def _counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"group": g, "count": n} for g, n in counts.items()]


def results_answer(round_: FeedbackRound) -> dict[str, Any]:
    """Exactly what the round published at closing: aggregates, no comments."""
    return {
        "round_id": round_.round_id,
        "purpose": round_.purpose.value,
        "responses": _counts(round_.counts("submitted")),
        "results": round_.results,
    }


def comments_answer(round_: FeedbackRound) -> dict[str, Any]:
    """A closed round's released comments: unattributed, shuffled at closing."""
    comments = [{"competency": c.competency, "text": c.text} for c in round_.comments]
    return {"round_id": round_.round_id, "purpose": round_.purpose.value, "comments": comments}


def needs_assessment_answer(assessment: NeedsAssessment, *, with_profiles: bool) -> dict[str, Any]:
    """A needs assessment: barriers and development areas; profiles only `with_profiles`."""
    answer: dict[str, Any] = {
        "engagement_id": assessment.engagement_id,
        "version": assessment.version,
        "barriers": [_barrier(b) for b in assessment.barriers.values()],
        "development_areas": assessment.development_areas,
    }
    if with_profiles:
        answer["profiles"] = [_profile(p) for p in assessment.profiles.values()]
    return answer


def _profile(profile: Profile) -> dict[str, Any]:
    return {
        "id": profile.id,
        "instrument": profile.instrument,
        "scales": [
            {"name": s.name, "score": s.score} | ({"band": s.band} if s.band is not None else {})
            for s in profile.scales
        ],
        "strengths": profile.strengths,
        "development_needs": profile.development_needs,
        "administered_on": profile.administered_on,
        "administered_by": profile.administered_by,
    }


def _barrier(barrier: Barrier) -> dict[str, Any]:
    answer = {
        "id": barrier.id,
        "description": barrier.description,
        "source": barrier.source,
        "impact": barrier.impact,
        "capability": barrier.capability,
        "status": barrier.status,
    }
    if barrier.resolution_note is not None:
        answer["resolution_note"] = barrier.resolution_note
    return answer
