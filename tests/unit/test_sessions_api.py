"""The coaching-session routes of the kpi service over Flask's test client."""

import dataclasses

import pytest

from services.kpi.app import create_app
from shared.domain.personal import is_sealed
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.projections.engagement_directory import MemoryEngagementDirectory
from shared.resources import Resources
from tests.unit import api_helpers
from tests.unit.api_helpers import assert_problem, bearer

# the kpi service's default body limit, so that 10 000 characters of notes fit
CONFIG = dataclasses.replace(api_helpers.CONFIG, service="kpi", max_body_bytes=64 * 1024)

ENGAGEMENT_ID = "e1"
BASE = f"/engagements/{ENGAGEMENT_ID}"
URL = f"{BASE}/sessions"
NOTES = "Defensive about the board; probe the CFO relationship."
SESSION = {
    "held_on": "2026-01-20",
    "duration_minutes": 90,
    "kind": "coaching",
    "capabilities": ["listening", "custom:Managing up"],
    "commitments": [
        {"text": "Hold weekly one-to-ones with every direct report", "due_on": "2026-02-20"},
        {"text": "Ask the CFO for feedback", "due_on": "2026-01-31"},
    ],
    "private_notes": NOTES,
}
COACH = {"subject": "c1", "roles": ["coach"]}
ADMIN = {"subject": "a1", "roles": ["admin"]}
EXECUTIVE = {"subject": "x1", "roles": ["executive"]}
MANAGER = {"subject": "m1", "roles": ["manager"]}
HR = {"subject": "h1", "roles": ["hr"]}
AUDITOR = {"subject": "u1", "roles": ["auditor"]}


def opened(engagement_id: str = ENGAGEMENT_ID, tenant: str = "acme") -> dict:
    return api_helpers.engagement_opened(engagement_id, tenant)


def cancelled(engagement_id: str = ENGAGEMENT_ID) -> dict:
    return {
        "type": "mastery.assessment.EngagementCancelled.v1",
        "tenant": "acme",
        "time": "2026-03-01T09:00:00.000Z",
        "streamversion": 2,
        "data": {"engagement_id": engagement_id, "from_phase": "needs_assessment"},
    }


@pytest.fixture
def store():
    return MemoryEventStore()


@pytest.fixture
def directory():
    known = MemoryEngagementDirectory()
    known.handle(opened())
    return known


@pytest.fixture
def client(store, directory):
    resources = Resources(CONFIG, event_store=store, directory=directory)
    return create_app(CONFIG, resources).test_client()


def stored(store) -> list:
    """Every commit in the store (nothing is published in these tests)."""
    return store.unpublished(limit=10_000)


@pytest.fixture
def first(client) -> dict:
    """The first session, recorded by the coach."""
    response = client.post(URL, json=SESSION, headers=bearer(**COACH))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def follow_up_body(commitment_id: str, /, held_on: str = "2026-02-03", **changes) -> dict:
    follow_up = {"commitment_id": commitment_id, "outcome": "kept"}
    return {
        "held_on": held_on,
        "duration_minutes": 60,
        "kind": "leadership_development",
        "follow_ups": [follow_up | changes],
    }


def test_the_coach_records_a_session(client, store):
    response = client.post(
        URL, json=SESSION, headers=bearer(**COACH) | {"X-Correlation-ID": "req-9"}
    )
    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"] == '"1"'
    body = response.get_json()
    assert response.headers["Location"] == f"{URL}/{body['session_id']}"
    ids = [c["commitment_id"] for c in body["commitments"]]
    assert all(ids) and len(set(ids)) == 2
    assert body == {
        "session_id": body["session_id"],
        "engagement_id": ENGAGEMENT_ID,
        "held_on": "2026-01-20",
        "duration_minutes": 90,
        "kind": "coaching",
        "capabilities": ["listening", "custom:Managing up"],
        "commitments": [
            {"commitment_id": ids[0]} | SESSION["commitments"][0],
            {"commitment_id": ids[1]} | SESSION["commitments"][1],
        ],
        "follow_ups": [],
        "private_notes": NOTES,
    }
    [event] = store.load("coaching-e1")
    assert event["type"] == "mastery.kpi.SessionRecorded.v2"
    assert event["subject"] == ENGAGEMENT_ID and event["tenant"] == "acme"
    assert event["actor"] == "c1" and event["correlationid"] == "req-9"
    assert event["data"]["session_id"] == body["session_id"]
    assert set(event["private"]) == {"private_notes"}  # sealed with the executive's key
    assert is_sealed(event["private"]["private_notes"]) and NOTES not in str(event)


