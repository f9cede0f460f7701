"""A tenant's retention period: how long a closed engagement's personal data is kept.

One stream per tenant. Its only event, RetentionPeriodSet, says how many days after an
engagement was completed or cancelled the personal data of its executive, stakeholders and
raters is erased by the workers (services/assessment/policies.py erase_expired); `days: null`
keeps it until someone asks for an erasure (the default: a tenant that set nothing).
The coach and the manager are the tenant's staff, not the engagement's subjects: kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import InvalidCommand

CONTEXT = "assessment"
STREAM_PREFIX = "retention-"
MAX_DAYS = 36_500  # a hundred years: longer is "keep" (null)


@dataclass(frozen=True)
class RetentionPeriodSet(DomainEvent):
    """The tenant's retention period changed (the envelope's reason says why)."""

    NAME: ClassVar[str] = "RetentionPeriodSet"
    days: int | None
    previous_days: int | None


def retention_stream(tenant: str) -> str:
    """The stream of a tenant's retention period (by a hash: a tenant may be any string)."""
    return STREAM_PREFIX + hashlib.sha256(tenant.encode()).hexdigest()[:32]


def expires_at(ended_at: datetime, days: int | None) -> datetime | None:
    """When a closed engagement's personal data expires (None: kept)."""
    return None if days is None else ended_at + timedelta(days=days)


def expired(ended_at: datetime, days: int | None, now: datetime) -> bool:
    """Whether a closed engagement's retention period has run out at `now`."""
    until = expires_at(ended_at, days)
    return until is not None and until <= now


class TenantRetention(Aggregate):
    """A tenant's retention period (None until set: personal data kept)."""

    CONTEXT = CONTEXT
    EVENTS = (RetentionPeriodSet,)

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.days: int | None = None
        self.is_set = False

    @property
    def subject(self) -> str:
        """The period is the tenant's, of no engagement: its stream keys its events."""
        return self.stream_id

    def set_days(self, days: int | None) -> None:
        """Set the period (0: erased once the engagement closes; None: kept). Setting the
        same period again records nothing."""
        if isinstance(days, bool) or (days is not None and not isinstance(days, int)):
            raise InvalidCommand("days must be a whole number of days, or null to keep")
        if days is not None and not 0 <= days <= MAX_DAYS:
            raise InvalidCommand(f"days must be 0 to {MAX_DAYS}, or null to keep")
        if days != self.days or not self.is_set:
            self.record(RetentionPeriodSet(days=days, previous_days=self.days))

    def on_RetentionPeriodSet(self, event: RetentionPeriodSet) -> None:
        self.days = event.days
        self.is_set = True
