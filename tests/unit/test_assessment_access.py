"""Every assessment route with every role, in the engagement's tenant and from another one:
what the README's access matrix says (tests/access_matrix.py), over the in-memory store."""

from datetime import date, timedelta

import pytest

from tests.access_matrix import ASSESSMENT, Call, grid
from tests.unit.api_helpers import ENGAGEMENT, bearer, check_matrix_call
from tests.unit.needs_assessment_helpers import BARRIER, PROFILE

E = "/engagements/{id}"
ROUND = f"{E}/rounds/{{rid}}"
PULSE = {"purpose": "pulse", "competencies": [{"id": "listening"}],
         "closes_on": (date.today() + timedelta(days=20)).isoformat()}  # fmt: skip
AREAS = {"areas": [{"capability": "listening", "rationale": "Peers feel unheard"}]}
RATER = {"group": "peer", "name": "Rater", "contact": "rater@example.org"}
CALLS = [
    Call("POST /engagements", 201, ENGAGEMENT | {"coach": {"id": "c1", "name": "Casey"}}),
    Call(f"GET {E}"),
    Call(
        f"POST {E}/stakeholders",
        201,
        {"name": "Robin", "contact": "robin@example.org", "relationship": "peer"},
    ),
    Call(f"DELETE {E}/stakeholders/{{sid}}"),
    Call(f"PUT {E}/coach", body={"id": "c2", "name": "Casey Two", "reason": "handover"}),
    Call(f"PUT {E}/manager", body={"id": "m2", "name": "Dana Two", "reason": "reorganised"}),
    Call(f"POST {E}/phase", body={"phase": "kpi_alignment"}),
    Call(f"POST {E}/cancellation", body={"reason": "paused"}),
    Call(f"POST {E}/rounds", 201, PULSE),
    Call(f"GET {E}/rounds"),
    Call(f"GET {ROUND}"),
    Call(f"POST {ROUND}/invitations", 201, RATER),
    Call(f"POST {ROUND}/invitations/{{iid}}/reminder"),
    Call(f"DELETE {ROUND}/invitations/{{iid}}"),
    Call(f"POST {ROUND}/closure"),
    Call(f"GET {ROUND}/results", variant="shared", ids={"rid": "shared"}),
    Call(f"GET {ROUND}/results", variant="not shared", ids={"rid": "not shared"}),
    Call(f"GET {ROUND}/comments", variant="shared", ids={"rid": "shared"}),
    Call(f"GET {ROUND}/comments", variant="not shared", ids={"rid": "not shared"}),
    Call(f"POST {E}/profiles", 201, PROFILE),
    Call(f"POST {E}/barriers", 201, BARRIER),
    Call(f"POST {E}/barriers/{{bid}}/resolution", body={"note": "done"}),
    Call(f"PUT {E}/development-areas", body=AREAS),
    Call(f"GET {E}/needs-assessment"),
    Call(
        "POST /subjects/{person_id}/erasure",
        201,
        {"reason": "request", "reference": "DSR-1"},
        ids={"person_id": "sid"},
    ),
    Call("GET /subjects/{person_id}/export", ids={"person_id": "self"}, variant="their own"),
    Call("GET /subjects/{person_id}/export", ids={"person_id": "sid"}),
    Call("GET /settings/retention"),
    Call("PUT /settings/retention", body={"days": 3650, "reason": "tenant policy"}),
]


def test_every_route_of_the_matrix_is_called():
    assert {call.route for call in CALLS} == set(ASSESSMENT)


def created(response, key: str = "id") -> str:
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()[key])


def closed_round(client, base: str, shared: bool) -> str:
    body = PULSE | {"results_visible_to_manager": shared}
    round_id = created(client.post(f"{base}/rounds", json=body, headers=bearer()))
    assert client.post(f"{base}/rounds/{round_id}/closure", headers=bearer()).status_code == 200
    return round_id


def world(client) -> dict[str, str]:
    """An engagement of c1 (manager m1, executive x1) with a stakeholder, an open barrier, an
    open round with an invitation, and a closed round shared with the manager and one not."""
    ids = {"id": created(client.post("/engagements", json=ENGAGEMENT, headers=bearer()))}
    base = f"/engagements/{ids['id']}"
    added = client.post(f"{base}/stakeholders", headers=bearer(), json=CALLS[2].body)
    ids["sid"] = added.get_json()["stakeholders"][0]["id"]
    barrier = client.post(f"{base}/barriers", json=BARRIER, headers=bearer())
    ids["bid"] = barrier.get_json()["barriers"][0]["id"]
    ids["rid"] = created(client.post(f"{base}/rounds", json=PULSE, headers=bearer()))
    invited = client.post(f"{base}/rounds/{ids['rid']}/invitations", json=RATER, headers=bearer())
    ids["iid"] = created(invited, "invitation_id")
    ids["shared"] = closed_round(client, base, shared=True)
    ids["not shared"] = closed_round(client, base, shared=False)
    return ids


def shows(call: Call, body: dict) -> str:
    """What a read answered, in the words of the matrix's brackets."""
    if call.route == f"GET {E}":
        return "with contacts" if any("contact" in s for s in body["stakeholders"]) else ""
    if call.route == f"GET {E}/rounds":
        return _responses(body["rounds"], "with responses")
    if call.route == f"GET {ROUND}":
        return _responses([body], "with invitations" if "invitations" in body else "")
    if call.route == f"GET {E}/needs-assessment":
        return "with profiles" if "profiles" in body else "without profiles"
    return ""


def _responses(rounds: list[dict], full: str) -> str:
    """Rounds answered with their responses per group always (`full`), or only once closed."""
    if all("submitted" in r for r in rounds):
        return full
    quiet = all(("submitted" in r) == (r["status"] == "closed") for r in rounds)
    return "no responses while open" if quiet else "responses of some open rounds"


@pytest.mark.parametrize(("call", "caller", "foreign"), grid(CALLS))
def test_the_access_matrix(client, store, call, caller, foreign):
    check_matrix_call(client, store, ASSESSMENT, call, caller, foreign, world(client), shows)
