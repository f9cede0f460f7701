import copy

from shared.events.envelope import (
    GENESIS_HASH,
    EventContext,
    compute_hash,
    seal,
    verify_chain,
)

CTX = EventContext(tenant="acme", actor="coach-1", correlation_id="corr-1", reason="kick-off")


def chain(length: int) -> list[dict]:
    events, prev = [], GENESIS_HASH
    for version in range(1, length + 1):
        event = seal(
            context="assessment",
            name="EngagementOpened",
            version=1,
            data={"n": version},
            subject="eng-1",
            stream_id="engagement-eng-1",
            stream_version=version,
            prev_hash=prev,
            ctx=CTX,
        )
        events.append(event)
        prev = event["hash"]
    return events


def test_sealed_envelope_is_cloudevents_with_the_extensions():
    event = chain(1)[0]
    assert event["specversion"] == "1.0"
    assert event["type"] == "mastery.assessment.EngagementOpened.v1"
    assert event["dataschema"] == "urn:mastery-ledger:schema:assessment.EngagementOpened.v1"
    assert event["source"] == "/mastery-ledger/assessment"
    assert event["time"].endswith("Z")
    assert (event["tenant"], event["actor"], event["reason"]) == ("acme", "coach-1", "kick-off")
    assert event["correlationid"] == event["causationid"] == "corr-1"
    assert event["prevhash"] == GENESIS_HASH
    assert event["hash"] == compute_hash(event)
    assert len(event["hash"]) == 64


def test_each_event_is_chained_to_the_previous_one():
    events = chain(3)
    assert [e["prevhash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]
    assert verify_chain(events) is None


def test_altered_data_breaks_the_chain_at_that_event():
    events = chain(4)
    events[2]["data"]["n"] = 99
    broken = verify_chain(events)
    assert broken is not None
    assert (broken.stream_version, broken.event_id) == (3, events[2]["id"])
    assert "hash" in broken.problem


def test_rehashed_forgery_is_caught_by_the_next_link():
    events = chain(3)
    forged = copy.deepcopy(events[1])
    forged["actor"] = "someone-else"
    forged["hash"] = compute_hash(forged)
    broken = verify_chain([events[0], forged, events[2]])
    assert broken is not None and broken.stream_version == 3
    assert "prevhash" in broken.problem


def test_a_missing_event_breaks_the_chain():
    events = chain(3)
    broken = verify_chain([events[0], events[2]])
    assert broken is not None and broken.stream_version == 3


def test_the_actors_roles_travel_in_the_envelope_and_under_the_hash():
    ctx = EventContext("acme", "m1", "corr", actor_roles=("manager", "admin"))
    event = seal(
        context="kpi", name="KpiRevised", version=1, data={}, subject="e1", stream_id="s",
        stream_version=1, prev_hash=GENESIS_HASH, ctx=ctx,
    )  # fmt: skip
    assert event["actorroles"] == "admin,manager"
    event["actorroles"] = "admin"
    assert verify_chain([event]) is not None
