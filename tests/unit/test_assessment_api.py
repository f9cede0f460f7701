"""The HTTP edge of the assessment service, over Flask's test client and the in-memory store."""

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from services.assessment.app import create_app
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.resources import Resources
from tests.unit.api_helpers import CONFIG, ENGAGEMENT, assert_problem, bearer

BODY = ENGAGEMENT


def test_coach_opens_an_engagement_and_reads_it_back(client, store):
    created = client.post("/engagements", json=BODY, headers=bearer())
    assert created.status_code == 201, created.get_json()
    engagement = created.get_json()
    assert engagement["coach"]["id"] == "c1" and engagement["organisation"] == "acme"
    assert engagement["phase"] == "needs_assessment" and engagement["version"] == 1
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/engagements/{engagement['id']}"
    read = client.get(created.headers["Location"], headers=bearer(subject="m1", roles=["manager"]))
    assert read.status_code == 200 and read.get_json() == engagement
    [event] = store.load(f"engagement-{engagement['id']}")
    assert event["type"] == "mastery.assessment.EngagementOpened.v2"
    names = [event["data"][role]["name"] for role in ("executive", "coach", "manager")]
    assert all(set(name) == {"sealed", "as", "box"} for name in names)  # sealed, per person
    assert len({name["sealed"] for name in names}) == 3
    assert event["correlationid"] == created.headers["X-Correlation-ID"]


def test_given_correlation_id_is_carried_into_the_event(client, store):
    headers = bearer() | {"X-Correlation-ID": "req-42"}
    created = client.post("/engagements", json=BODY, headers=headers)
    assert created.headers["X-Correlation-ID"] == "req-42"
    [event] = store.load(f"engagement-{created.get_json()['id']}")
    assert event["correlationid"] == "req-42" and event["actor"] == "c1"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nonsense"}, bearer(secret="another-secret" * 3)],
    ids=["none", "garbage", "wrong-signature"],
)
def test_without_a_valid_token_it_is_401(client, store, headers):
    body = assert_problem(
        client.post("/engagements", json=BODY, headers=headers), 401, "unauthorized"
    )
    assert body["detail"]
    assert store.unpublished() == []


def test_without_the_role_it_is_403(client, store):
    response = client.post("/engagements", json=BODY, headers=bearer(roles=["manager"]))
    assert_problem(response, 403, "forbidden")
    assert store.unpublished() == []


def test_a_coach_cannot_open_for_another_coach(client, store):
    body = BODY | {"coach": {"id": "c2", "name": "Other"}}
    assert_problem(client.post("/engagements", json=body, headers=bearer()), 403, "forbidden")
    assert store.unpublished() == []


def test_another_tenant_sees_nothing(client):
    created = client.post("/engagements", json=BODY, headers=bearer()).get_json()
    other = bearer(subject="c1", tenant="globex", roles=["admin"])
    assert_problem(client.get(f"/engagements/{created['id']}", headers=other), 404, "not-found")


def test_an_outsider_of_the_same_tenant_is_forbidden(client):
    created = client.post("/engagements", json=BODY, headers=bearer()).get_json()
    outsider = bearer(subject="m9", roles=["manager"])
    assert_problem(client.get(f"/engagements/{created['id']}", headers=outsider), 403, "forbidden")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (BODY | {"surprise": 1}, "surprise"),
        (BODY | {"start_date": "next tuesday"}, "start_date"),
        (BODY | {"programme": 7}, "programme"),
        ({k: v for k, v in BODY.items() if k != "manager"}, "manager"),
        (BODY | {"executive": {"id": "x1"}}, "executive"),
    ],
    ids=["unknown-field", "bad-date", "wrong-type", "missing", "nested"],
)
def test_invalid_body_is_422_per_field_and_stores_nothing(client, store, body, field):
    problem = assert_problem(
        client.post("/engagements", json=body, headers=bearer()), 422, "validation-error"
    )
    assert field in problem["errors"]
    assert store.unpublished() == []


def test_a_business_rule_breach_is_422(client, store):
    body = BODY | {"manager": {"id": "x1", "name": "Alex"}}
    assert_problem(client.post("/engagements", json=body, headers=bearer()), 422, "invalid-command")
    assert store.unpublished() == []


def test_malformed_json_is_400(client, store):
    response = client.post(
        "/engagements", data="{not json", content_type="application/json", headers=bearer()
    )
    assert_problem(response, 400, "bad-request")
    assert store.unpublished() == []


def test_non_json_body_is_415(client, store):
    response = client.post("/engagements", data="a=b", content_type="text/plain", headers=bearer())
    assert_problem(response, 415, "unsupported-media-type")


def test_oversized_body_is_413(client, store):
    body = BODY | {"programme": "x" * 10_000}
    response = client.post("/engagements", json=body, headers=bearer())
    assert_problem(response, 413, "request-entity-too-large")
    assert store.unpublished() == []


def test_unknown_route_is_a_problem_too(client):
    assert_problem(client.get("/nowhere"), 404, "not-found")


