"""The behavioural capability catalogue of the personal mastery programme.

Shared by the assessment service (360 competencies, development areas) and the
kpi service (behavioural KPIs name a capability). Ids are stable public values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capability:
    """One behavioural capability: a stable id and its wording."""

    id: str
    name: str


CATALOGUE: tuple[Capability, ...] = (
    Capability("integrity", "Thinking, acting and leading from integrity"),
    Capability(
        "impact_of_negative_behaviour", "Managing the impact of negative behaviour on others"
    ),
    Capability("accepting_responsibility", "Accepting responsibility (no blame-game)"),
    Capability(
        "responsible_communication", "Communicating responsibly so that others stay engaged"
    ),
    Capability("listening", "Listening with real interest, empathy and intent"),
    Capability("tough_conversations", "Taking on tough and confronting conversations"),
    Capability("generating_solutions", "Generating ideas and solutions"),
    Capability("organisational_ownership", "Taking ownership of organisational initiatives"),
    Capability("company_values", "Living company values"),
)
BY_ID = {c.id: c for c in CATALOGUE}
CUSTOM_PREFIX = "custom:"


def is_known(capability_id: str) -> bool:
    """True for a catalogue id or a custom one (prefixed 'custom:')."""
    return capability_id in BY_ID or (
        capability_id.startswith(CUSTOM_PREFIX) and len(capability_id) > len(CUSTOM_PREFIX)
    )
