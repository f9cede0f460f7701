"""The subject index keeps the other services' records per person and engagement
(shared/privacy/subject_index.py): the person's own document only names the engagements, so
no document grows with a person's whole history, and the merged entry reads as one."""

from __future__ import annotations

from shared.domain.subjects import subject_ref
from shared.privacy.subject_index import MemorySubjectIndex

REF = subject_ref("acme", "coach-1")


class Recording(MemorySubjectIndex):
    """Remembers which document each write went to."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[str, str]] = []

    def _add(self, document_id, tenant, field, item) -> None:
        self.writes.append((document_id, field))
        super()._add(document_id, tenant, field, item)


def review(event_id: str, engagement_id: str) -> dict:
    sealed = {"sealed": f"kpi.{REF}", "as": "name", "box": "v1:x"}
    return {"id": event_id, "type": "mastery.kpi.ReviewHeld.v2", "tenant": "acme",
            "time": "2026-03-01T10:00:00.000Z", "subject": engagement_id,
            "streamid": f"kpis-{engagement_id}",
            "data": {"attendees": [{"id": "coach-1", "name": sealed}]}}  # fmt: skip


def test_records_go_to_one_document_per_engagement_and_read_back_merged():
    index = Recording()
    for n in range(3):
        for engagement in ("e-1", "e-2"):
            index.add_records(review(f"ev-{engagement}-{n}", engagement), "kpi")
    index.add_records(review("ev-e-1-0", "e-1"), "kpi")  # redelivered
    record_writes = {doc for doc, field in index.writes if field == "records.kpi"}
    assert record_writes == {f"{REF}@e-1", f"{REF}@e-2"}
    assert [doc for doc, field in index.writes if doc == REF] == [REF, REF]  # named once each
    entry = index.entry(REF)
    assert entry is not None and entry["engagements"] == ["e-1", "e-2"]
    assert [r["event_id"] for r in entry["records"]["kpi"]] == [
        "ev-e-1-0", "ev-e-1-1", "ev-e-1-2", "ev-e-2-0", "ev-e-2-1", "ev-e-2-2"]  # fmt: skip
    assert entry["records"]["kpi"][0]["fields"][0]["path"] == "data.attendees[0].name"


def test_a_person_with_streams_only_has_no_records_and_a_stranger_has_no_entry():
    index = MemorySubjectIndex()
    index.note_streams("acme", "engagement-e-1", [REF])
    assert index.entry(REF)["records"] == {} and index.entry(REF)["streams"] == ["engagement-e-1"]
    assert index.entry(subject_ref("acme", "nobody")) is None
