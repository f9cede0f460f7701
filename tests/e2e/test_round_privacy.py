"""Issue 8 on the running system: raters of several groups answer one by one, and nothing tells
the executive or the manager when a confidential rater answered; no comment leaves the
assessment service; the coach still follows the responses; the history verifies and a rebuild
of reporting answers the same."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta

from kafka import KafkaConsumer, TopicPartition

from deploy.local import infra
from shared.config import ServiceConfig
from shared.messaging.kafka_publisher import decode
from tests.e2e.test_walking_skeleton import open_engagement, timeline
from tests.integration.kafka_helpers import wait_until

GROUPS = ["self", "manager", "peer", "direct_report", "peer", "other", "direct_report", "peer",
          "direct_report"]  # fmt: skip
CONFIDENTIAL = {"peer", "direct_report", "other"}
PEOPLE = {"executive": ("exec-1", ["executive"]), "manager": ("mgr-1", ["manager"])}


def test_answers_leave_no_trace_until_the_closing_and_comments_stay_in_assessment(system, http):
    marker = f"said-{uuid.uuid4().hex[:10]}"
    engagement = open_engagement(system, http)["id"]
    api = f"{system.urls['assessment']}/engagements/{engagement}"
    coach = system.headers("coach-1", ["coach"])
    round_url, tokens = invited_round(system, http, api, coach)
    before = engagement_events(system, engagement, 1 + 1 + len(GROUPS))
    for who in PEOPLE:
        assert_eventually(lambda w=who: len(lines(system, http, engagement, w)) == len(before))
    lines_before = {who: lines(system, http, engagement, who) for who in PEOPLE}

    for n, token in enumerate(tokens):
        answer = {"ratings": {"listening": 1 + n % 5}, "comments": {"listening": f"{marker}-{n}"},
                  "overall_comment": f"{marker}-overall-{n}"}  # fmt: skip
        answered = http.post(f"{system.urls['assessment']}/feedback", json=answer, timeout=10,
                             headers={"X-Invitation-Token": token})  # fmt: skip
        assert answered.status_code == 201, answered.text
        for subject, roles in PEOPLE.values():
            status = http.get(round_url, headers=system.headers(subject, roles), timeout=10).json()
            assert "submitted" not in status and "invitations" not in status  # (3)
    coach_view = http.get(round_url, headers=coach, timeout=10).json()
    assert {c["group"]: c["count"] for c in coach_view["submitted"]} == {  # (4)
        "self": 1, "manager": 1, "peer": 3, "direct_report": 3, "other": 1
    }  # fmt: skip

    # A fence: a later event of the engagement on the topic, so the answers had time to show.
    stakeholder = {"name": "Fence", "contact": "fence@example.org", "relationship": "peer"}
    assert http.post(f"{api}/stakeholders", json=stakeholder, headers=coach, timeout=10).ok
    after = engagement_events(system, engagement, len(before) + 1)
    assert [kind(e) for e in after[len(before) :]] == ["StakeholderAdded"]  # (1)
    assert after[: len(before)] == before
    for who in PEOPLE:
        assert_eventually(lambda w=who: "Fence" in lines(system, http, engagement, w)[-1])
        assert lines(system, http, engagement, who)[:-1] == lines_before[who]  # (3)

    closed = http.post(f"{round_url}/closure", headers=coach, timeout=10)
    assert closed.status_code == 200, closed.text
    check_comments_route(system, http, round_url, marker)  # (5)
    closing = engagement_events(system, engagement, len(after) + 1)[-1]
    assert kind(closing) == "FeedbackRoundClosed" and closing["type"].endswith(".v2")
    assert closing["data"]["results_visible_to_manager"] is False
    assert_eventually(lambda: reporting_has_closed(system, http, engagement))
    answers = reporting_answers(system, http, engagement)
    assert marker not in json.dumps(answers)  # (2)
    assert marker not in every_topic(system) and marker not in reporting_collections(system)
    assert answers["verify"]["status"] == "intact"  # (6)
    assert not [line for line in answers["timeline"] if "respon" in line and "closed" not in line]
    rebuild(system)
    assert reporting_answers(system, http, engagement) == answers  # (7)


def invited_round(system, http, api: str, coach: dict) -> tuple[str, list[str]]:
    """A baseline round on listening with a rater of every group, not shared with the
    manager: its URL and the raters' tokens."""
    body = {"purpose": "baseline", "competencies": [{"id": "listening"}],
            "closes_on": (date.today() + timedelta(days=14)).isoformat()}  # fmt: skip
    opened = http.post(f"{api}/rounds", json=body, headers=coach, timeout=10)
    assert opened.status_code == 201, opened.text
    round_url = f"{api}/rounds/{opened.json()['id']}"
    tokens = []
    for n, group in enumerate(GROUPS):
        rater = {"group": group, "name": f"Rater {n}", "contact": f"rater{n}@example.org"}
        invited = http.post(f"{round_url}/invitations", json=rater, headers=coach, timeout=10)
        assert invited.status_code == 201, invited.text
        tokens.append(invited.json()["token"])
    return round_url, tokens


