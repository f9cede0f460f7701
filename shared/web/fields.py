"""marshmallow fields the APIs share."""

from __future__ import annotations

from typing import Any

from marshmallow import fields


class StrictInteger(fields.Integer):
    """An integer given as a JSON number: no strings, no booleans, no fractions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid", input=value)
        result: int = super()._deserialize(value, attr, data, **kwargs)
        return result
