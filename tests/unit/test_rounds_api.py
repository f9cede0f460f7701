"""Feedback rounds over the HTTP edge (Flask test client, in-memory store)."""

from datetime import date, timedelta

import pytest

from tests.unit.api_helpers import ENGAGEMENT as BODY
from tests.unit.api_helpers import assert_problem, bearer

CLOSES = (date.today() + timedelta(days=20)).isoformat()
ROUND = {
    "purpose": "baseline",
    "competencies": [{"id": "listening"}, {"id": "custom:strategy", "name": "Strategy"}],
    "closes_on": CLOSES,
}


def events_in(store) -> int:
    """Events stored: the published streams' and the rounds' answers (never published)."""
    commits = store.unpublished(limit=10_000)
    rounds = {c.stream_id.removeprefix("round-") for c in commits if c.stream_id[:6] == "round-"}
    answers = sum(len(store.load(f"responses-{r}")) for r in rounds)
    return sum(len(c.events) for c in commits) + answers


@pytest.fixture
def engagement(client) -> str:
    return client.post("/engagements", json=BODY, headers=bearer()).get_json()["id"]


@pytest.fixture
def round_url(client, engagement) -> str:
    response = client.post(f"/engagements/{engagement}/rounds", json=ROUND, headers=bearer())
    assert response.status_code == 201, response.get_json()
    return f"/engagements/{engagement}/rounds/{response.get_json()['id']}"


def invite(client, round_url, group: str, n: int) -> str:
    body = {"group": group, "name": f"Rater {n}", "contact": f"r{n}@example.org"}
    response = client.post(f"{round_url}/invitations", json=body, headers=bearer())
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def submit(client, token: str, rating=3, **extra):
    body = {"ratings": {"listening": rating, "custom:strategy": rating}} | extra
    return client.post("/feedback", json=body, headers={"X-Invitation-Token": token})


def test_a_baseline_round_runs_from_invitations_to_results(client, round_url):
    groups = ["self", "manager"] + ["peer"] * 4 + ["direct_report"] * 2
    tokens = [invite(client, round_url, g, n) for n, g in enumerate(groups)]
    view = client.get("/feedback", headers={"X-Invitation-Token": tokens[2]}).get_json()
    assert view["executive"] == "Alex" and view["status"] == "invited"
    assert view["scale"] == {"minimum": 1, "maximum": 5}
    for n, token in enumerate(tokens):
        response = submit(client, token, 5 if n == 0 else 2 + n % 3, comments={"listening": "ok"})
        assert response.status_code == 201, response.get_json()
    status = client.get(round_url, headers=bearer()).get_json()
    assert {c["group"]: c["count"] for c in status["submitted"]} == {
        "self": 1, "manager": 1, "peer": 4, "direct_report": 2
    }  # fmt: skip
    assert {i["status"] for i in status["invitations"]} == {"submitted"}
    closed = client.post(f"{round_url}/closure", headers=bearer())
    assert closed.status_code == 200
    results = closed.get_json()["results"]
    assert results["suppressed_groups"] == ["direct_report"]
    executive = client.get(f"{round_url}/results", headers=bearer("x1", roles=["executive"]))
    assert executive.status_code == 200 and executive.get_json()["results"] == results
    manager = client.get(f"{round_url}/results", headers=bearer("m1", roles=["manager"]))
    assert_problem(manager, 403, "forbidden")
    manager_status = client.get(round_url, headers=bearer("m1", roles=["manager"])).get_json()
    assert "invitations" not in manager_status


def test_rater_tokens_are_single_use_and_forgeries_get_404(client, round_url, store):
    token = invite(client, round_url, "peer", 1)
    assert submit(client, token).status_code == 201
    before = events_in(store)
    assert_problem(submit(client, token), 409, "invalid-transition")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert_problem(submit(client, forged), 404, "not-found")
    assert_problem(submit(client, "nonsense"), 404, "not-found")
    assert_problem(submit(client, "deadbeef.x"), 404, "not-found")
    assert_problem(client.post("/feedback", json={"ratings": {}}), 401, "unauthorized")
    assert events_in(store) == before


def test_a_reminder_replaces_the_token_and_withdrawal_kills_it(client, round_url):
    old = invite(client, round_url, "peer", 1)
    status = client.get(round_url, headers=bearer()).get_json()
    invitation = status["invitations"][0]["id"]
    reminded = client.post(f"{round_url}/invitations/{invitation}/reminder", headers=bearer())
    new = reminded.get_json()["token"]
    assert new != old
    assert_problem(submit(client, old), 404, "not-found")
    other = invite(client, round_url, "peer", 2)
    other_id = client.get(round_url, headers=bearer()).get_json()["invitations"][1]["id"]
    assert client.delete(f"{round_url}/invitations/{other_id}", headers=bearer()).status_code == 200
    assert_problem(submit(client, other), 404, "not-found")
    assert submit(client, new).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"ratings": {"listening": 6, "custom:strategy": 3}},
        {"ratings": {"listening": 0, "custom:strategy": 3}},
        {"ratings": {"listening": "3", "custom:strategy": 3}},
        {"ratings": {"listening": True, "custom:strategy": 3}},
        {"ratings": {"listening": 2.5, "custom:strategy": 3}},
        {"ratings": {"listening": 3}},
        {"ratings": {"listening": 3, "custom:strategy": 3, "charisma": 3}},
        {"ratings": {"listening": 3, "custom:strategy": 3}, "comments": {"charisma": "x"}},
        {"ratings": {"listening": 3, "custom:strategy": 3}, "rater": "Pat"},
        {"ratings": [3, 3]},
        {"ratings": {"listening": 3, "custom:strategy": 3}, "overall_comment": "x" * 2001},
    ],
    ids=["above", "below", "string", "bool", "fraction", "missing", "unknown", "comment-unknown",
         "unknown-field", "list", "long-comment"],
)  # fmt: skip
def test_hostile_submissions_are_4xx_and_store_nothing(client, round_url, store, body):
    token = invite(client, round_url, "peer", 1)
    before = events_in(store)
    response = client.post("/feedback", json=body, headers={"X-Invitation-Token": token})
    assert response.status_code == 422, response.get_json()
    assert events_in(store) == before


