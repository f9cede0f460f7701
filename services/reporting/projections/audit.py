"""The audit trail (one record per change) and the log of every event received, which
`verify` re-hashes to prove the history was not altered.

Both are ordered rows in pages (projections/paged_rows.py), read by `_id` alone: the trail
twice, per engagement (owner `engagement:<id>`) and per tenant (`tenant:<tenant>`), ordered
by (time, stream, version); the received events per engagement, by (stream, version)."""

from __future__ import annotations

from typing import Any

from services.reporting.domain.audit import audit_record
from services.reporting.domain.timeline_lines import shown
from services.reporting.projections.paged_rows import PagedRows
from services.reporting.projections.read_models import AS_RECEIVED, ReadModels
from services.reporting.projections.timeline import VIEWS

TRAIL = "audit_pages"
RECEIVED = AS_RECEIVED


def trail(models: ReadModels) -> PagedRows:
    """The audit trail of every engagement and every tenant in this generation."""
    return PagedRows(models[TRAIL], VIEWS)


def received(models: ReadModels) -> PagedRows:
    """Every engagement's events exactly as received, by stream and version."""
    return PagedRows(models[RECEIVED], {})


def engagement_owner(engagement_id: str) -> str:
    return f"engagement:{engagement_id}"


def tenant_owner(tenant: str) -> str:
    return f"tenant:{tenant}"


class AuditProjection:
    """The trail for compliance, and each envelope exactly as received."""

    def __init__(self, models: ReadModels) -> None:
        self._trail = trail(models)
        self._received = received(models)

    def setup(self) -> None:
        """Nothing to index: every read is by `_id`."""

    def handle(self, envelope: dict[str, Any]) -> None:
        """Record the event once, in both (in the trail if `shown`)."""
        tenant = envelope["tenant"]
        if shown(envelope):
            key = [envelope["time"], envelope["streamid"], envelope["streamversion"]]
            record = {**audit_record(envelope), "key": key}
            if record["engagement_id"] is not None:
                self._trail.add(engagement_owner(envelope["subject"]), tenant, record)
            self._trail.add(tenant_owner(tenant), tenant, record)
        row = {"_id": envelope["id"], "key": [envelope["streamid"], envelope["streamversion"]],
               "envelope": envelope}  # fmt: skip
        self._received.add(envelope["subject"], tenant, row)
