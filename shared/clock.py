"""The service's notion of today (UTC), one place to read it."""

from __future__ import annotations

from datetime import UTC, date, datetime


def today() -> date:
    """The current date in UTC."""
    return datetime.now(UTC).date()
