"""Instants in query strings: a date or an ISO 8601 date-time, normalised to the form event
times take (UTC, milliseconds, Z) so read models can compare them as strings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from marshmallow import ValidationError, fields

from shared.clock import instant


def normalise(value: datetime) -> str:
    """UTC, millisecond precision, Z suffix."""
    return instant(value)


def now() -> str:
    """The current instant, normalised."""
    return normalise(datetime.now(UTC))


class Instant(fields.Field):
    """A query-string instant: 2026-03-01 (its start, UTC) or 2026-03-01T12:00:00+01:00."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError("give a date (YYYY-MM-DD) or an ISO 8601 date-time")
        try:
            if len(value) == 10:
                day = date.fromisoformat(value)
                return normalise(datetime(day.year, day.month, day.day, tzinfo=UTC))
            return normalise(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError as exc:
            raise ValidationError("give a date (YYYY-MM-DD) or an ISO 8601 date-time") from exc
