"""A lookup by _id (alone, or beside other conditions) uses the collection's _id index on the
embedded FerretDB build, as it does on MongoDB: the read models and the event store rely on
it to cost the same at any size (deploy/local/ferretdb/README.md). An unpatched FerretDB 1.24
build fails this (its plan is a SCAN)."""

from __future__ import annotations

from typing import Any

import pytest


def plan_of(database: Any, query: dict[str, Any]) -> tuple[str, str]:
    """(server, the query plan as text) of a find on collection `c`."""
    found = database.command("explain", {"find": "c", "filter": query})
    server = "ferretdb" if "ferretdbVersion" in found.get("serverInfo", {}) else "mongodb"
    return server, repr(found["queryPlanner"])


@pytest.mark.parametrize("key", ["engagement-7:page-3", "a" * 200])
def test_a_find_by_id_reads_the_id_index_not_the_collection(mongo_db, key):
    mongo_db.c.insert_many([{"_id": f"k{i}", "n": i} for i in range(50)] + [{"_id": key}])
    server, plan = plan_of(mongo_db, {"_id": key})
    if server == "ferretdb":  # SQLite's plan: SEARCH ... USING INDEX, never SCAN
        assert "USING INDEX" in plan and "SCAN" not in plan, plan
    else:  # MongoDB answers an _id equality from the _id index
        assert any(stage in plan for stage in ("IDHACK", "EXPRESS_IXSCAN", "IXSCAN")), plan
    assert mongo_db.c.find_one({"_id": key}) == {"_id": key}
    assert mongo_db.c.find_one({"_id": "k7"}) == {"_id": "k7", "n": 7}


def test_an_id_beside_other_conditions_reads_the_index_and_still_applies_them(mongo_db):
    """{_id, tenant} (a tenant-scoped lookup) and {_id, owner} (a conditional update) read
    one document by the index; the other conditions still decide whether it matches."""
    mongo_db.c.insert_many([{"_id": f"k{i}", "tenant": f"t{i % 3}"} for i in range(50)])
    server, plan = plan_of(mongo_db, {"_id": "k4", "tenant": "t1"})
    if server == "ferretdb":
        assert "USING INDEX" in plan and "SCAN" not in plan, plan
    assert mongo_db.c.find_one({"_id": "k4", "tenant": "t1"}) == {"_id": "k4", "tenant": "t1"}
    assert mongo_db.c.find_one({"_id": "k4", "tenant": "t2"}) is None
    changed = mongo_db.c.update_one({"_id": "k5", "tenant": "t0"}, {"$set": {"seen": True}})
    assert changed.matched_count == 0  # k5 is t2's
    changed = mongo_db.c.update_one({"_id": "k5", "tenant": "t2"}, {"$set": {"seen": True}})
    assert changed.modified_count == 1
    assert mongo_db.c.count_documents({"seen": {"$exists": True}}) == 1


def test_the_plan_probe_tells_a_scan_from_an_index_read(mongo_db):
    """The probe above can fail: a filter on another field is a full scan on both servers."""
    mongo_db.c.insert_many([{"_id": f"k{i}", "n": i} for i in range(50)])
    server, plan = plan_of(mongo_db, {"n": 7})
    assert ("SCAN" in plan) if server == "ferretdb" else ("COLLSCAN" in plan), plan
    assert "USING INDEX" not in plan
