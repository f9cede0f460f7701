"""What acceptance testing found about access (issue 8), on the running system: each test
here failed before the access matrices were applied."""

from __future__ import annotations

import uuid
from datetime import timedelta

from shared.clock import today
from tests.e2e.test_kpi_story import KPIS, kpi_events
from tests.e2e.test_walking_skeleton import open_engagement
from tests.integration.kafka_helpers import wait_until

TODAY = today()  # the services' clock (UTC), not the machine's local date
PEERS = tuple({"group": "peer", "name": f"P{n}", "contact": f"p{n}@example.org"} for n in range(3))


def known_to_kpi(system, http) -> str:
    """A new engagement (coach-1, mgr-1, exec-1 of acme), once the kpi service knows it."""
    engagement = open_engagement(system, http)["id"]
    coach = system.headers("coach-1", ["coach"])
    url = f"{system.urls['kpi']}/engagements/{engagement}/kpis"
    assert wait_until(lambda: http.get(url, headers=coach, timeout=5).ok, 30)
    return engagement


def test_an_admin_does_not_read_the_coachs_private_notes_nor_does_reporting(system, http):
    engagement = known_to_kpi(system, http)
    api = f"{system.urls['kpi']}/engagements/{engagement}/sessions"
    notes = f"private {uuid.uuid4().hex}"
    body = {"held_on": TODAY.isoformat(), "duration_minutes": 60, "kind": "coaching",
            "private_notes": notes}  # fmt: skip
    recorded = http.post(api, json=body, headers=system.headers("coach-1", ["coach"]), timeout=10)
    assert recorded.status_code == 201 and recorded.json()["private_notes"] == notes
    admin = system.headers("adm-1", ["admin"])
    listed = http.get(api, headers=admin, timeout=10)
    assert listed.status_code == 200, listed.text
    assert "private_notes" not in listed.json()["sessions"][0] and notes not in listed.text
    one = http.get(f"{api}/{recorded.json()['session_id']}", headers=admin, timeout=10)
    assert one.status_code == 200 and "private_notes" not in one.json()
    assert notes not in str(kpi_events(system, engagement, expected=1))
    reporting = system.database("reporting")
    assert wait_until(lambda: _timeline_has(system, http, engagement, "SessionRecorded"), 30)
    for name in reporting.list_collection_names():
        assert notes not in str(list(reporting[name].find())), name


def _timeline_has(system, http, engagement: str, event: str) -> bool:
    url = f"{system.urls['reporting']}/engagements/{engagement}/timeline"
    body = http.get(url, headers=system.headers("aud-1", ["auditor"]), timeout=10).json()
    return any(entry["event"] == event for entry in body.get("entries", []))


def test_an_admin_cannot_approve_a_kpi_only_the_manager_can(system, http):
    engagement = known_to_kpi(system, http)
    api = f"{system.urls['kpi']}/engagements/{engagement}/kpis"
    whole = KPIS[0] | {"weight": 100}
    proposed = http.post(api, json=whole, headers=system.headers("coach-1", ["coach"]))
    assert proposed.status_code == 201, proposed.text
    approval = f"{api}/{proposed.json()['id']}/approval"
    refused = http.post(approval, json={}, headers=system.headers("adm-1", ["admin"]), timeout=10)
    assert refused.status_code == 403, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json"
    approved = http.post(approval, json={}, headers=system.headers("mgr-1", ["manager"]))
    assert approved.status_code == 200 and approved.json()["state"] == "aligned"


def closed_round(system, http, engagement: str) -> str:
    """A pulse round on listening with three peers' answers, closed by the coach: its id."""
    api = f"{system.urls['assessment']}/engagements/{engagement}/rounds"
    coach = system.headers("coach-1", ["coach"])
    body = {"purpose": "pulse", "competencies": [{"id": "listening"}],
            "closes_on": (TODAY + timedelta(days=7)).isoformat()}  # fmt: skip
    round_id = http.post(api, json=body, headers=coach, timeout=10).json()["id"]
    for rating, rater in zip((1, 2, 2), PEERS, strict=True):
        invited = http.post(f"{api}/{round_id}/invitations", json=rater, headers=coach)
        answered = http.post(f"{system.urls['assessment']}/feedback", timeout=10,
                             json={"ratings": {"listening": rating}},
                             headers={"X-Invitation-Token": invited.json()["token"]})  # fmt: skip
        assert answered.status_code == 201, answered.text
    assert http.post(f"{api}/{round_id}/closure", headers=coach, timeout=10).status_code == 200
    return round_id


