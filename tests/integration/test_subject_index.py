"""The subject index on the real Mongo-wire server: streams and records added by `_id` with
`$addToSet`, so two processes and a redelivered event add each once."""

from __future__ import annotations

from shared.domain.subjects import subject_ref
from shared.privacy.subject_index import MongoSubjectIndex, private_records

REF = subject_ref("acme", "exec-1")


def envelope(event_id: str) -> dict:
    sealed = {"sealed": f"kpi.{REF}", "as": "text", "box": "v1:abc"}
    return {"id": event_id, "type": "mastery.kpi.SessionRecorded.v2", "tenant": "acme",
            "time": "2026-03-01T10:00:00.000Z", "subject": "e-1", "streamid": "kpis-e-1",
            "data": {"commitments": [{"id": "c1", "text": sealed}], "plain": "x"}}  # fmt: skip


def test_streams_and_records_are_each_kept_once(mongo_db):
    one, other = MongoSubjectIndex(mongo_db), MongoSubjectIndex(mongo_db)
    one.note_streams("acme", "engagement-e-1", [REF])
    other.note_streams("acme", "engagement-e-1", [REF])  # another process, same stream
    one.note_streams("acme", "needs-e-1", [REF])
    for index in (one, other, one):  # the same event delivered three times
        assert index.add_records(envelope("ev-1"), "kpi") == 1
    one.add_records(envelope("ev-2"), "kpi")
    entry = other.entry(REF)
    assert entry is not None and entry["tenant"] == "acme"
    assert sorted(entry["streams"]) == ["engagement-e-1", "needs-e-1"]
    records = entry["records"]["kpi"]
    assert [r["event_id"] for r in records] == ["ev-1", "ev-2"]
    assert records[0]["fields"] == [
        {
            "path": "data.commitments[0].text",
            "sealed": envelope("ev-1")["data"]["commitments"][0]["text"],
        }
    ]
    assert other.entry(subject_ref("acme", "someone-else")) is None


def test_a_private_record_from_the_topic_is_kept_once_beside_the_published_ones(mongo_db):
    index = MongoSubjectIndex(mongo_db)
    index.add_records(envelope("ev-1"), "kpi")
    stored = envelope("ev-3") | {
        "private": {"private_notes": envelope("x")["data"]["commitments"][0]["text"]}
    }
    [(key, message)] = private_records(stored, "kpi")
    assert key == f"{REF}:ev-3"
    for _ in range(2):  # redelivered
        index.add_private(message)
    records = index.entry(REF)["records"]["kpi"]
    assert [r["event_id"] for r in records] == ["ev-1", "ev-3"]
    assert [f["path"] for f in records[1]["fields"]] == ["private.private_notes"]
