"""What the engagement dashboard (HTML) reads, as plain data: the engagement and who is
looking, its KPIs as the caller sees them, the summary, the closed full 360 rounds and those
of them the caller sees, and the newest events."""

from __future__ import annotations

from services.reporting.domain.feedback_views import FULL_ROUNDS
from services.reporting.domain.summary_rules import ordered_kpis
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.access import (
    role_in,
    sees_tenant,
    shown_rounds,
    visible_engagement,
)
from services.reporting.queries.feedback import engagement_rounds
from services.reporting.queries.kpis import engagement_kpis
from services.reporting.queries.summary import engagement_summary
from services.reporting.queries.timeline import newest_events
from shared.auth.tokens import Principal

TIMELINE_ROWS = 50


def engagement_dashboard(read: ReadModels, caller: Principal, engagement_id: str) -> dict:
    """Everything the engagement's dashboard shows, before it is put in words and charts."""
    engagement = visible_engagement(read, caller, engagement_id)
    kpis = ordered_kpis(engagement_kpis(read, caller, engagement))
    rounds = engagement_rounds(read, engagement)
    full = [r for r in rounds if r["status"] == "closed" and r["purpose"] in FULL_ROUNDS]
    events, total = newest_events(read, caller, engagement, TIMELINE_ROWS)
    return {
        "engagement": engagement,
        "role": role_in(caller, engagement),
        "sees_tenant": sees_tenant(caller),
        "kpis": kpis,
        "summary": engagement_summary(read, caller, engagement, kpis, rounds),
        "full_rounds": full,
        "shown_rounds": shown_rounds(caller, engagement, full),
        "events": events,
        "total_events": total,
    }