def test_private_notes_are_never_published(client, store, first):
    [commit] = stored(store)
    [event] = commit.events
    assert "private_notes" not in event["data"]
    assert NOTES not in repr(commit)
    assert [c["commitment_id"] for c in event["data"]["commitments"]] == [
        c["commitment_id"] for c in first["commitments"]
    ]


def test_the_coach_who_recorded_a_session_reads_its_private_notes(client, first):
    one = client.get(f"{URL}/{first['session_id']}", headers=bearer(**COACH))
    assert one.status_code == 200 and one.headers["ETag"] == '"1"'
    assert one.get_json() == first
    listed = client.get(URL, headers=bearer(**COACH)).get_json()
    assert listed["sessions"] == [first]


@pytest.mark.parametrize(
    "caller",
    [ADMIN, EXECUTIVE, MANAGER, HR, AUDITOR],
    ids=["admin", "executive", "manager", "hr", "auditor"],
)
def test_others_read_sessions_without_private_notes(client, first, caller):
    one = client.get(f"{URL}/{first['session_id']}", headers=bearer(**caller))
    assert one.status_code == 200, one.get_json()
    assert "private_notes" not in one.get_json()
    assert one.get_json() == {k: v for k, v in first.items() if k != "private_notes"}
    listed = client.get(URL, headers=bearer(**caller))
    assert listed.status_code == 200 and listed.headers["ETag"] == '"1"'
    assert NOTES not in listed.get_data(as_text=True)


def test_commitments_are_followed_up_in_later_sessions_and_listed_with_their_status(
    client, store, first
):
    kept, other = (c["commitment_id"] for c in first["commitments"])
    body = follow_up_body(kept, note="Every week since")
    response = client.post(URL, json=body, headers=bearer(**COACH) | {"If-Match": '"1"'})
    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"] == '"2"'
    second = response.get_json()
    assert second["follow_ups"] == [
        {"commitment_id": kept, "outcome": "kept", "note": "Every week since"}
    ]
    assert second["private_notes"] == "" and second["capabilities"] == []
    listed = client.get(URL, headers=bearer(**EXECUTIVE)).get_json()
    assert listed["version"] == 2 and listed["engagement_id"] == ENGAGEMENT_ID
    assert [s["session_id"] for s in listed["sessions"]] == [
        first["session_id"],
        second["session_id"],
    ]
    assert listed["commitments"] == [
        {
            "commitment_id": kept,
            "text": SESSION["commitments"][0]["text"],
            "due_on": "2026-02-20",
            "made_in": first["session_id"],
            "status": "kept",
            "followed_up_in": second["session_id"],
            "note": "Every week since",
        },
        {
            "commitment_id": other,
            "text": SESSION["commitments"][1]["text"],
            "due_on": "2026-01-31",
            "made_in": first["session_id"],
            "status": "open",
        },
    ]


def test_private_notes_may_be_long(client):
    body = SESSION | {"private_notes": "é" * 10_000}
    response = client.post(URL, json=body, headers=bearer(**COACH))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["private_notes"] == "é" * 10_000


def test_a_session_may_be_recorded_late(client, first):
    late = SESSION | {"held_on": "2026-01-10", "commitments": [], "private_notes": ""}
    response = client.post(URL, json=late, headers=bearer(**COACH))
    assert response.status_code == 201, response.get_json()
    listed = client.get(URL, headers=bearer(**COACH)).get_json()
    assert [s["held_on"] for s in listed["sessions"]] == ["2026-01-10", "2026-01-20"]