def check_comments_route(system, http, round_url: str, marker: str) -> None:
    """The released comments by the access rule: peers and direct reports met the threshold."""
    url = f"{round_url}/comments"
    got = http.get(url, headers=system.headers("coach-1", ["coach"]), timeout=10)
    assert got.status_code == 200, got.text
    texts = sorted(c["text"] for c in got.json()["comments"])
    released = [n for n, g in enumerate(GROUPS) if g in ("peer", "direct_report")]
    assert texts == sorted([f"{marker}-{n}" for n in released]
                           + [f"{marker}-overall-{n}" for n in released])  # fmt: skip
    expected = {("exec-1", "executive"): 200, ("adm-1", "admin"): 200, ("mgr-1", "manager"): 403,
                ("hr-1", "hr"): 403, ("aud-1", "auditor"): 403}  # fmt: skip
    for (subject, role), status in expected.items():
        assert http.get(url, headers=system.headers(subject, [role]), timeout=10).status_code == (
            status
        ), role
    foreign = system.headers("coach-1", ["coach", "admin"], tenant="globex")
    assert http.get(url, headers=foreign, timeout=10).status_code == 404
    results = http.get(f"{round_url}/results", headers=system.headers("hr-1", ["hr"]), timeout=10)
    assert results.status_code == 200 and marker not in results.text


def kind(event: dict) -> str:
    return str(event["type"].split(".")[2])


def engagement_events(system, engagement: str, expected: int) -> list[dict]:
    """The engagement's events on the assessment topic, once `expected` of them are there."""
    config = ServiceConfig.from_env("assessment", env=system.env)
    found: list[dict] = []

    def arrived() -> bool:
        records = all_records(config.kafka_bootstrap_servers, [config.topic("assessment")])
        found[:] = [decode(r.value) for r in records if r.key.decode() == engagement]
        return len(found) >= expected

    assert wait_until(arrived, 30), [kind(e) for e in found]
    return found


def lines(system, http, engagement: str, who: str) -> list[str]:
    """The lines of the engagement's timeline (with their times), as one of PEOPLE reads it."""
    subject, roles = PEOPLE[who]
    body = timeline(system, http, engagement, subject, roles).json()
    return [f"{e['time']} {e['line']}" for e in body.get("entries", [])]


def reporting_has_closed(system, http, engagement: str) -> bool:
    url = f"{system.urls['reporting']}/engagements/{engagement}/feedback"
    rounds = http.get(url, headers=system.headers("coach-1", ["coach"]), timeout=10).json()
    return [r["status"] for r in rounds.get("rounds", [])] == ["closed"]


def reporting_answers(system, http, engagement: str) -> dict:
    """What reporting answers the coach about the engagement, on every route that tells it."""
    base = f"{system.urls['reporting']}/engagements/{engagement}"
    coach = system.headers("coach-1", ["coach"])

    def get(url: str) -> dict:
        answer = http.get(url, headers=coach, timeout=10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    audit = get(f"{system.urls['reporting']}/audit?engagement={engagement}")["records"]
    dashboard = http.get(f"{base}/dashboard", headers=coach, timeout=10).text
    return {"feedback": get(f"{base}/feedback"), "summary": get(f"{base}/summary"),
            "verify": get(f"{base}/audit/verify"), "audit": audit, "dashboard": dashboard,
            "timeline": [e["line"] for e in get(f"{base}/timeline")["entries"]]}  # fmt: skip


def every_topic(system) -> str:
    """Every message of every topic of this run, as one text."""
    config = ServiceConfig.from_env("assessment", env=system.env)
    probe = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers)
    try:
        topics = sorted(t for t in probe.topics() if t.startswith(f"{config.topic_prefix}."))
    finally:
        probe.close()
    assert config.topic("assessment") in topics
    records = all_records(config.kafka_bootstrap_servers, topics)
    return "\n".join(r.value.decode(errors="replace") for r in records)


def all_records(bootstrap: str, topics: list[str]) -> list:
    """Every record of the topics, from the beginning to their end offsets now."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end, records = consumer.end_offsets(parts), []
        deadline = time.monotonic() + 30
        while any(consumer.position(p) < end[p] for p in parts) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def reporting_collections(system) -> str:
    database = system.database("reporting")
    documents = [d for n in database.list_collection_names() for d in database[n].find()]
    return json.dumps(documents, default=str)


def rebuild(system) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.reporting.rebuild"], cwd=infra.REPO_ROOT,
        env=system.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def assert_eventually(condition) -> None:
    assert wait_until(condition, 30)
