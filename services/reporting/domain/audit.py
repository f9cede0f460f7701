"""The audit trail as a pure function of events: one record per change, with who (and in
which role), when, why, what it was before and after, and the event's chained hash."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from services.reporting.domain.kpi_views import event_withheld_from_manager
from services.reporting.domain.timeline_lines import describe
from shared.events.envelope import event_name

Change = dict[str, Any]


def _field(name: str, before: Any, after: Any) -> list[Change]:
    return [{"field": name, "before": before, "after": after}]


def _person(key: str) -> Callable[[Mapping[str, Any]], list[Change]]:
    return lambda d: _field(
        key, (d.get("previous") or {}).get("name"), (d.get(key) or {}).get("name")
    )


BEFORE_AFTER: dict[str, Callable[[Mapping[str, Any]], list[Change]]] = {
    "KpiRevised": lambda d: list(d.get("changes") or []),
    "KpiReproposed": lambda d: list(d.get("changes") or []),
    "KpiSentBack": lambda d: _field("state", "proposed", "sent_back"),
    "KpiAligned": lambda d: _field("state", "proposed", "aligned"),
    "KpiRetired": lambda d: _field("state", "aligned", "retired"),
    "CoachAssigned": _person("coach"),
    "ManagerAssigned": _person("manager"),
    "EngagementPhaseChanged": lambda d: _field("phase", d.get("from_phase"), d.get("to_phase")),
    "EngagementCancelled": lambda d: _field("phase", d.get("from_phase"), "cancelled"),
    "BarrierResolved": lambda d: _field("barrier", "open", "resolved"),
    "RetentionPeriodSet": lambda d: _field("retention_days", d.get("previous_days"), d.get("days")),
}


TENANT_CONTEXTS = ("webhooks",)  # contexts whose events belong to a tenant, not an engagement
# events of the tenant in another context (a person's erasure, the retention period)
TENANT_EVENTS = ("SubjectErased", "RetentionPeriodSet")


def is_tenant_event(envelope: Mapping[str, Any]) -> bool:
    """Whether the event is the tenant's (a webhook subscription's, a person's erasure), of
    no engagement."""
    parts = str(envelope.get("type", "")).split(".")
    return len(parts) > 2 and (parts[1] in TENANT_CONTEXTS or parts[-2] in TENANT_EVENTS)


def subject_of(name: str, data: Mapping[str, Any]) -> str:
    """What changed: the engagement, a KPI (by name), a feedback round, a barrier..."""
    if name.startswith("Kpi") or name == "MeasurementRecorded":
        return f"KPI '{data.get('kpi_name') or (data.get('definition') or {}).get('name')}'"
    if name == "SubjectErased":
        return f"data subject {str(data.get('subject'))[:6]}…"
    if name == "RetentionPeriodSet":
        return "retention period"
    if "subscription_id" in data:
        return f"webhook subscription {data['subscription_id']}"
    if "round_id" in data:
        return f"feedback round {data['round_id']}"
    for key in ("barrier_id", "profile_id", "session_id", "stakeholder_id", "review_id"):
        if key in data:
            return f"{key.removesuffix('_id').replace('_', ' ')} {data[key]}"
    return "engagement"


def audit_record(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The audit record of one event."""
    name, data = event_name(str(envelope["type"])), envelope["data"]
    return {
        "_id": envelope["id"],
        "tenant": envelope["tenant"],
        "engagement_id": None if is_tenant_event(envelope) else envelope["subject"],
        "time": envelope["time"],
        "type": envelope["type"],
        "event": name,
        "subject": subject_of(name, data),
        "summary": describe(envelope),
        "actor": envelope["actor"],
        "role": envelope.get("actorroles", ""),
        "reason": envelope.get("reason", ""),
        "changes": BEFORE_AFTER.get(name, lambda _: [])(data),
        "correlation_id": envelope["correlationid"],
        "stream_id": envelope["streamid"],
        "stream_version": envelope["streamversion"],
        "hash": envelope["hash"],
        "withheld_from_manager": event_withheld_from_manager(envelope),
    }
