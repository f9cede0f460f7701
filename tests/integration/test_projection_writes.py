"""insert_once keeps every value on the real MongoDB-wire server and is idempotent."""

from shared.projections.writes import insert_once


def test_nulls_and_empty_lists_survive_and_a_second_insert_changes_nothing(mongo_db):
    document = {"_id": "e1", "baseline_on": None, "changes": [], "nested": {"a": None}}
    assert insert_once(mongo_db.rows, document) is True
    assert insert_once(mongo_db.rows, {"_id": "e1", "other": 1}) is False
    assert mongo_db.rows.find_one({"_id": "e1"}) == document
