"""The one clock: what time it is and what day it is, for every service and its tests.

Two dates answer "today", each for its own rule:
- `today()`, the date in UTC: the day the KPI plan and the rounds live on (alignment dates,
  reviews and measurements are never after it);
- `latest_date()`, the date where it is latest on earth (UTC+14): a date a caller gives for
  something that already happened (a coaching session, a profile administered) is in the
  future only after it, so one held today in any time zone is accepted.
Handlers receive a `Clock` from their composition root; tests pin one with `Clock(fixed)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

LATEST_OFFSET = timedelta(hours=14)


def utc_now() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


def instant(moment: datetime) -> str:
    """An instant as event times are written: RFC 3339 UTC, milliseconds, a Z (naive: UTC),
    so that instants compare as strings."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Clock:
    """Reads the time through `now` (the system's unless given)."""

    now: Callable[[], datetime] = field(default=utc_now)

    def today(self) -> date:
        """The current date in UTC."""
        return self.now().astimezone(UTC).date()

    def latest_date(self) -> date:
        """Today's date where it is latest (UTC+14): nothing already held is dated after it."""
        return (self.now().astimezone(UTC) + LATEST_OFFSET).date()


SYSTEM_CLOCK = Clock()


def today() -> date:
    """The current date in UTC (the system clock's `today`)."""
    return SYSTEM_CLOCK.today()
