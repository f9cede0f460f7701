"""Handlers of the tenant's retention period (README, Retention): set it (admins) and read it
(the tenant-wide readers: admin, hr, auditor). The workers erase what has expired
(services/assessment/policies.py erase_expired)."""

from __future__ import annotations

from typing import Any

from services.assessment.commands import SetRetentionPeriod
from services.assessment.domain.engagement import Engagement
from services.assessment.domain.feedback_round import FeedbackRound
from services.assessment.domain.retention import TenantRetention, retention_stream
from services.assessment.handlers.base import Result, Services
from shared.auth.access import TENANT_READERS, Rule
from shared.auth.caller import Caller
from shared.domain.errors import InvalidCommand
from shared.events.envelope import event_name

SETTERS = Rule(frozenset({"admin"}), "only an admin of the tenant may set its retention period")
READERS = Rule(frozenset(TENANT_READERS), "only admin, HR and auditors may see the period")
MAX_REASON = 1000
ROUND_PREFIX = FeedbackRound.stream_for("")


def set_retention(services: Services, command: SetRetentionPeriod, caller: Caller) -> Result:
    """Set the period: 200 with it (a repeat of the same period records nothing)."""
    SETTERS.require(caller.principal.roles)
    if not command.reason.strip() or len(command.reason) > MAX_REASON:
        raise InvalidCommand(f"reason must be 1 to {MAX_REASON} characters")
    repository = services.retention()
    settings = repository.get_or_new(caller.tenant, retention_stream(caller.tenant))
    repository.update(settings, lambda s: s.set_days(command.days), caller.context(command.reason))
    return read_retention(services, caller)


def read_retention(services: Services, caller: Caller) -> Result:
    """The tenant's period (days: null until set, which keeps personal data)."""
    READERS.require(caller.principal.roles)
    settings = tenant_retention(services, caller.tenant)
    return Result(retention_answer(settings), settings.version)


def tenant_retention(services: Services, tenant: str) -> TenantRetention:
    """The tenant's retention period as its stream leaves it (unset: a new one)."""
    return services.retention().get_or_new(tenant, retention_stream(tenant))


def retention_answer(settings: TenantRetention) -> dict[str, Any]:
    """What the API says of a retention period."""
    return {"days": settings.days, "applies_to": ["executive", "stakeholders", "raters"],
            "kept": ["coach", "manager"]}  # fmt: skip


def people_of(services: Services, tenant: str, engagement_id: str) -> tuple[str, list[str]]:
    """The ids of the engagement's subjects: its executive, and the others (every stakeholder
    ever added, every rater ever invited, by invitation id), in the order they joined."""
    engagement = services.engagements().get(tenant, Engagement.stream_for(engagement_id))
    others: list[str] = []
    for envelope in services.store.load(engagement.stream_id):
        if event_name(str(envelope["type"])) == "StakeholderAdded":
            others.append(str(envelope["data"]["stakeholder_id"]))
    for stream_id in services.store.stream_ids(tenant, engagement_id, ROUND_PREFIX):
        others.extend(services.rounds().get(tenant, stream_id).invitations)
    return engagement.executive.id, list(dict.fromkeys(others))
