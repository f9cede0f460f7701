"""360 queries: an engagement's rounds, its development areas, and the feedback over time
(rounds as published, deltas between rounds, gaps, behaviour shift)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.domain.feedback_views import behaviour_shift, competency_trends
from services.reporting.projections.feedback import feedback_rounds
from services.reporting.projections.indexes import members, rounds_of
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.access import shown_rounds, visible_engagement
from shared.auth.tokens import Principal
from shared.projections.writes import REVISION


def engagement_rounds(read: ReadModels, engagement: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every feedback round of the engagement, oldest first (see access.shown_rounds)."""
    return members(read, feedback_rounds(read), rounds_of(engagement["_id"]), engagement["tenant"])


def development_areas(read: ReadModels, engagement: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The engagement's latest selection of development areas (none before one)."""
    scope = {"_id": engagement["_id"], "tenant": engagement["tenant"]}
    return list((read["development_areas"].find_one(scope) or {}).get("areas", []))


def engagement_feedback(read: ReadModels, caller: Principal, engagement_id: str) -> dict:
    """Every round's published aggregates; the manager sees only rounds shared with them."""
    engagement = visible_engagement(read, caller, engagement_id)
    rounds = shown_rounds(caller, engagement, engagement_rounds(read, engagement))
    trends = competency_trends(rounds)
    return {
        "engagement_id": engagement_id,
        "rounds": [{"round_id": r["_id"],
                    **{k: v for k, v in r.items() if k not in ("_id", "tenant", REVISION)}}
                   for r in rounds],
        "competencies": trends,
        "development_areas": behaviour_shift(development_areas(read, engagement), trends, rounds),
    }  # fmt: skip
