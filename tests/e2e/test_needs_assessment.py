"""A needs assessment over HTTP on the real stack; the assessment topic tells the story
without anything that could identify a rater."""

from __future__ import annotations

import json
from datetime import date, timedelta

from shared.config import ServiceConfig
from shared.messaging.kafka_publisher import decode
from tests.e2e.test_walking_skeleton import open_engagement, timeline
from tests.integration.kafka_helpers import read_topic, wait_until

PRIVATE_KEYS = {"ratings", "token_hash", "contact", "rater_name", "invitation_id", "token"}


def test_a_baseline_360_runs_over_http_and_kafka_carries_no_rater_identity(system, http):
    engagement = open_engagement(system, http)
    api = f"{system.urls['assessment']}/engagements/{engagement['id']}"
    coach = system.headers("coach-1", ["coach"])
    for n, relationship in enumerate(["peer", "direct_report"]):
        body = {
            "name": f"Stake {n}",
            "contact": f"stake{n}@example.org",
            "relationship": relationship,
        }
        assert http.post(f"{api}/stakeholders", json=body, headers=coach, timeout=10).ok

    round_body = {
        "purpose": "baseline",
        "competencies": [{"id": "listening"}, {"id": "tough_conversations"}],
        "closes_on": (date.today() + timedelta(days=14)).isoformat(),
    }
    opened = http.post(f"{api}/rounds", json=round_body, headers=coach, timeout=10)
    assert opened.status_code == 201, opened.text
    round_url = f"{api}/rounds/{opened.json()['id']}"

    groups = ["self", "manager"] + ["peer"] * 4 + ["direct_report"] * 2
    secrets: list[str] = []
    tokens = []
    for n, group in enumerate(groups):
        body = {"group": group, "name": f"Rater-{n}-Name", "contact": f"rater{n}@example.org"}
        invited = http.post(f"{round_url}/invitations", json=body, headers=coach, timeout=10)
        assert invited.status_code == 201, invited.text
        tokens.append(invited.json()["token"])
        secrets += [body["name"], body["contact"], invited.json()["token"],
                    invited.json()["invitation_id"]]  # fmt: skip
    for n, token in enumerate(tokens):
        comment = f"dr-secret-{n}" if groups[n] == "direct_report" else f"remark-{n}"
        answer = {"ratings": {"listening": 1 + n % 5, "tough_conversations": 3},
                  "comments": {"listening": comment}}  # fmt: skip
        submitted = http.post(
            f"{system.urls['assessment']}/feedback", json=answer,
            headers={"X-Invitation-Token": token}, timeout=10,
        )  # fmt: skip
        assert submitted.status_code == 201, submitted.text
        secrets.append(comment)
    closed = http.post(f"{round_url}/closure", headers=coach, timeout=10)
    assert closed.status_code == 200, closed.text
    assert closed.json()["results"]["suppressed_groups"] == ["direct_report"]

    state = http.get(round_url, headers=coach, timeout=10).json()
    assert state["status"] == "closed" and len(state["invitations"]) == 8
    assessment = record_profile_barriers_and_areas(http, api, coach, state["id"])
    assert [b["status"] for b in assessment["barriers"]] == ["resolved", "open"]
    assert len(assessment["development_areas"]) == 3 and assessment["version"] == 5

    config = ServiceConfig.from_env("assessment", env=system.env)
    expected = 1 + 2 + 1 + 8 + 1 + 5  # no event per answer
    assert wait_until(
        lambda: len(_mine(config, engagement["id"], expected)) >= expected, timeout=30
    )
    events = _mine(config, engagement["id"], expected)
    by_stream: dict[str, list[int]] = {}
    for event in events:
        by_stream.setdefault(event["streamid"], []).append(event["streamversion"])
    assert all(versions == list(range(1, len(versions) + 1)) for versions in by_stream.values())
    assert [e["type"].split(".")[2] for e in events if e["streamid"].startswith("round-")] == (
        ["FeedbackRoundOpened"] + ["RaterInvited"] * 8 + ["FeedbackRoundClosed"]
    )  # fmt: skip
    published = json.dumps(events)
    leaked = [s for s in secrets if s in published]
    assert leaked == []
    assert not PRIVATE_KEYS & _all_keys(events)
    assert "remark-" not in published  # released comments are served by the assessment only
    comments = http.get(f"{round_url}/comments", headers=coach, timeout=10).json()["comments"]
    assert sorted(c["text"] for c in comments) == [f"remark-{n}" for n in range(2, 6)]

    manager = ("mgr-1", ("manager",))
    assert wait_until(
        lambda: timeline(system, http, engagement["id"], *manager).json().get("total") == expected,
        30,
    )


def record_profile_barriers_and_areas(http, api: str, coach: dict, round_id: str) -> dict:
    profile = {
        "instrument": "Hogan HPI",
        "scales": [{"name": "Adjustment", "score": 72}, {"name": "Ambition", "score": 91}],
        "strengths": ["drive"],
        "development_needs": ["patience under pressure"],
        "administered_on": "2026-01-10",
        "administered_by": "Casey Coach",
    }
    assert http.post(f"{api}/profiles", json=profile, headers=coach, timeout=10).status_code == 201
    barriers = [
        {"description": "Interrupts in meetings", "source": "peer", "impact": "high",
         "capability": "listening"},
        {"description": "Avoids conflict with sales", "source": "manager", "impact": "medium",
         "capability": "tough_conversations"},
    ]  # fmt: skip
    for barrier in barriers:
        created = http.post(f"{api}/barriers", json=barrier, headers=coach, timeout=10)
        assert created.status_code == 201, created.text
    state = created.json()
    first = state["barriers"][0]["id"]
    resolved = http.post(
        f"{api}/barriers/{first}/resolution", json={"note": "Agreed meeting norms"},
        headers=coach, timeout=10,
    )  # fmt: skip
    assert resolved.status_code == 200, resolved.text
    profile_id = resolved.json()["profiles"][0]["id"]
    areas = {"areas": [
        {"capability": "listening", "rationale": "Blind spot in the baseline 360",
         "linked_to": [{"kind": "round", "id": round_id}, {"kind": "barrier", "id": first}]},
        {"capability": "tough_conversations", "rationale": "Manager's barrier",
         "linked_to": [{"kind": "profile", "id": profile_id}]},
        {"capability": "custom:Strategic patience", "rationale": "Profile development need"},
    ]}  # fmt: skip
    selected = http.put(f"{api}/development-areas", json=areas, headers=coach, timeout=10)
    assert selected.status_code == 200, selected.text
    read = http.get(f"{api}/needs-assessment", headers=coach, timeout=10)
    assert read.status_code == 200 and read.headers["ETag"] == '"5"'
    return dict(read.json())


def _mine(config: ServiceConfig, engagement_id: str, expected: int) -> list[dict]:
    records = read_topic(config.kafka_bootstrap_servers, config.topic("assessment"), expected, 5)
    return [decode(r.value) for r in records if r.key.decode() == engagement_id]


def _all_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _all_keys(v)}
    return set()
