"""The needs-assessment routes over Flask's test client and the in-memory store."""

import pytest

from tests.unit.api_helpers import assert_problem, bearer
from tests.unit.needs_assessment_helpers import (
    ADMIN,
    BARRIER,
    COACH,
    EXECUTIVE,
    MANAGER,
    PROFILE,
    WRITE_IDS,
    assessment_events,
    open_engagement,
    seed,
    stored,
    writes,
)


@pytest.fixture
def engagement_id(client) -> str:
    return open_engagement(client)


@pytest.fixture
def seeded(client) -> dict:
    return seed(client)


def test_an_engagement_without_facts_reads_as_an_empty_assessment(client, engagement_id):
    response = client.get(f"/engagements/{engagement_id}/needs-assessment", headers=bearer())
    assert response.status_code == 200 and response.headers["ETag"] == '"0"'
    assert response.get_json() == {
        "engagement_id": engagement_id,
        "version": 0,
        "profiles": [],
        "barriers": [],
        "development_areas": [],
    }


def test_coach_records_a_profile(client, store, engagement_id):
    response = client.post(
        f"/engagements/{engagement_id}/profiles",
        json=PROFILE,
        headers=bearer() | {"X-Correlation-ID": "req-7"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/engagements/{engagement_id}/needs-assessment"
    [profile] = response.get_json()["profiles"]
    assert profile == {"id": profile["id"]} | PROFILE | {
        "scales": [
            {"name": "Adjustment", "score": 72, "band": "high"},
            {"name": "Ambition", "score": 41.5},
        ]
    }
    [event] = assessment_events(store, engagement_id)
    assert event["type"] == "mastery.assessment.ProfileRecorded.v2"
    assert "Adjustment" not in str(event)  # the scales are the executive's: sealed
    assert event["subject"] == engagement_id and event["tenant"] == "acme"
    assert event["actor"] == "c1" and event["correlationid"] == "req-7"
    assert event["data"]["profile_id"] == profile["id"]
    assert event["data"]["engagement_id"] == engagement_id


def test_several_profiles_may_be_recorded(client, engagement_id):
    url = f"/engagements/{engagement_id}/profiles"
    client.post(url, json=PROFILE, headers=bearer())
    second = client.post(url, json=PROFILE | {"instrument": "DISC"}, headers=bearer())
    assert [p["instrument"] for p in second.get_json()["profiles"]] == ["Hogan HPI", "DISC"]


def test_coach_identifies_and_resolves_a_barrier(client, store, engagement_id):
    base = f"/engagements/{engagement_id}"
    identified = client.post(f"{base}/barriers", json=BARRIER, headers=bearer())
    assert identified.status_code == 201, identified.get_json()
    [barrier] = identified.get_json()["barriers"]
    assert barrier == {"id": barrier["id"], "status": "open"} | BARRIER
    resolved = client.post(
        f"{base}/barriers/{barrier['id']}/resolution",
        json={"note": "Agreed a peer forum"},
        headers=bearer() | {"If-Match": '"1"'},
    )
    assert resolved.status_code == 200, resolved.get_json()
    assert resolved.headers["ETag"] == '"2"'
    [after] = resolved.get_json()["barriers"]
    assert after["status"] == "resolved" and after["resolution_note"] == "Agreed a peer forum"
    types = [e["type"].split(".")[2] for e in assessment_events(store, engagement_id)]
    assert types == ["BarrierIdentified", "BarrierResolved"]


def test_coach_selects_development_areas_and_replaces_them(client, store, seeded):
    url = f"{seeded['base']}/development-areas"
    links = [
        {"kind": "profile", "id": seeded["profile"]},
        {"kind": "barrier", "id": seeded["resolved"]},
        {"kind": "round", "id": "any-round"},
    ]
    areas = [
        {"capability": "listening", "rationale": "Peers feel unheard", "linked_to": links},
        {"capability": "custom:Managing up", "rationale": "Board exposure"},
    ]
    selected = client.put(url, json={"areas": areas}, headers=bearer())
    assert selected.status_code == 200, selected.get_json()
    assert selected.get_json()["development_areas"] == [
        areas[0],
        areas[1] | {"linked_to": []},
    ]
    version = selected.get_json()["version"]
    again = client.put(url, json={"areas": areas}, headers=bearer())
    assert again.status_code == 200 and again.get_json()["version"] == version
    replaced = client.put(
        url,
        json={"areas": [{"capability": "integrity", "rationale": "r"}]},
        headers=bearer() | {"If-Match": f'"{version}"'},
    )
    assert [a["capability"] for a in replaced.get_json()["development_areas"]] == ["integrity"]
    assert assessment_events(store, seeded["engagement"])[-1]["type"] == (
        "mastery.assessment.DevelopmentAreasSelected.v2"
    )


def test_an_admin_may_write(client, engagement_id):
    response = client.post(
        f"/engagements/{engagement_id}/barriers", json=BARRIER, headers=bearer(**ADMIN)
    )
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("caller", [COACH, ADMIN, EXECUTIVE], ids=["coach", "admin", "executive"])
def test_coach_admin_and_executive_read_everything(client, seeded, caller):
    response = client.get(f"{seeded['base']}/needs-assessment", headers=bearer(**caller))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert response.headers["ETag"] == f'"{body["version"]}"' == '"4"'
    assert [p["id"] for p in body["profiles"]] == [seeded["profile"]]
    assert [b["status"] for b in body["barriers"]] == ["open", "resolved"]


def test_the_manager_reads_barriers_and_development_areas_but_not_profiles(client, seeded):
    response = client.get(f"{seeded['base']}/needs-assessment", headers=bearer(**MANAGER))
    assert response.status_code == 200
    body = response.get_json()
    assert "profiles" not in body
    assert len(body["barriers"]) == 2 and body["development_areas"] == []


@pytest.mark.parametrize(
    "caller",
    [{"subject": "c9", "roles": ["coach"]}, {"subject": "h1", "roles": ["hr"]},
     {"subject": "au1", "roles": ["auditor"]}, {"subject": "m9", "roles": ["manager"]}],
    ids=["other-coach", "hr", "auditor", "other-manager"],
)  # fmt: skip
def test_who_is_not_on_the_engagement_cannot_read(client, seeded, caller):
    response = client.get(f"{seeded['base']}/needs-assessment", headers=bearer(**caller))
    assert_problem(response, 403, "forbidden")


def test_if_match_of_the_current_version_is_honoured(client, engagement_id):
    url = f"/engagements/{engagement_id}/barriers"
    first = client.post(url, json=BARRIER, headers=bearer() | {"If-Match": '"0"'})
    assert first.status_code == 201
    second = client.post(url, json=BARRIER, headers=bearer() | {"If-Match": 'W/"1"'})
    assert second.status_code == 201 and second.headers["ETag"] == '"2"'


@pytest.mark.parametrize("route", range(4), ids=WRITE_IDS)
def test_stale_if_match_is_412_and_stores_nothing(client, store, seeded, route):
    method, url, body = writes(seeded)[route]
    before = stored(store)
    response = getattr(client, method)(url, json=body, headers=bearer() | {"If-Match": '"3"'})
    assert_problem(response, 412, "precondition-failed")
    assert stored(store) == before


@pytest.mark.parametrize(
    "version",
    ["yesterday", '"\xb2"', '"' + "1" * 5000 + '"'],  # "²" passes str.isdigit(), not int()
    ids=["word", "superscript-two", "5000-digits"],
)
def test_a_malformed_if_match_is_400(client, store, engagement_id, version):
    response = client.post(
        f"/engagements/{engagement_id}/barriers",
        json=BARRIER,
        headers=bearer() | {"If-Match": version},
    )
    assert_problem(response, 400, "bad-request")
    assert assessment_events(store, engagement_id) == []


@pytest.mark.parametrize("route", range(4), ids=WRITE_IDS)
def test_another_tenants_engagement_is_404_and_stores_nothing(client, store, seeded, route):
    method, url, body = writes(seeded)[route]
    before = stored(store)
    for caller in ({"subject": "c1", "roles": ["coach"]}, {"subject": "a1", "roles": ["admin"]}):
        response = getattr(client, method)(
            url, json=body, headers=bearer(tenant="globex", **caller)
        )
        assert_problem(response, 404, "not-found")
    assert stored(store) == before


def test_another_tenant_cannot_read(client, seeded):
    response = client.get(
        f"{seeded['base']}/needs-assessment", headers=bearer(tenant="globex", roles=["admin"])
    )
    assert_problem(response, 404, "not-found")


def test_an_unknown_engagement_is_404(client, store):
    response = client.post("/engagements/nope/barriers", json=BARRIER, headers=bearer())
    assert_problem(response, 404, "not-found")
    assert_problem(
        client.get("/engagements/nope/needs-assessment", headers=bearer()), 404, "not-found"
    )
    assert stored(store) == []


@pytest.mark.parametrize("route", range(4), ids=WRITE_IDS)
@pytest.mark.parametrize(
    "caller",
    [MANAGER, EXECUTIVE, {"subject": "c9", "roles": ["coach"]},
     {"subject": "m1", "roles": ["coach"]}],
    ids=["manager", "executive", "another-coach", "manager-with-coach-role"],
)  # fmt: skip
def test_only_the_coach_or_an_admin_writes(client, store, seeded, route, caller):
    method, url, body = writes(seeded)[route]
    before = stored(store)
    response = getattr(client, method)(url, json=body, headers=bearer(**caller))
    assert_problem(response, 403, "forbidden")
    assert stored(store) == before


@pytest.mark.parametrize("route", range(4), ids=WRITE_IDS)
def test_without_a_token_it_is_401(client, store, seeded, route):
    method, url, body = writes(seeded)[route]
    before = stored(store)
    assert_problem(getattr(client, method)(url, json=body), 401, "unauthorized")
    assert stored(store) == before


def _cancel(client, base: str) -> None:
    response = client.post(f"{base}/cancellation", json={"reason": "budget"}, headers=bearer())
    assert response.status_code == 200


def _complete(client, base: str) -> None:
    for phase in ("kpi_alignment", "results_management", "completed"):
        response = client.post(f"{base}/phase", json={"phase": phase}, headers=bearer())
        assert response.status_code == 200


@pytest.mark.parametrize("route", range(4), ids=WRITE_IDS)
@pytest.mark.parametrize("close", [_cancel, _complete], ids=["cancelled", "completed"])
def test_a_closed_engagement_is_409_and_stores_nothing(client, store, seeded, route, close):
    close(client, seeded["base"])
    method, url, body = writes(seeded)[route]
    before = stored(store)
    for caller in (COACH, ADMIN):
        response = getattr(client, method)(url, json=body, headers=bearer(**caller))
        assert_problem(response, 409, "invalid-transition")
    assert stored(store) == before
    read = client.get(f"{seeded['base']}/needs-assessment", headers=bearer())
    assert read.status_code == 200 and len(read.get_json()["barriers"]) == 2


def test_writes_after_the_needs_assessment_phase_are_allowed(client, seeded):
    client.post(f"{seeded['base']}/phase", json={"phase": "kpi_alignment"}, headers=bearer())
    response = client.post(f"{seeded['base']}/barriers", json=BARRIER, headers=bearer())
    assert response.status_code == 201


def test_openapi_document_lists_the_routes(client):
    paths = set(client.get("/openapi.json").get_json()["paths"])
    assert {
        "/engagements/{engagement_id}/profiles",
        "/engagements/{engagement_id}/barriers",
        "/engagements/{engagement_id}/barriers/{barrier_id}/resolution",
        "/engagements/{engagement_id}/development-areas",
        "/engagements/{engagement_id}/needs-assessment",
    } <= paths


def test_a_stale_if_match_on_a_cancelled_engagement_is_412_not_409(client, store, engagement_id):
    url = f"/engagements/{engagement_id}/barriers"
    assert client.post(url, json=BARRIER, headers=bearer()).status_code == 201
    cancelled = client.post(f"/engagements/{engagement_id}/cancellation", json={"reason": "r"},
                            headers=bearer())  # fmt: skip
    assert cancelled.status_code == 200
    before = stored(store)
    stale = client.post(url, json=BARRIER, headers=bearer() | {"If-Match": '"0"'})
    assert_problem(stale, 412, "precondition-failed")
    current = client.post(url, json=BARRIER, headers=bearer() | {"If-Match": '"1"'})
    assert_problem(current, 409, "invalid-transition")
    assert stored(store) == before
