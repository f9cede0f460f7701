"""CloudEvents 1.0 envelopes, chained per stream by SHA-256 (tamper evidence).

Pure: standard library only. An envelope is a plain dict so it travels unchanged
through MongoDB, Kafka and JSON; `hash` covers every other attribute, and
`prevhash` names the previous event of the same stream.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SPEC_VERSION = "1.0"
GENESIS_HASH = "0" * 64
REQUIRED = (
    "id", "source", "type", "subject", "time", "specversion", "datacontenttype",
    "dataschema", "tenant", "streamid", "streamversion", "actor", "correlationid",
    "causationid", "prevhash", "hash", "data",
)  # fmt: skip


@dataclass(frozen=True)
class EventContext:
    """Who caused the events of one command, and why."""

    tenant: str
    actor: str
    correlation_id: str
    causation_id: str = ""
    reason: str = ""
    # The actor's roles when acting (token roles, or "rater" / "system"): the audit trail's role
    actor_roles: tuple[str, ...] = ()


def type_name(context: str, name: str, version: int) -> str:
    """The public CloudEvents type of an event, e.g. mastery.assessment.EngagementOpened.v1."""
    return f"mastery.{context}.{name}.v{version}"


def schema_uri(context: str, name: str, version: int) -> str:
    """The dataschema URI naming the JSON Schema of an event type in the catalogue."""
    return f"urn:mastery-ledger:schema:{context}.{name}.v{version}"


def event_name(event_type: str) -> str:
    """The bare event name of a type: mastery.kpi.TargetChanged.v1 -> TargetChanged."""
    parts = event_type.split(".")
    return parts[-2] if len(parts) >= 2 else event_type


def utc_now() -> str:
    """Current time as RFC 3339 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON bytes: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(envelope: Mapping[str, Any]) -> str:
    """SHA-256 over every attribute of the envelope except `hash` itself."""
    body = {k: v for k, v in envelope.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def seal(
    *,
    context: str,
    name: str,
    version: int,
    data: Mapping[str, Any],
    subject: str,
    stream_id: str,
    stream_version: int,
    prev_hash: str,
    ctx: EventContext,
    time: str | None = None,
) -> dict[str, Any]:
    """Build a complete envelope for one event and chain it to `prev_hash`."""
    event_id = str(uuid.uuid4())
    envelope: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": event_id,
        "source": f"/mastery-ledger/{context}",
        "type": type_name(context, name, version),
        "subject": subject,
        "time": time or utc_now(),
        "datacontenttype": "application/json",
        "dataschema": schema_uri(context, name, version),
        "tenant": ctx.tenant,
        "streamid": stream_id,
        "streamversion": stream_version,
        "actor": ctx.actor,
        "correlationid": ctx.correlation_id,
        "causationid": ctx.causation_id or ctx.correlation_id,
        "prevhash": prev_hash,
        "data": dict(data),
    }
    if ctx.reason:
        envelope["reason"] = ctx.reason
    if ctx.actor_roles:
        envelope["actorroles"] = ",".join(sorted(ctx.actor_roles))
    envelope["hash"] = compute_hash(envelope)
    return envelope


def missing_attributes(envelope: Mapping[str, Any]) -> list[str]:
    """Required attributes absent from an envelope (empty when well-formed)."""
    return [name for name in REQUIRED if name not in envelope]


@dataclass(frozen=True)
class ChainBreak:
    """Where a stream's hash chain stops holding, and why."""

    stream_id: str
    stream_version: int
    event_id: str
    problem: str


def verify_chain(events: Iterable[Mapping[str, Any]]) -> ChainBreak | None:
    """Check one stream's events (in version order); None when the chain is intact."""
    expected_prev, expected_version = GENESIS_HASH, 1
    for event in events:
        problem = _link_problem(event, expected_prev, expected_version)
        if problem:
            return ChainBreak(
                str(event.get("streamid")),
                int(event.get("streamversion", -1)),
                str(event.get("id")),
                problem,
            )
        expected_prev, expected_version = str(event["hash"]), expected_version + 1
    return None


def _link_problem(event: Mapping[str, Any], prev_hash: str, version: int) -> str:
    if event.get("streamversion") != version:
        return f"expected stream version {version}, found {event.get('streamversion')}"
    if event.get("prevhash") != prev_hash:
        return "prevhash does not match the hash of the previous event"
    if compute_hash(event) != event.get("hash"):
        return "content does not match its hash"
    return ""