def test_hr_and_auditors_read_the_same_360_aggregates_on_both_services(system, http):
    engagement = open_engagement(system, http)["id"]
    round_id = closed_round(system, http, engagement)
    feedback = f"{system.urls['reporting']}/engagements/{engagement}/feedback"
    results = f"{system.urls['assessment']}/engagements/{engagement}/rounds/{round_id}/results"
    for subject, role in (("hr-1", "hr"), ("aud-1", "auditor")):
        headers = system.headers(subject, [role])
        on_assessment = http.get(results, headers=headers, timeout=10)
        assert on_assessment.status_code == 200, on_assessment.text
        assert wait_until(lambda h=headers: _closed_rounds(http, feedback, h), 30)
        [published] = http.get(feedback, headers=headers, timeout=10).json()["rounds"]
        assert published["results"] == on_assessment.json()["results"]


def _closed_rounds(http, url: str, headers: dict) -> bool:
    rounds = http.get(url, headers=headers, timeout=10).json().get("rounds", [])
    return bool(rounds) and all(r["status"] == "closed" for r in rounds)


def test_a_stale_if_match_is_412_even_where_the_state_forbids_the_change(system, http):
    engagement = known_to_kpi(system, http)
    coach, manager = system.headers("coach-1", ["coach"]), system.headers("mgr-1", ["manager"])
    kpis = f"{system.urls['kpi']}/engagements/{engagement}/kpis"
    kpi_id = http.post(kpis, json=KPIS[0], headers=coach, timeout=10).json()["id"]
    base = f"{system.urls['assessment']}/engagements/{engagement}"
    barrier = {"description": "Avoids conflict", "source": "peer", "impact": "high",
               "capability": "listening"}  # fmt: skip
    assert http.post(f"{base}/barriers", json=barrier, headers=coach, timeout=10).ok
    assert http.post(f"{base}/cancellation", json={"reason": "paused"}, headers=coach).ok
    stale = http.post(f"{base}/barriers", json=barrier, timeout=10,
                      headers=coach | {"If-Match": '"0"'})  # fmt: skip
    assert stale.status_code == 412, stale.text
    # the kpi service refuses every change once it learns of the cancellation
    nothing = f"{kpis}/nope/approval"
    assert wait_until(lambda: http.post(nothing, json={}, headers=manager).status_code == 409, 30)
    body = {"changes": {"target": 97}}
    stale = http.patch(f"{kpis}/{kpi_id}", json=body, headers=coach | {"If-Match": '"0"'})
    assert stale.status_code == 412, stale.text
    assert stale.headers["Content-Type"] == "application/problem+json"


def test_another_tenant_gets_404_whatever_their_roles(system, http):
    engagement = known_to_kpi(system, http)
    stakeholder = {"name": "R", "contact": "r@example.org", "relationship": "peer"}
    review = {"held_on": TODAY.isoformat(), "attendees": [{"id": "a", "name": "A"}]}
    for service, path, body in (
        ("assessment", "/stakeholders", stakeholder),
        ("kpi", "/kpis", KPIS[0]),
        ("kpi", "/reviews", review),
    ):
        url = f"{system.urls[service]}/engagements/{engagement}{path}"
        for roles in (["hr"], ["auditor"], ["executive"], ["admin", "hr", "auditor"]):
            response = http.post(url, json=body, headers=system.headers("adm-1", roles, "globex"))
            assert response.status_code == 404, (service, path, roles, response.text)
            assert response.json()["type"].endswith("not-found")
