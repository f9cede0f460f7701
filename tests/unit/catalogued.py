"""Input events of consumer tests, checked against the event catalogue, so a test event that
drifts from its published schema fails the test that builds it."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from shared.events import catalogue


def catalogued(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope, once its data is valid for its type's JSON Schema (else ValidationError)."""
    schema = catalogue.catalogue()[envelope["type"]].schema
    Draft202012Validator(schema).validate(envelope["data"])
    return envelope
