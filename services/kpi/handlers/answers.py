"""The answers of the kpi use cases: plain data built from the aggregates, in the shape the
API serialises (services/kpi/api), with what the caller may not see already left out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.kpi.domain.coaching_log import (
    OPEN,
    CoachingLog,
    Commitment,
    CommitmentState,
    FollowUp,
    SessionRecorded,
)
from services.kpi.domain.kpi_plan import Kpi, KpiPlan, KpiState


def kpi_answer(kpi: Kpi, version: int, withhold_unshared: bool = False) -> dict[str, Any]:
    """A KPI's current definition, alignment, measurements and latest status (without those
    from rounds not shared with the manager, when they are withheld from the caller)."""
    measurements = [m for m in kpi.measurements
                    if not (withhold_unshared and m.source.withheld_from_manager())]  # fmt: skip
    latest = measurements[-1] if measurements else None
    return {
        "id": kpi.id,
        "state": kpi.state.value,
        **vars(kpi.definition),
        "baseline_on": kpi.baseline_on,
        "sent_back_comment": kpi.sent_back_comment,
        "status": latest.status if latest else None,
        "latest": latest,
        "measurements": measurements,
        "version": version,
    }


def plan_answer(plan: KpiPlan, withhold_unshared: bool = False) -> dict[str, Any]:
    """Every KPI of the engagement, with the aligned weights' total."""
    aligned = [k for k in plan.live() if k.state is KpiState.ALIGNED]
    return {
        "engagement_id": plan.engagement_id,
        "version": plan.version,
        "weights_total": sum(k.definition.weight for k in aligned),
        "kpis": [kpi_answer(k, plan.version, withhold_unshared) for k in plan.kpis.values()],
    }


def review_answer(plan: KpiPlan, review_id: str) -> dict[str, Any]:
    """A review with the measurements recorded at it."""
    review = plan.reviews[review_id]
    measured = [m for k in plan.kpis.values() for m in k.measurements if m.review_id == review_id]
    return {
        "review_id": review_id,
        "held_on": review.held_on,
        "attendees": review.attendees,
        "measurements": measured,
        "version": plan.version,
    }


def session_answer(session: SessionRecorded, *, with_notes: bool) -> dict[str, Any]:
    """The public shape of a session; the private notes only `with_notes`."""
    answer: dict[str, Any] = {
        "session_id": session.session_id,
        "engagement_id": session.engagement_id,
        "held_on": session.held_on,
        "duration_minutes": session.duration_minutes,
        "kind": session.kind,
        "capabilities": list(session.capabilities),
        "commitments": [_commitment(c) for c in session.commitments],
        "follow_ups": [_follow_up(f) for f in session.follow_ups],
    }
    if with_notes:
        answer["private_notes"] = session.private_notes
    return answer


def log_answer(log: CoachingLog, with_notes: Callable[[str], bool]) -> dict[str, Any]:
    """Every session of the engagement (with the private notes of those `with_notes` says,
    by session id), and every commitment with its status."""
    return {
        "engagement_id": log.engagement_id,
        "version": log.version,
        "sessions": [
            session_answer(s, with_notes=with_notes(s.session_id)) for s in log.in_order()
        ],
        "commitments": [_status(c) for c in log.commitments.values()],
    }


def _commitment(commitment: Commitment) -> dict[str, Any]:
    return {
        "commitment_id": commitment.commitment_id,
        "text": commitment.text,
        "due_on": commitment.due_on,
    }


def _follow_up(follow_up: FollowUp) -> dict[str, Any]:
    answer = {"commitment_id": follow_up.commitment_id, "outcome": follow_up.outcome}
    if follow_up.note is not None:
        answer["note"] = follow_up.note
    return answer


def _status(state: CommitmentState) -> dict[str, Any]:
    answer = _commitment(state.commitment) | {"made_in": state.made_in, "status": OPEN}
    if state.follow_up is not None and state.followed_up_in is not None:
        answer |= {"status": state.follow_up.outcome, "followed_up_in": state.followed_up_in}
        if state.follow_up.note is not None:
            answer["note"] = state.follow_up.note
    return answer
