"""marshmallow fields the APIs share."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields

MAX_MAGNITUDE = 1e15


class StrictSchema(Schema):
    """A request body or query string that rejects fields it does not name (422)."""

    class Meta:
        unknown = RAISE


class StrictInteger(fields.Integer):
    """An integer given as a JSON number: no strings, no booleans, no fractions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid", input=value)
        result: int = super()._deserialize(value, attr, data, **kwargs)
        return result


class StrictNumber(fields.Float):
    """A finite number given as a JSON number: no strings, no booleans, no NaN or infinity."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid", input=value)
        if abs(value) > MAX_MAGNITUDE:  # keeps arithmetic exact and within BSON doubles
            raise self.make_error("invalid", input=value)
        result: float = super()._deserialize(value, attr, data, **kwargs)
        return result