def test_a_closed_round_takes_no_feedback_invitations_or_second_closing(client, round_url, store):
    token = invite(client, round_url, "peer", 1)
    assert client.post(f"{round_url}/closure", headers=bearer()).status_code == 200
    before = events_in(store)
    assert_problem(submit(client, token), 409, "invalid-transition")
    body = {"group": "peer", "name": "Late", "contact": "late@example.org"}
    response = client.post(f"{round_url}/invitations", json=body, headers=bearer())
    assert_problem(response, 409, "invalid-transition")
    assert_problem(client.post(f"{round_url}/closure", headers=bearer()), 409, "invalid-transition")
    assert events_in(store) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"anonymity_threshold": 2}, "anonymity_threshold"),
        ({"competencies": [{"id": "charisma"}]}, None),
        ({"competencies": []}, "competencies"),
        ({"purpose": "vibes"}, "purpose"),
        ({"scale": {"minimum": 5, "maximum": 1}}, None),
        ({"scale": {"minimum": "1", "maximum": 5}}, "scale"),
        ({"closes_on": "soon"}, "closes_on"),
    ],
    ids=["threshold", "unknown-competency", "no-competency", "purpose", "inverted-scale",
         "string-scale", "date"],
)  # fmt: skip
def test_bad_round_settings_are_422_and_store_nothing(client, engagement, store, change, field):
    before = events_in(store)
    response = client.post(
        f"/engagements/{engagement}/rounds", json=ROUND | change, headers=bearer()
    )
    problem = assert_problem(response, 422, "validation-error" if field else "invalid-command")
    if field:
        assert field in problem["errors"]
    assert events_in(store) == before


def test_another_tenant_cannot_reach_the_round(client, round_url):
    other = bearer("c1", tenant="globex", roles=["coach", "admin"])
    assert_problem(client.get(round_url, headers=other), 404, "not-found")
    body = {"group": "peer", "name": "Spy", "contact": "spy@example.org"}
    assert_problem(
        client.post(f"{round_url}/invitations", json=body, headers=other), 404, "not-found"
    )


def test_results_of_an_open_round_are_refused(client, round_url):
    assert_problem(client.get(f"{round_url}/results", headers=bearer()), 409, "invalid-transition")


def test_openapi_documents_the_invitation_token_scheme(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["invitationToken"]["name"] == "X-Invitation-Token"
    assert "/engagements/{engagement_id}/rounds/{round_id}/closure" in spec["paths"]


def stakeholder(client, engagement: str, relationship: str = "direct_report") -> str:
    body = {"name": "Robin Report", "contact": "robin@example.org", "relationship": relationship}
    response = client.post(f"/engagements/{engagement}/stakeholders", json=body, headers=bearer())
    assert response.status_code == 201, response.get_json()
    return next(s["id"] for s in response.get_json()["stakeholders"] if s["name"] == body["name"])


def test_a_stakeholder_is_invited_by_id_in_their_relationship_group(client, engagement, round_url):
    robin = stakeholder(client, engagement)
    response = client.post(f"{round_url}/invitations", json={"stakeholder_id": robin},
                           headers=bearer())  # fmt: skip
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["group"] == "direct_report"
    invitations = client.get(round_url, headers=bearer()).get_json()["invitations"]
    assert [(i["group"], i["rater_name"]) for i in invitations] == [
        ("direct_report", "Robin Report")
    ]
    as_other = {"stakeholder_id": robin, "group": "other"}
    response = client.post(f"{round_url}/invitations", json=as_other, headers=bearer())
    assert response.status_code == 201 and response.get_json()["group"] == "other"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stakeholder_id": "nobody"}, None),
        ({"stakeholder_id": "{robin}", "name": "Someone"}, "name"),
        ({"stakeholder_id": "{robin}", "group": "self"}, "group"),
        ({"group": "peer", "name": "Pat"}, "contact"),
        ({"name": "Pat", "contact": "pat@example.org"}, "group"),
    ],
)
def test_an_invitation_names_one_rater_clearly(client, engagement, round_url, store, body, field):
    robin = stakeholder(client, engagement)
    body = {k: v.replace("{robin}", robin) for k, v in body.items()}
    before = events_in(store)
    response = client.post(f"{round_url}/invitations", json=body, headers=bearer())
    if field is None:
        assert_problem(response, 422, "invalid-command")
    else:
        assert field in assert_problem(response, 422, "validation-error")["errors"]
    assert events_in(store) == before