def test_an_engagement_without_sessions_lists_none(client):
    response = client.get(URL, headers=bearer(**MANAGER))
    assert response.status_code == 200 and response.headers["ETag"] == '"0"'
    assert response.get_json() == {
        "engagement_id": ENGAGEMENT_ID,
        "version": 0,
        "sessions": [],
        "commitments": [],
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"held_on": "2999-01-01"},
        {"held_on": "20th January"},
        {"held_on": 20260120},
        {"duration_minutes": "90"},
        {"duration_minutes": 90.5},
        {"duration_minutes": True},
        {"duration_minutes": 10},
        {"duration_minutes": 481},
        {"kind": "mentoring"},
        {"kind": None},
        {"capabilities": "listening"},
        {"capabilities": ["charisma"]},
        {"capabilities": ["custom:"]},
        {"capabilities": ["listening", "listening"]},
        {"capabilities": ["integrity"] * 10},
        {"capabilities": [7]},
        {"commitments": [{"text": "x", "due_on": "2026-01-19"}]},
        {"commitments": [{"text": "", "due_on": "2026-02-01"}]},
        {"commitments": [{"text": "   ", "due_on": "2026-02-01"}]},
        {"commitments": [{"text": "x" * 501, "due_on": "2026-02-01"}]},
        {"commitments": [{"text": "x"}]},
        {"commitments": [{"text": "x", "due_on": "2026-02-01", "commitment_id": "mine"}]},
        {"commitments": {"text": "x", "due_on": "2026-02-01"}},
        {"follow_ups": [{"commitment_id": "unknown", "outcome": "kept"}]},
        {"private_notes": "x" * 10_001},
        {"private_notes": 42},
        {"session_id": "mine"},
        {"extra": "field"},
    ],
)
def test_bad_sessions_are_refused_and_store_nothing(client, store, changes):
    response = client.post(URL, json=SESSION | changes, headers=bearer(**COACH))
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert stored(store) == []


@pytest.mark.parametrize(
    "body",
    [{}, [], "session", None],
    ids=["empty", "list", "string", "null"],
)
def test_bodies_that_are_not_sessions_are_refused(client, store, body):
    response = client.post(URL, json=body, headers=bearer(**COACH))
    assert 400 <= response.status_code < 500
    assert stored(store) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"outcome": "sometimes"},
        {"note": ""},
        {"note": "x" * 501},
        {"note": None},
        {"outcome": None},
        {"commitment_id": ""},
        {"extra": "field"},
    ],
)
def test_bad_follow_ups_are_refused_and_store_nothing(client, store, first, changes):
    kept = first["commitments"][0]["commitment_id"]
    response = client.post(URL, json=follow_up_body(kept, **changes), headers=bearer(**COACH))
    assert_problem(response, 422, "validation-error")
    assert len(stored(store)) == 1


def test_a_follow_up_names_a_commitment_of_an_earlier_session(client, store, first):
    kept = first["commitments"][0]["commitment_id"]
    unknown = client.post(URL, json=follow_up_body("k-unknown"), headers=bearer(**COACH))
    assert_problem(unknown, 422, "invalid-command")
    earlier = follow_up_body(kept, held_on="2026-01-19")
    before = client.post(URL, json=earlier, headers=bearer(**COACH))
    assert_problem(before, 422, "invalid-command")
    twice = follow_up_body(kept)
    twice["follow_ups"] *= 2
    assert_problem(client.post(URL, json=twice, headers=bearer(**COACH)), 422, "invalid-command")
    assert len(stored(store)) == 1


def test_a_commitment_is_followed_up_once(client, store, first):
    kept = first["commitments"][0]["commitment_id"]
    done = client.post(URL, json=follow_up_body(kept), headers=bearer(**COACH))
    assert done.status_code == 201, done.get_json()
    again = client.post(URL, json=follow_up_body(kept, outcome="not"), headers=bearer(**COACH))
    assert_problem(again, 409, "invalid-transition")
    assert len(stored(store)) == 2


def test_a_stale_if_match_is_refused(client, store, first):
    response = client.post(URL, json=SESSION, headers=bearer(**COACH) | {"If-Match": '"0"'})
    assert_problem(response, 412, "precondition-failed")
    malformed = client.post(URL, json=SESSION, headers=bearer(**COACH) | {"If-Match": "v1"})
    assert_problem(malformed, 400, "bad-request")
    assert len(stored(store)) == 1


