"""The audit trail (one record per change) and the log of every event received, which
`verify` re-hashes to prove the history was not altered."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from services.reporting.domain.audit import audit_record
from services.reporting.domain.timeline_lines import shown
from services.reporting.projections.read_models import ReadModels
from shared.projections.writes import insert_once


class AuditProjection:
    """audit: records for compliance; received_events: each envelope exactly as received."""

    def __init__(self, models: ReadModels) -> None:
        self._audit = models["audit"]
        self._received = models["received_events"]

    def setup(self) -> None:
        """Indexes: the audit by time (and engagement, actor); received events by stream."""
        self._audit.create_index([("tenant", ASCENDING), ("time", ASCENDING)])
        self._audit.create_index(
            [("tenant", ASCENDING), ("engagement_id", ASCENDING), ("time", ASCENDING)]
        )
        self._received.create_index(
            [("tenant", ASCENDING), ("subject", ASCENDING), ("streamid", ASCENDING),
             ("streamversion", ASCENDING)],
            name="stream",
        )  # fmt: skip

    def handle(self, envelope: dict[str, Any]) -> None:
        """Record the event once, in both collections (in the audit trail if `shown`)."""
        if shown(envelope):
            insert_once(self._audit, audit_record(envelope))
        received = {
            "_id": envelope["id"],
            "tenant": envelope["tenant"],
            "subject": envelope["subject"],
            "streamid": envelope["streamid"],
            "streamversion": envelope["streamversion"],
            "envelope": envelope,
        }
        insert_once(self._received, received)