def test_openapi_document_lists_the_routes(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/engagements", "/engagements/{engagement_id}", "/healthz", "/readyz"} <= set(
        spec["paths"]
    )


def opened_engagement(client) -> dict:
    response = client.post("/engagements", json=BODY, headers=bearer())
    assert response.status_code == 201
    return response.get_json()


def test_coach_runs_the_lifecycle_with_reasons_in_the_events(client, store):
    engagement = opened_engagement(client)
    base = f"/engagements/{engagement['id']}"
    added = client.post(
        f"{base}/stakeholders",
        json={"name": "Pat", "contact": "pat@example.org", "relationship": "peer"},
        headers=bearer(),
    )
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["stakeholders"][0]["contact"] == "pat@example.org"
    manager_view = client.get(base, headers=bearer(subject="m1", roles=["manager"])).get_json()
    assert "contact" not in manager_view["stakeholders"][0]
    moved = client.post(f"{base}/phase", json={"phase": "kpi_alignment"}, headers=bearer())
    assert moved.get_json()["phase"] == "kpi_alignment" and moved.headers["ETag"] == '"3"'
    changed = client.put(
        f"{base}/manager",
        json={"id": "m2", "name": "Morgan", "reason": "reorganisation"},
        headers=bearer() | {"If-Match": '"3"'},
    )
    assert changed.status_code == 200 and changed.get_json()["manager"]["id"] == "m2"
    cancelled = client.post(f"{base}/cancellation", json={"reason": "budget"}, headers=bearer())
    assert cancelled.get_json()["phase"] == "cancelled"
    events = store.load(f"engagement-{engagement['id']}")
    assert [e["reason"] for e in events if "reason" in e] == ["reorganisation", "budget"]


def test_stale_if_match_is_412_and_stores_nothing(client, store):
    engagement = opened_engagement(client)
    response = client.post(
        f"/engagements/{engagement['id']}/phase",
        json={"phase": "kpi_alignment"},
        headers=bearer() | {"If-Match": '"7"'},
    )
    assert_problem(response, 412, "precondition-failed")
    assert len(store.load(f"engagement-{engagement['id']}")) == 1


@pytest.mark.parametrize(
    ("path", "method", "body", "status", "code"),
    [
        ("/phase", "post", {"phase": "completed"}, 409, "invalid-transition"),
        ("/phase", "post", {"phase": "finished"}, 422, "validation-error"),
        ("/cancellation", "post", {}, 422, "validation-error"),
        ("/coach", "put", {"id": "c2", "name": "Cory"}, 422, "validation-error"),
        ("/coach", "put", {"id": "x1", "name": "Alex", "reason": "r"}, 422, "invalid-command"),
        ("/stakeholders", "post", {"name": "P", "contact": "p@x.org", "relationship": "self"}, 422,
         "validation-error"),
        ("/stakeholders/nobody", "delete", None, 404, "not-found"),
    ],
    ids=["skip-phase", "unknown-phase", "no-reason", "coach-no-reason", "exec-as-coach",
         "self-stakeholder", "unknown-stakeholder"],
)  # fmt: skip
def test_refused_changes_are_4xx_and_store_nothing(client, store, path, method, body, status, code):
    engagement = opened_engagement(client)
    call = getattr(client, method)
    kwargs = {"json": body} if body is not None else {}
    response = call(f"/engagements/{engagement['id']}{path}", headers=bearer(), **kwargs)
    assert_problem(response, status, code)
    assert len(store.load(f"engagement-{engagement['id']}")) == 1


def test_only_the_engagements_coach_or_an_admin_changes_it(client, store):
    engagement = opened_engagement(client)
    url = f"/engagements/{engagement['id']}/cancellation"
    other_coach = client.post(url, json={"reason": "r"}, headers=bearer(subject="c9"))
    assert_problem(other_coach, 403, "forbidden")
    manager = client.post(
        url, json={"reason": "r"}, headers=bearer(subject="m1", roles=["manager"])
    )
    assert_problem(manager, 403, "forbidden")
    admin = client.post(url, json={"reason": "r"}, headers=bearer(subject="a1", roles=["admin"]))
    assert admin.status_code == 200


def test_the_docs_page_lists_every_operation(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "/engagements/{engagement_id}/rounds/{round_id}/closure" in text
    assert "OpenEngagement" in text and "bearerAuth" in text


class Unreachable(MemoryEventStore):
    """The database cannot be reached (pymongo gave up selecting a server)."""

    def append(self, commit) -> None:
        raise ServerSelectionTimeoutError("127.0.0.1:27017: connection refused")


def test_an_unreachable_database_is_503_with_retry_after_never_500():
    app = create_app(CONFIG, Resources(CONFIG, event_store=Unreachable()))
    response = app.test_client().post("/engagements", json=ENGAGEMENT, headers=bearer())
    assert_problem(response, 503, "service-unavailable")
    assert response.headers["Retry-After"] == "5"
    assert "27017" not in response.get_data(as_text=True)  # no internals in the answer
