"""Six months of KPI alignment and results management over HTTP; the kpi topic tells it all."""

from __future__ import annotations

import threading
from datetime import timedelta

from shared.clock import today
from shared.config import ServiceConfig
from shared.messaging.kafka_publisher import decode
from tests.e2e.test_walking_skeleton import open_engagement, timeline
from tests.integration.kafka_helpers import read_topic, wait_until

TODAY = today()  # the services' clock (UTC), not the machine's local date
ALIGNED_ON = TODAY - timedelta(days=185)
DUE = (TODAY + timedelta(days=60)).isoformat()
KPIS = [
    {"name": "Net revenue retention", "kind": "performance", "unit": "%", "baseline": 90,
     "target": 96, "direction": "increase", "weight": 30, "due_on": DUE},
    {"name": "Regretted attrition", "kind": "performance", "unit": "%", "baseline": 12,
     "target": 8, "direction": "decrease", "weight": 30, "due_on": DUE},
    {"name": "Listening in 1:1s", "kind": "behavioural", "capability": "listening",
     "unit": "pulse", "baseline": -1, "target": 2, "direction": "increase", "weight": 20,
     "due_on": DUE, "measured_by": "feedback_rounds"},
    {"name": "Tough conversations held", "kind": "behavioural",
     "capability": "tough_conversations", "unit": "per month", "baseline": 0, "target": 4,
     "direction": "increase", "weight": 20, "due_on": DUE},
]  # fmt: skip


def test_alignment_and_six_monthly_reviews_tell_the_whole_story_on_kafka(system, http):
    engagement = open_engagement(system, http)
    api = f"{system.urls['kpi']}/engagements/{engagement['id']}"
    coach, manager = system.headers("coach-1", ["coach"]), system.headers("mgr-1", ["manager"])
    assert wait_until(lambda: http.get(f"{api}/kpis", headers=coach, timeout=5).ok, 30)

    ids = []
    for body in KPIS:
        proposed = http.post(f"{api}/kpis", json=body, headers=coach, timeout=10)
        assert proposed.status_code == 201, proposed.text
        ids.append(proposed.json()["id"])
    sent = http.post(f"{api}/kpis/{ids[1]}/send-back", headers=manager, timeout=10,
                     json={"comment": "8% is not ambitious enough"})  # fmt: skip
    assert sent.status_code == 200, sent.text
    revised = http.patch(f"{api}/kpis/{ids[1]}", json={"changes": {"target": 7}}, headers=coach,
                         timeout=10)  # fmt: skip
    assert revised.json()["state"] == "proposed"
    for kpi_id in ids:
        approved = http.post(f"{api}/kpis/{kpi_id}/approval", headers=manager, timeout=10,
                             json={"aligned_on": ALIGNED_ON.isoformat()})  # fmt: skip
        assert approved.status_code == 200, approved.text

    reviews = []
    for month in range(1, 7):
        held = ALIGNED_ON + timedelta(days=30 * month)
        values = [90 + month * 0.8, 12 - month * 0.5, -1 + month * 0.4, month * 0.6]
        body = {
            "held_on": held.isoformat(),
            "attendees": [{"id": "mgr-1", "name": "Dana Manager"},
                          {"id": "exec-1", "name": "Alex Executive"}],
            "measurements": [
                {"kpi_id": k, "value": v, "measured_on": held.isoformat(), "evidence": "monthly"}
                for k, v in zip(ids, values, strict=True)
            ],
        }  # fmt: skip
        review = http.post(f"{api}/reviews", json=body, headers=manager, timeout=10)
        assert review.status_code == 201, review.text
        reviews.append(review.json()["review_id"])
        if month in (2, 4):
            target = {2: 95, 4: 97}[month]
            change = {"changes": {"target": target}, "review_id": reviews[-1],
                      "reason": f"month {month}: market moved"}  # fmt: skip
            changed = http.patch(f"{api}/kpis/{ids[0]}", json=change, headers=manager, timeout=10)
            assert changed.status_code == 200, changed.text

    assert_concurrent_stale_writes_are_refused(http, api, ids[0], manager)
    record_a_session(http, api, coach)
    close_a_pulse_round_on_listening(system, http, engagement["id"])
    assert wait_until(lambda: measured_by_round(http, api, ids[2], coach), 30)

    listing = http.get(f"{api}/kpis", headers=system.headers("exec-1", ["executive"]), timeout=10)
    assert listing.status_code == 200
    statuses = {k["name"]: k["status"] for k in listing.json()["kpis"]}
    assert all(status is not None for status in statuses.values())
    assert len(http.get(f"{api}/reviews", headers=coach, timeout=10).json()["reviews"]) == 6

    everything = kpi_events(system, engagement["id"], expected=4 + 2 + 4 + 6 * 5 + 2 + 1 + 1 + 1)
    events = [e for e in everything if e["streamid"].startswith("kpi-plan-")]
    assert [e["streamversion"] for e in events] == list(range(1, len(events) + 1))
    [session] = [e for e in everything if e["type"] == "mastery.kpi.SessionRecorded.v2"]
    assert "private_notes" not in session["data"] and "only for the coach" not in str(everything)
    from_round = [e for e in events if e["data"].get("source", {}).get("kind") == "round"]
    assert len(from_round) == 1 and from_round[0]["actor"] == "kpi-service"
    revisions = [e for e in events if e["type"] == "mastery.kpi.KpiRevised.v1"]
    assert [c["after"] for e in revisions for c in e["data"]["changes"]][:2] == [95, 97]
    for event in revisions:
        assert event["actor"] == "mgr-1" and event["reason"]
        assert all({"field", "before", "after"} <= set(c) for c in event["data"]["changes"])
    sent_back = next(e for e in events if e["type"] == "mastery.kpi.KpiSentBack.v2")
    assert sent_back["actor"] == "mgr-1" and sent_back["reason"] == "8% is not ambitious enough"

    assessment_events = 1 + 1 + 3 + 1  # opened, pulse round: opened, 3 invited, closed
    lines = wait_for_timeline(system, http, engagement["id"], len(everything) + assessment_events)
    assert "Target of 'Net revenue retention' changed 96 → 95: month 2: market moved" in lines


