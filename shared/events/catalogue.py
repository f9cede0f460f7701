"""The one catalogue of public event types: each a versioned JSON Schema file.

Schemas live in shared/events/schemas/<context>.<EventName>.v<N>.json. An event is
validated against its schema before it is stored, so nothing unpublishable is kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from shared.events.envelope import missing_attributes, schema_uri, type_name

SCHEMA_DIR = Path(__file__).parent / "schemas"


class EventSchemaError(ValueError):
    """An event does not match the catalogue: unknown type or invalid data."""


@dataclass(frozen=True)
class EventType:
    """One entry of the catalogue."""

    context: str
    name: str
    version: int
    schema: Mapping[str, Any]

    @property
    def type(self) -> str:
        """The CloudEvents type string."""
        return type_name(self.context, self.name, self.version)

    @property
    def dataschema(self) -> str:
        """The URI envelopes of this type carry in `dataschema`."""
        return schema_uri(self.context, self.name, self.version)


@cache
def catalogue() -> dict[str, EventType]:
    """Every event type, keyed by its CloudEvents type."""
    entries: dict[str, EventType] = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        context, name, version = path.stem.split(".")
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        entry = EventType(context, name, int(version.removeprefix("v")), schema)
        entries[entry.type] = entry
    return entries


@cache
def _validator(event_type: str) -> Draft202012Validator:
    return Draft202012Validator(catalogue()[event_type].schema)


def validate(envelope: Mapping[str, Any]) -> None:
    """Raise EventSchemaError unless the envelope is complete and its data fits its schema."""
    missing = missing_attributes(envelope)
    if missing:
        raise EventSchemaError(f"envelope lacks {', '.join(missing)}")
    event_type = str(envelope["type"])
    if event_type not in catalogue():
        raise EventSchemaError(f"unknown event type {event_type}")
    if envelope["dataschema"] != catalogue()[event_type].dataschema:
        raise EventSchemaError(f"dataschema does not match {event_type}")
    errors = sorted(_validator(event_type).iter_errors(envelope["data"]), key=str)
    if errors:
        detail = "; ".join(f"{'/'.join(map(str, e.path)) or '(data)'}: {e.message}" for e in errors)
        raise EventSchemaError(f"{event_type}: {detail}")
