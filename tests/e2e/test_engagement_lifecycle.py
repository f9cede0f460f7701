"""The engagement lifecycle over HTTP, seen on Kafka and on the reporting timeline."""

from __future__ import annotations

from shared.config import ServiceConfig
from shared.messaging.kafka_publisher import decode
from tests.e2e.test_walking_skeleton import open_engagement, timeline
from tests.integration.kafka_helpers import read_topic, wait_until


def test_lifecycle_changes_reach_kafka_without_contacts_and_read_well_on_the_timeline(system, http):
    engagement = open_engagement(system, http)
    base = f"{system.urls['assessment']}/engagements/{engagement['id']}"
    coach = system.headers("coach-1", ["coach"])
    steps = [
        ("post", "/stakeholders", {"name": "Pat Peer", "contact": "pat@example.org",
                                   "relationship": "peer"}),
        ("post", "/phase", {"phase": "kpi_alignment"}),
        ("put", "/manager", {"id": "mgr-2", "name": "Morgan Manager", "reason": "reorganisation"}),
        ("post", "/phase", {"phase": "results_management"}),
    ]  # fmt: skip
    for version, (method, path, body) in enumerate(steps, start=1):
        response = http.request(
            method, base + path, json=body, headers=coach | {"If-Match": f'"{version}"'}, timeout=10
        )
        assert response.status_code in (200, 201), response.text
    stale = http.post(
        base + "/cancellation",
        json={"reason": "x"},
        headers=coach | {"If-Match": '"2"'},
        timeout=10,
    )
    assert stale.status_code == 412

    new_manager = ("mgr-2", ("manager",))
    assert wait_until(
        lambda: timeline(system, http, engagement["id"], *new_manager).json().get("total") == 5, 30
    )
    lines = [
        e["line"] for e in timeline(system, http, engagement["id"], *new_manager).json()["entries"]
    ]
    assert lines[1:] == [
        "Stakeholder Pat Peer (peer) added",
        "Engagement moved from needs assessment to kpi alignment",
        "Manager changed Dana Manager → Morgan Manager: reorganisation",
        "Engagement moved from kpi alignment to results management",
    ]

    config = ServiceConfig.from_env("assessment", env=system.env)
    records = read_topic(config.kafka_bootstrap_servers, config.topic("assessment"), 5)
    mine = [decode(r.value) for r in records if r.key.decode() == engagement["id"]]
    assert [e["streamversion"] for e in mine] == [1, 2, 3, 4, 5]
    assert "pat@example.org" not in str(mine)
    assert mine[3]["reason"] == "reorganisation" and mine[3]["actor"] == "coach-1"


def test_a_retried_stakeholder_addition_with_its_idempotency_key_adds_one(system, http):
    engagement = open_engagement(system, http)
    base = f"{system.urls['assessment']}/engagements/{engagement['id']}"
    coach = system.headers("coach-1", ["coach"]) | {"Idempotency-Key": "add-pat-1"}
    body = {"name": "Pat Peer", "contact": "pat@example.org", "relationship": "peer"}
    first = http.post(f"{base}/stakeholders", json=body, headers=coach, timeout=10)
    retry = http.post(f"{base}/stakeholders", json=body, headers=coach, timeout=10)
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    state = http.get(base, headers=system.headers("coach-1", ["coach"]), timeout=10).json()
    assert [s["name"] for s in state["stakeholders"]] == ["Pat Peer"]
    other = http.post(f"{base}/stakeholders", json=body | {"name": "Sam"}, headers=coach,
                      timeout=10)  # fmt: skip
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