def test_an_unknown_session_is_404(client, first):
    response = client.get(f"{URL}/s-unknown", headers=bearer(**COACH))
    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", ""), ("get", ""), ("get", "/s1")],
    ids=["record", "list", "one"],
)
def test_an_unknown_engagement_is_404(client, store, method, path):
    url = f"/engagements/e-unknown/sessions{path}"
    kwargs = {"json": SESSION} if method == "post" else {}
    response = getattr(client, method)(url, headers=bearer(**COACH), **kwargs)
    assert_problem(response, 404, "not-found")
    assert stored(store) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", ""), ("get", ""), ("get", "/one")],
    ids=["record", "list", "one"],
)
def test_another_tenants_engagement_is_404(client, store, first, method, path):
    url = URL + (f"/{first['session_id']}" if path else "")
    kwargs = {"json": SESSION} if method == "post" else {}
    response = getattr(client, method)(url, headers=bearer(tenant="globex", **COACH), **kwargs)
    assert_problem(response, 404, "not-found")
    assert len(stored(store)) == 1


@pytest.mark.parametrize(
    "caller",
    [ADMIN, MANAGER, EXECUTIVE, HR, AUDITOR, {"subject": "c2", "roles": ["coach"]}],
    ids=["admin", "manager", "executive", "hr", "auditor", "another-coach"],
)
def test_only_the_engagements_coach_records_sessions(client, store, caller):
    response = client.post(URL, json=SESSION, headers=bearer(**caller))
    assert_problem(response, 403, "forbidden")
    assert stored(store) == []


def test_strangers_read_nothing(client, first):
    stranger = {"subject": "z9", "roles": ["executive"]}
    assert_problem(client.get(URL, headers=bearer(**stranger)), 403, "forbidden")
    one = client.get(f"{URL}/{first['session_id']}", headers=bearer(**stranger))
    assert_problem(one, 403, "forbidden")


def test_a_token_is_required(client):
    assert_problem(client.get(URL), 401, "unauthorized")
    assert_problem(client.post(URL, json=SESSION), 401, "unauthorized")


def test_a_closed_engagement_takes_no_sessions_but_can_be_read(client, store, directory, first):
    directory.handle(cancelled())
    response = client.post(URL, json=SESSION, headers=bearer(**COACH))
    assert_problem(response, 409, "invalid-transition")
    assert len(stored(store)) == 1
    listed = client.get(URL, headers=bearer(**EXECUTIVE))
    assert listed.status_code == 200 and len(listed.get_json()["sessions"]) == 1


def coach_assigned(coach_id: str, version: int = 2) -> dict:
    """The assessment event that hands the engagement to another coach."""
    return {
        "type": "mastery.assessment.CoachAssigned.v1",
        "tenant": "acme",
        "time": "2026-02-01T09:00:00.000Z",
        "streamversion": version,
        "data": {"engagement_id": ENGAGEMENT_ID, "coach": {"id": coach_id, "name": "New"}},
    }


def test_a_later_coach_reads_only_the_notes_they_recorded(client, directory, first):
    directory.handle(coach_assigned("c2"))
    later = {"subject": "c2", "roles": ["coach"]}
    body = SESSION | {"held_on": "2026-02-02", "commitments": [], "private_notes": "c2's own"}
    mine = client.post(URL, json=body, headers=bearer(**later))
    assert mine.status_code == 201, mine.get_json()
    listed = client.get(URL, headers=bearer(**later)).get_json()["sessions"]
    assert [s.get("private_notes") for s in listed] == [None, "c2's own"]
    assert "private_notes" not in listed[0] and NOTES not in repr(listed)
    one = client.get(f"{URL}/{first['session_id']}", headers=bearer(**later)).get_json()
    assert "private_notes" not in one
    assert_problem(client.get(URL, headers=bearer(**COACH)), 403, "forbidden")


def test_a_stale_if_match_on_a_closed_engagement_is_412_not_409(client, store, directory, first):
    directory.handle(cancelled())
    stale = client.post(URL, json=SESSION, headers=bearer(**COACH) | {"If-Match": '"0"'})
    assert_problem(stale, 412, "precondition-failed")
    current = client.post(URL, json=SESSION, headers=bearer(**COACH) | {"If-Match": '"1"'})
    assert_problem(current, 409, "invalid-transition")
    assert len(stored(store)) == 1
