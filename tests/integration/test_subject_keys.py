"""Subject keys on the real stack: the Mongo key table keeps erasure final, and the
subject-keys topic carries keys and erasures between services (compacted, keyed by kid),
so that a follower starting from the beginning, or a store restored from a backup, ends with
every erased key erased."""

from __future__ import annotations

import json
import time

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from shared.crypto.secret_box import SecretBox
from shared.domain.subjects import key_id, subject_ref
from shared.privacy.key_store import ACTIVE, ERASED, MongoKeyTable, SubjectKeys
from shared.privacy.key_topic import KeyTopic

WRAPPING = SecretBox(b"i" * 32)


def keys_of(database, owner: str) -> SubjectKeys:
    return SubjectKeys(owner, MongoKeyTable(database), WRAPPING)


def until(check, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not reached in time"


def test_the_mongo_table_makes_one_key_per_person_and_keeps_erasure_final(mongo_db):
    first, second = keys_of(mongo_db, "assessment"), keys_of(mongo_db, "assessment")
    kid = key_id("assessment", subject_ref("acme", "exec-1"))
    key = first.sealing_key(kid, "acme")
    assert second.sealing_key(kid, "acme") == key  # another process gets the same key
    assert mongo_db["subject_keys"].count_documents({}) == 1
    assert first.erase_person(subject_ref("acme", "exec-1")) is True
    document = mongo_db["subject_keys"].find_one({"_id": kid})
    assert document["state"] == ERASED and "key" not in document
    second.refresh()  # the other process's next read or command
    assert second.sealing_key(kid, "acme") is None and second.opening_key(kid) is None


def records(config) -> list[dict]:
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=None,
                             enable_auto_commit=False, consumer_timeout_ms=3000)  # fmt: skip
    try:
        topic = config.subject_keys_topic
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return [json.loads(r.value) | {"_key": r.key.decode()} for r in consumer]
    finally:
        consumer.close()


def test_keys_and_erasures_travel_the_topic_to_every_service(config, infra_env):
    from shared.resources import mongo_client

    client = mongo_client(infra_env["MONGO_URI"])
    dbs = {
        name: client[f"{config.db_prefix}_{name}"] for name in ("assessment", "kpi", "reporting")
    }
    try:
        stores = {name: keys_of(db, name) for name, db in dbs.items()}
        loops = {name: KeyTopic(s, config.kafka_bootstrap_servers, config.subject_keys_topic)
                 for name, s in stores.items()}  # fmt: skip
        ref = subject_ref("acme", "exec-1")
        assessment_kid, kpi_kid = key_id("assessment", ref), key_id("kpi", ref)
        key = stores["assessment"].sealing_key(assessment_kid, "acme")
        stores["kpi"].sealing_key(kpi_kid, "acme")

        def step_all() -> None:
            for loop in loops.values():
                loop.step(0.1)

        # each follower reads the topic at its own pace: wait for both of them
        followers = (stores["reporting"], stores["kpi"])
        until(lambda: step_all() or all(f.opening_key(assessment_kid) == key for f in followers))
        assert stores["kpi"].opening_key(assessment_kid) == key
        published = records(config)
        assert {r["_key"] for r in published} == {assessment_kid, kpi_kid}
        assert all(r["_key"] == r["kid"] and r["state"] == ACTIVE for r in published)
        raw = json.dumps(published)
        assert __import__("base64").b64encode(key).decode() not in raw  # wrapped on the topic

        stores["assessment"].erase_person(ref)
        until(lambda: step_all() or (stores["reporting"].erased(kpi_kid)
                                     and stores["kpi"].opening_key(kpi_kid) is None))  # fmt: skip
        assert stores["reporting"].opening_key(assessment_kid) is None
        last = {}
        for record in records(config):
            last[record["_key"]] = record["state"]
        assert last == {assessment_kid: ERASED, kpi_kid: ERASED}

        # a new follower from the beginning, and a store restored from before the erasure
        dbs["reporting"]["subject_keys"].delete_many({})
        dbs["reporting"]["subject_keys"].insert_one(
            {"_id": assessment_kid, "owner": "assessment", "state": ACTIVE,
             "key": WRAPPING.seal(__import__("base64").b64encode(key).decode(), assessment_kid)}
        )  # fmt: skip
        restored = KeyTopic(stores["reporting"], config.kafka_bootstrap_servers,
                            config.subject_keys_topic)  # fmt: skip
        until(lambda: restored.step(0.1) is not None and restored.caught_up)
        assert stores["reporting"].opening_key(assessment_kid) is None
        for loop in (*loops.values(), restored):
            loop.close()
    finally:
        for db in dbs.values():
            client.drop_database(db.name)
        client.close()
