"""One short human-readable line per event, for the engagement timeline.

A line that shows personal values (names, free text) keeps them sealed: it is stored as a
composed text (shared/privacy/sealing.py) and opened when it is read, so an erased person's
name leaves every stored line at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.domain.personal import composed, tokenised
from shared.domain.subjects import erased_person
from shared.events.envelope import event_name

Describe = Callable[[Mapping[str, Any]], str]


def _name(person: Any) -> str:
    return str(person.get("name") or person.get("id")) if isinstance(person, Mapping) else "?"


def _engagement_opened(data: Mapping[str, Any]) -> str:
    return (
        f"Engagement '{data.get('programme')}' opened for {_name(data.get('executive'))}"
        f" with coach {_name(data.get('coach'))} and manager {_name(data.get('manager'))},"
        f" starting {data.get('start_date')}"
    )


def _phase(value: Any) -> str:
    return str(value or "?").replace("_", " ")


def _days(value: Any) -> str:
    return "keep until erased on request" if value is None else f"{value} days"


def _counts(items: Any) -> str:
    if not isinstance(items, list) or not items:
        return "none"
    return ", ".join(f"{i.get('count')} {_phase(i.get('group'))}" for i in items)


def _round_opened(d: Mapping[str, Any]) -> str:
    names = ", ".join(str(c.get("name")) for c in d.get("competencies") or [])
    scale = f"{d.get('scale_minimum')}..{d.get('scale_maximum')}"
    return (
        f"{str(d.get('purpose')).capitalize()} feedback round opened on {names}, scale {scale},"
        f" anonymity threshold {d.get('anonymity_threshold')}, closes {d.get('closes_on')}"
    )


def _round_closed(d: Mapping[str, Any]) -> str:
    suppressed = (d.get("results") or {}).get("suppressed_groups") or []
    hidden = f"; withheld for anonymity: {', '.join(map(_phase, suppressed))}" if suppressed else ""
    return (
        f"Feedback round closed by {d.get('closed_by')} with {_counts(d.get('responses'))}{hidden}"
    )


def _areas(d: Mapping[str, Any]) -> str:
    names = ", ".join(str(a.get("capability")) for a in d.get("areas") or [])
    return f"Development areas selected: {names}"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _kpi_proposed(d: Mapping[str, Any]) -> str:
    k = d.get("definition") or {}
    return (
        f"KPI '{k.get('name')}' proposed: {k.get('direction')} {_num(k.get('baseline'))}"
        f" → {_num(k.get('target'))} {k.get('unit') or ''} by {k.get('due_on')},"
        f" weight {k.get('weight')}"
    ).replace("  ", " ")


def _kpi_changed(d: Mapping[str, Any]) -> str:
    name = (d.get("definition") or {}).get("name")
    changes = [
        f"{_phase(c.get('field')).capitalize()} of '{name}' changed"
        f" {_num(c.get('before'))} → {_num(c.get('after'))}"
        for c in d.get("changes") or []
    ]
    return "; ".join(changes) or f"KPI '{name}' changed"


def _measured(d: Mapping[str, Any]) -> str:
    source = d.get("source") or {}
    via = " from a feedback round" if source.get("kind") == "round" else ""
    return (
        f"'{d.get('kpi_name')}' measured {_num(d.get('value'))} on {d.get('measured_on')}{via}"
        f" (expected {_num(round(d.get('expected') or 0, 2))}): {_phase(d.get('status'))}"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _session(d: Mapping[str, Any]) -> str:
    worked_on = ", ".join(map(str, d.get("capabilities") or [])) or "no capability named"
    made, followed = len(d.get("commitments") or []), len(d.get("follow_ups") or [])
    return (
        f"{_phase(d.get('kind')).capitalize()} session on {d.get('held_on')}"
        f" ({d.get('duration_minutes')} min) on {worked_on}: {_plural(made, 'commitment')} made,"
        f" {followed} followed up"
    )


LINES: dict[str, Describe] = {
    "SessionRecorded": _session,
    "KpiProposed": _kpi_proposed,
    "KpiSentBack": lambda d: f"KPI '{d.get('kpi_name')}' sent back: {d.get('comment')}",
    "KpiReproposed": lambda d: f"{_kpi_changed(d)} and proposed again",
    "KpiAligned": lambda d: (
        f"KPI '{d.get('kpi_name')}' aligned with baseline {_num(d.get('baseline'))}"
        f" as of {d.get('baseline_on')}, weight {d.get('weight')}"
    ),
    "KpiRevised": _kpi_changed,
    "KpiRetired": lambda d: f"KPI '{d.get('kpi_name')}' retired",
    "ReviewHeld": lambda d: (
        f"Results review held on {d.get('held_on')} with"
        f" {', '.join(str(a.get('name')) for a in d.get('attendees') or [])}"
    ),
    "MeasurementRecorded": _measured,
    "ProfileRecorded": lambda d: (
        f"Profile recorded: {d.get('instrument')}, administered by {d.get('administered_by')}"
        f" on {d.get('administered_on')}"
    ),
    "BarrierIdentified": lambda d: (
        f"Barrier identified ({d.get('impact')} impact, raised by {_phase(d.get('source'))}):"
        f" {d.get('description')}"
    ),
    "BarrierResolved": lambda d: f"Barrier resolved: {d.get('note')}",
    "DevelopmentAreasSelected": _areas,
    "FeedbackRoundOpened": _round_opened,
    "RaterInvited": lambda d: f"Rater invited; invitations now {_counts(d.get('invited'))}",
    "RaterReminded": lambda d: f"Reminder sent ({d.get('reminders')} so far)",
    "InvitationWithdrawn": lambda d: (
        f"Invitation withdrawn; invitations now {_counts(d.get('invited'))}"
    ),
    "FeedbackRoundClosed": _round_closed,
    "EngagementOpened": _engagement_opened,
    "StakeholderAdded": lambda d: (
        f"Stakeholder {d.get('name')} ({_phase(d.get('relationship'))}) added"
    ),
    "StakeholderRemoved": lambda d: f"Stakeholder {d.get('stakeholder_id')} removed",
    "CoachAssigned": lambda d: (
        f"Coach changed {_name(d.get('previous'))} → {_name(d.get('coach'))}"
    ),
    "ManagerAssigned": lambda d: (
        f"Manager changed {_name(d.get('previous'))} → {_name(d.get('manager'))}"
    ),
    "EngagementPhaseChanged": lambda d: (
        f"Engagement moved from {_phase(d.get('from_phase'))} to {_phase(d.get('to_phase'))}"
    ),
    "EngagementCancelled": lambda d: f"Engagement cancelled during {_phase(d.get('from_phase'))}",
    "SubjectErased": lambda d: (
        f"Personal data of {erased_person(str(d.get('subject')))} erased"
        f" ({'retention period' if d.get('basis') == 'retention' else 'request'}"
        f" {d.get('reference')})"
    ),
    "RetentionPeriodSet": lambda d: (
        f"Retention period set to {_days(d.get('days'))} (was {_days(d.get('previous_days'))})"
    ),
    "WebhookSubscriptionCreated": lambda d: (
        f"Webhook subscription {d.get('subscription_id')} created for {d.get('endpoint')}"
        f" ({', '.join(d.get('event_types') or [])})"
    ),
    "WebhookSubscriptionChanged": lambda d: (
        f"Webhook subscription {d.get('subscription_id')} changed: "
        + ", ".join(k for k in ("endpoint", "event_types", "description") if d.get(k) is not None)
    ),
    "WebhookSecretRotated": lambda d: (
        f"Webhook subscription {d.get('subscription_id')} signs with a new secret (the previous"
        f" one until {d.get('previous_expires_at')})"
    ),
    "WebhookSubscriptionPaused": lambda d: (
        f"Webhook subscription {d.get('subscription_id')} paused"
    ),
    "WebhookSubscriptionResumed": lambda d: (
        f"Webhook subscription {d.get('subscription_id')} resumed"
    ),
    "WebhookSubscriptionDisabled": lambda d: (
        f"Webhook subscription {d.get('subscription_id')} disabled: every delivery failed since"
        f" {d.get('failing_since')}"
    ),
    "WebhookSubscriptionDeleted": lambda d: (
        f"Webhook subscription {d.get('subscription_id')} deleted"
    ),
    "WebhookDeliveriesReplayed": lambda d: (
        f"Failed deliveries of webhook subscription {d.get('subscription_id')} replayed"
        + (
            f": event {d['event_id']}"
            if d.get("event_id")
            else f" from {d.get('since') or 'the first'} to {d.get('until') or 'now'}"
        )
    ),
}


# Events kept off the timeline and the audit trail (only the log verify re-hashes keeps them):
# FeedbackSubmitted v1 told, with its time, when a rater of a confidential group answered.
UNSHOWN = frozenset({"FeedbackSubmitted"})


def shown(envelope: Mapping[str, Any]) -> bool:
    """Whether the event has a line on the timeline and a record in the audit trail."""
    return event_name(str(envelope.get("type", ""))) not in UNSHOWN


def describe(envelope: Mapping[str, Any]) -> str | dict[str, Any]:
    """The timeline line of an event, with its reason when it carries one: a text, or a
    composed text when it shows sealed values."""
    name = event_name(str(envelope.get("type", "")))
    describe_data = LINES.get(name)
    data, parts = tokenised(envelope.get("data") or {})
    line = describe_data(data) if describe_data else f"{name} recorded"
    reason = envelope.get("reason")
    return composed(f"{line}: {reason}" if reason and reason not in line else line, parts)
