"""A rebuild that stores its writes in small batches yields exactly the read models the live,
per-event path builds from the same topics (redeliveries included), on the real servers."""

from __future__ import annotations

import io

from services.reporting.projections.batch import BufferedCollection
from services.reporting.projections.read_models import ReadModels, pointer
from services.reporting.rebuild import rebuild
from shared.projections.writes import insert_once
from tests.integration.story import project_live, publish_story


def test_a_rebuild_flushing_every_few_events_equals_the_live_read_models(config, database):
    sent = publish_story(config)
    assert project_live(config, database) == sent
    report = rebuild(config, out=io.StringIO(), flush_every=3)
    assert (report["events"], report["skipped"], pointer(database)["generation"]) == (sent, 0, 1)
    live, rebuilt = ReadModels(database, 0), ReadModels(database, 1)
    names = [n.split("_", 1)[1] for n in live.names()]
    assert names == [n.split("_", 1)[1] for n in rebuilt.names()]
    assert {"engagements", "kpis", "reviews", "feedback_rounds", "development_areas"} <= set(names)
    for name in names:
        before = list(live[name].find().sort("_id", 1))
        assert before, f"the story wrote no {name}"
        assert list(rebuilt[name].find().sort("_id", 1)) == before, f"{name} differs"
        indexes = {i["name"]: i["key"] for i in live[name].list_indexes()}
        assert {i["name"]: i["key"] for i in rebuilt[name].list_indexes()} == indexes, name
    assert "kpi_versions" in names


def test_flushed_documents_come_back_from_the_server_as_written(mongo_db):
    rows = BufferedCollection(mongo_db.rows, retain=False, chunk=2)
    kept = BufferedCollection(mongo_db.kept, retain=True, chunk=2)
    documents = [{"_id": f"e{n}", "none": None, "empty": [], "nested": {"n": n}} for n in range(5)]
    for document in documents:
        assert insert_once(rows, document) is True  # type: ignore[arg-type]
        kept.replace_one({"_id": document["_id"]}, document, upsert=True)
    assert rows.flush() == 5 and kept.flush() == 5
    kept.update_one({"_id": "e1", "version": {"$lt": 1}}, {"$set": {"version": 1}})  # no field
    kept.replace_one({"_id": "e2"}, {"state": "changed"})
    assert kept.flush() == 1
    assert list(mongo_db.rows.find().sort("_id", 1)) == documents
    assert insert_once(rows, documents[0]) is False  # type: ignore[arg-type]
    assert rows.find_one({"_id": "e4"}) == documents[4]  # evicted: read back from the server
    assert mongo_db.kept.find_one({"_id": "e2"}) == {"_id": "e2", "state": "changed"}
    assert mongo_db.kept.count_documents({}) == 5