def assert_concurrent_stale_writes_are_refused(http, api: str, kpi_id: str, manager: dict):
    etag = http.get(f"{api}/kpis/{kpi_id}", headers=manager, timeout=10).headers["ETag"]
    outcomes: list[int] = []
    barrier = threading.Barrier(2)

    def write(target: int) -> None:
        body = {"changes": {"description": f"variant {target}"}, "reason": "wording",
                "outside_review": True}  # fmt: skip
        barrier.wait()
        response = http.patch(f"{api}/kpis/{kpi_id}", json=body, timeout=10,
                              headers=manager | {"If-Match": etag})  # fmt: skip
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [200, 412], outcomes
    stale = http.patch(f"{api}/kpis/{kpi_id}", timeout=10, headers=manager | {"If-Match": etag},
                       json={"changes": {"description": "late"}, "reason": "r",
                             "outside_review": True})  # fmt: skip
    assert stale.status_code == 412


def record_a_session(http, api: str, coach: dict) -> None:
    body = {
        "held_on": (TODAY - timedelta(days=3)).isoformat(), "duration_minutes": 60,
        "kind": "coaching", "capabilities": ["listening"],
        "commitments": [{"text": "Summarise before answering in 1:1s",
                         "due_on": (TODAY + timedelta(days=14)).isoformat()}],
        "private_notes": "only for the coach: visible frustration about the reorganisation",
    }  # fmt: skip
    recorded = http.post(f"{api}/sessions", json=body, headers=coach, timeout=10)
    assert recorded.status_code == 201, recorded.text


def close_a_pulse_round_on_listening(system, http, engagement_id: str) -> None:
    api = f"{system.urls['assessment']}/engagements/{engagement_id}"
    coach = system.headers("coach-1", ["coach"])
    body = {"purpose": "pulse", "competencies": [{"id": "listening"}],
            "closes_on": (TODAY + timedelta(days=7)).isoformat()}  # fmt: skip
    round_url = f"{api}/rounds/" + http.post(f"{api}/rounds", json=body, headers=coach).json()["id"]
    for n, rating in enumerate([1, 2, 2]):
        invited = http.post(
            f"{round_url}/invitations",
            headers=coach,
            timeout=10,
            json={"group": "peer", "name": f"P{n}", "contact": f"p{n}@x.org"},
        )
        submitted = http.post(
            f"{system.urls['assessment']}/feedback", json={"ratings": {"listening": rating}},
            headers={"X-Invitation-Token": invited.json()["token"]}, timeout=10,
        )  # fmt: skip
        assert submitted.status_code == 201, submitted.text
    assert http.post(f"{round_url}/closure", headers=coach, timeout=10).status_code == 200


def measured_by_round(http, api: str, kpi_id: str, coach: dict) -> bool:
    kpi = http.get(f"{api}/kpis/{kpi_id}", headers=coach, timeout=10).json()
    latest = kpi.get("latest") or {}
    return latest.get("source", {}).get("kind") == "round" and latest["value"] == 1.67


def kpi_events(system, engagement_id: str, expected: int) -> list[dict]:
    config = ServiceConfig.from_env("kpi", env=system.env)

    def mine() -> list[dict]:
        records = read_topic(config.kafka_bootstrap_servers, config.topic("kpi"), expected, 5)
        return [decode(r.value) for r in records if r.key.decode() == engagement_id]

    assert wait_until(lambda: len(mine()) >= expected, 30)
    return mine()


def wait_for_timeline(system, http, engagement_id: str, total: int) -> list[str]:
    """The timeline's lines once it shows `total` events to the coach (who sees them all; the
    manager is not shown the measurement of the unshared pulse round)."""
    coach = ("coach-1", ("coach",))
    assert wait_until(
        lambda: timeline(system, http, engagement_id, *coach).json().get("total") == total, 30
    )
    manager = timeline(system, http, engagement_id, "mgr-1", ("manager",)).json()
    assert manager["total"] == total - 1
    body = http.get(
        f"{system.urls['reporting']}/engagements/{engagement_id}/timeline?limit=500",
        headers=system.headers("coach-1", ["coach"]), timeout=10,
    ).json()  # fmt: skip
    return [e["line"] for e in body["entries"]]
