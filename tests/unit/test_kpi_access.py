"""Every kpi route with every role, in the engagement's tenant and from another one: what the
README's access matrix says (tests/access_matrix.py), over the in-memory store."""

from datetime import timedelta

import pytest

from services.kpi.app import create_app
from shared.clock import today
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.projections.engagement_directory import MemoryEngagementDirectory
from shared.resources import Resources
from tests.access_matrix import KPI, Call, grid
from tests.unit.api_helpers import CONFIG, bearer, check_matrix_call, engagement_opened

E = "/engagements/e1"
K = "/engagements/{id}/kpis"
TODAY = today().isoformat()  # the service's own clock (UTC)
DUE = (today() + timedelta(days=180)).isoformat()
COACH, MANAGER = bearer("c1", roles=["coach"]), bearer("m1", roles=["manager"])
NOTES = "Defensive about the board."
SESSION = {"held_on": TODAY, "duration_minutes": 60, "kind": "coaching", "private_notes": NOTES}
REVIEW = {"held_on": TODAY, "attendees": [{"id": "m1", "name": "Dana"}],
          "measurements": [{"kpi_id": "{a1}", "value": 91, "measured_on": TODAY}]}  # fmt: skip


def kpi(name: str, weight: int) -> dict:
    return {"name": name, "kind": "performance", "unit": "%", "baseline": 90, "target": 96,
            "direction": "increase", "weight": weight, "due_on": DUE}  # fmt: skip


CALLS = [
    Call(f"GET {K}"),
    Call(f"GET {K}/{{kpi_id}}", ids={"kpi_id": "a1"}),
    Call(f"POST {K}", 201, kpi("A new one", 5)),
    Call(f"PATCH {K}/{{kpi_id}}", body={"changes": {"target": 97}}, variant="sent back",
         ids={"kpi_id": "sent back"}),
    Call(f"PATCH {K}/{{kpi_id}}", variant="aligned", ids={"kpi_id": "a1"},
         body={"changes": {"target": 95}, "reason": "r", "outside_review": True}),
    Call(f"POST {K}/{{kpi_id}}/send-back", body={"comment": "Too soft"}, ids={"kpi_id": "p"}),
    Call(f"POST {K}/{{kpi_id}}/approval", body={"weights": {}}, ids={"kpi_id": "p"}),
    Call(f"POST {K}/{{kpi_id}}/retirement", ids={"kpi_id": "a2"},
         body={"reason": "merged", "outside_review": True, "weights": {}}),
    Call(f"PUT {K}/weights", body={"weights": {"{a1}": 50}, "reason": "r",
                                   "outside_review": True}),
    Call("POST /engagements/{id}/reviews", 201, REVIEW),
    Call("GET /engagements/{id}/reviews"),
    Call("POST /engagements/{id}/sessions", 201, SESSION),
    Call("GET /engagements/{id}/sessions"),
    Call("GET /engagements/{id}/sessions/{sid}"),
]  # fmt: skip


def test_every_route_of_the_matrix_is_called():
    assert {call.route for call in CALLS} == set(KPI)


@pytest.fixture
def store():
    return MemoryEventStore()


@pytest.fixture
def client(store):
    directory = MemoryEngagementDirectory()
    directory.handle(engagement_opened("e1"))  # coach c1, manager m1, executive x1 of acme
    resources = Resources(CONFIG, event_store=store, directory=directory)
    return create_app(CONFIG, resources).test_client()


def world(client) -> dict[str, str]:
    """Two aligned KPIs (a1, a2), one proposed (p), one sent back, and a session of c1's."""
    ids = {"id": "e1"}
    for key, weight in (("a1", 40), ("a2", 30), ("p", 20), ("sent back", 10)):
        proposed = client.post(f"{E}/kpis", json=kpi(f"KPI {key}", weight), headers=COACH)
        ids[key] = proposed.get_json()["id"]
    for key in ("a1", "a2"):
        approved = client.post(f"{E}/kpis/{ids[key]}/approval", json={}, headers=MANAGER)
        assert approved.status_code == 200, approved.get_json()
    returned = client.post(f"{E}/kpis/{ids['sent back']}/send-back", json={"comment": "No"},
                           headers=MANAGER)  # fmt: skip
    assert returned.status_code == 200, returned.get_json()
    recorded = client.post(f"{E}/sessions", json=SESSION, headers=COACH)
    ids["sid"] = recorded.get_json()["session_id"]
    return ids


def shows(call: Call, body: dict) -> str:
    """What a read answered, in the words of the matrix's brackets."""
    if call.route.startswith("GET /engagements/{id}/sessions"):
        sessions = body.get("sessions", [body])
        return "own private notes" if any("private_notes" in s for s in sessions) else (
            "no private notes")  # fmt: skip
    return ""


@pytest.mark.parametrize(("call", "caller", "foreign"), grid(CALLS))
def test_the_access_matrix(client, store, call, caller, foreign):
    check_matrix_call(client, store, KPI, call, caller, foreign, world(client), shows)
