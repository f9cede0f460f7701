"""360 read models: one document per feedback round, and each engagement's development areas."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from services.reporting.domain.feedback_views import ROUND_EVENTS, apply_round_event
from services.reporting.projections.packed import PackedCollection
from services.reporting.projections.read_models import ReadModels
from shared.events.envelope import event_name
from shared.projections.writes import replace_read

# A round's nested fields, stored packed (projections/packed.py): nothing filters inside
# them, and a closed round's results are the bulk of the document.
ROUND_PACKED = ("competencies", "scale", "invited", "results", "responses")


def feedback_rounds(models: ReadModels) -> PackedCollection:
    """One document per feedback round, its nested fields stored packed."""
    return PackedCollection(models["feedback_rounds"], fields=ROUND_PACKED)


class FeedbackProjection:
    """feedback_rounds and development_areas (the latest selection per engagement)."""

    def __init__(self, models: ReadModels) -> None:
        self._rounds = feedback_rounds(models)
        self._areas = models["development_areas"]

    def setup(self) -> None:
        """Rounds are read per engagement."""
        self._rounds.create_index([("tenant", ASCENDING), ("engagement_id", ASCENDING)])

    def handle(self, envelope: dict[str, Any]) -> None:
        """Apply one assessment event about rounds or development areas."""
        name, data = event_name(envelope["type"]), envelope["data"]
        if name in ROUND_EVENTS:
            current = self._rounds.find_one({"_id": data["round_id"]})
            updated = apply_round_event(current, envelope)
            if updated is not current:  # a stale read (another worker wrote) loses here
                replace_read(self._rounds, current, updated)
        elif name == "DevelopmentAreasSelected":
            version = envelope["streamversion"]
            document = {"_id": data["engagement_id"], "tenant": envelope["tenant"],
                        "areas": data["areas"], "version": version}  # fmt: skip
            current = self._areas.find_one({"_id": data["engagement_id"]})
            if current is None or current["version"] < version:
                replace_read(self._areas, current, document)
