"""The KPI API over Flask's test client, an in-memory store and an in-memory directory."""

from datetime import timedelta

import pytest

from services.kpi.app import create_app
from shared.clock import today
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.projections.engagement_directory import MemoryEngagementDirectory
from shared.resources import Resources
from tests.unit import api_helpers
from tests.unit.api_helpers import CONFIG, assert_problem, bearer

COACH, MANAGER = bearer("c1", roles=["coach"]), bearer("m1", roles=["manager"])
EXECUTIVE = bearer("x1", roles=["executive"])
TODAY = today()  # the service's own clock (UTC), not the machine's local date
DUE = (TODAY + timedelta(days=180)).isoformat()


def opened(engagement_id: str = "e1", tenant: str = "acme") -> dict:
    return api_helpers.engagement_opened(engagement_id, tenant)


@pytest.fixture
def directory():
    directory = MemoryEngagementDirectory()
    directory.handle(opened())
    return directory


@pytest.fixture
def store():
    return MemoryEventStore()


@pytest.fixture
def client(store, directory):
    resources = Resources(CONFIG, event_store=store, directory=directory)
    return create_app(CONFIG, resources).test_client()


def kpi(name: str = "Net revenue retention", weight: int = 50, **changes) -> dict:
    body = {
        "name": name, "kind": "performance", "unit": "%", "baseline": 90, "target": 96,
        "direction": "increase", "weight": weight, "due_on": DUE,
    }  # fmt: skip
    return body | changes


def propose(client, body: dict, headers=COACH) -> dict:
    response = client.post("/engagements/e1/kpis", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def approve(client, kpi_id: str, weights=None):
    return client.post(
        f"/engagements/e1/kpis/{kpi_id}/approval", json={"weights": weights or {}}, headers=MANAGER
    )


def aligned_pair(client) -> tuple[str, str]:
    first = propose(client, kpi("NRR", 50))["id"]
    second = propose(client, kpi("Listening", 50, kind="behavioural", capability="listening",
                                 unit="score", baseline=2.5, target=4))["id"]  # fmt: skip
    assert approve(client, first).status_code == 200
    assert approve(client, second).status_code == 200
    return first, second


def events(store) -> list[dict]:
    return [e for c in store.unpublished(limit=10_000) for e in c.events]


def test_alignment_with_a_send_back_and_a_reproposal(client, store):
    first = propose(client, kpi("NRR", 60))["id"]
    second = propose(client, kpi("Churn", 40, direction="decrease", baseline=8, target=5))["id"]
    sent = client.post(f"/engagements/e1/kpis/{second}/send-back",
                       json={"comment": "Too soft"}, headers=MANAGER)  # fmt: skip
    assert sent.get_json()["state"] == "sent_back"
    revised = client.patch(f"/engagements/e1/kpis/{second}", json={"changes": {"target": 4}},
                           headers=COACH)  # fmt: skip
    assert revised.status_code == 200, revised.get_json()
    assert revised.get_json()["state"] == "proposed" and revised.get_json()["target"] == 4
    assert approve(client, first).status_code == 200
    done = approve(client, second)
    assert done.get_json()["state"] == "aligned" and done.get_json()["baseline_on"] == str(TODAY)
    listing = client.get("/engagements/e1/kpis", headers=EXECUTIVE).get_json()
    assert listing["weights_total"] == 100
    assert [e["type"].split(".")[2] for e in events(store)] == [
        "KpiProposed", "KpiProposed", "KpiSentBack", "KpiReproposed", "KpiAligned", "KpiAligned"
    ]  # fmt: skip


def test_a_review_records_measurements_and_the_managers_change_with_before_and_after(client, store):
    first, _ = aligned_pair(client)
    review = client.post("/engagements/e1/reviews", headers=MANAGER, json={
        "held_on": str(TODAY), "attendees": [{"id": "m1", "name": "Dana"}],
        "measurements": [{"kpi_id": first, "value": 90.5, "measured_on": str(TODAY),
                          "evidence": "CRM"}],
    })  # fmt: skip
    assert review.status_code == 201, review.get_json()
    review_id = review.get_json()["review_id"]
    assert review.get_json()["measurements"][0]["status"] == "on_track"
    body = {"changes": {"target": 95}, "reason": "market expansion", "review_id": review_id}
    changed = client.patch(f"/engagements/e1/kpis/{first}", headers=MANAGER, json=body)
    assert changed.status_code == 200, changed.get_json()
    revised = events(store)[-1]
    assert revised["reason"] == "market expansion" and revised["actor"] == "m1"
    assert revised["data"]["changes"] == [{"field": "target", "before": 96, "after": 95}]
    assert revised["data"]["review_id"] == review_id


def test_a_stale_if_match_is_412_and_stores_nothing(client, store):
    first, _ = aligned_pair(client)
    version = client.get(f"/engagements/e1/kpis/{first}", headers=MANAGER).headers["ETag"]
    body = {"changes": {"target": 95}, "reason": "r", "outside_review": True}
    ok = client.patch(f"/engagements/e1/kpis/{first}", json=body,
                      headers=MANAGER | {"If-Match": version})  # fmt: skip
    assert ok.status_code == 200
    before = len(events(store))
    stale = client.patch(f"/engagements/e1/kpis/{first}", json=body | {"changes": {"target": 94}},
                         headers=MANAGER | {"If-Match": version})  # fmt: skip
    assert_problem(stale, 412, "precondition-failed")
    assert len(events(store)) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (kpi(baseline="90"), 422),
        (kpi(weight=True), 422),
        (kpi(weight=0), 422),
        (kpi(target=float("nan")), 400),
        (kpi(target=10**400), 422),
        (kpi(surprise=1), 422),
        (kpi(kind="behavioural"), 422),
        (kpi(kind="behavioural", capability="charisma"), 422),
        (kpi(target=80), 422),
        (kpi(due_on="2020-01-01"), 422),
        (kpi(tolerance=2), 422),
        (kpi(direction="up"), 422),
        ([kpi()], 422),
    ],
    ids=["string-number", "bool-weight", "zero-weight", "nan", "huge", "unknown-field",
         "no-capability", "unknown-capability", "target-behind", "past-due", "tolerance-increase",
         "direction", "array"],
)  # fmt: skip
def test_bad_proposals_are_4xx_and_store_nothing(client, store, body, status):
    if status == 400:
        raw = str(body).replace("'", '"').replace("nan", "NaN")
        response = client.post("/engagements/e1/kpis", data=raw, headers=COACH,
                               content_type="application/json")  # fmt: skip
        assert response.status_code in (400, 422)
    else:
        response = client.post("/engagements/e1/kpis", json=body, headers=COACH)
        assert response.status_code == status, response.get_json()
    assert events(store) == []


@pytest.mark.parametrize(
    ("path", "body", "headers", "status"),
    [
        ("/kpis/{first}/approval", {}, MANAGER, 409),
        ("/kpis/{first}/send-back", {"comment": "x"}, MANAGER, 409),
        ("/kpis/{first}", {"changes": {"target": 95}, "outside_review": True}, MANAGER, 422),
        ("/kpis/{first}", {"changes": {"target": 95}, "reason": "r"}, MANAGER, 422),
        ("/kpis/{first}", {"changes": {"baseline": 80}, "reason": "r", "outside_review": True},
         MANAGER, 422),
        ("/kpis/{first}", {"changes": {"weight": 60}, "reason": "r", "outside_review": True},
         MANAGER, 422),
        ("/kpis/{first}", {"changes": {"target": 95}, "reason": "r", "outside_review": True},
         COACH, 403),
        ("/kpis/{first}", {"changes": {"target": 95}, "reason": "r", "review_id": "nope"},
         MANAGER, 404),
        ("/kpis/{first}/retirement", {"reason": "r", "outside_review": True}, MANAGER, 422),
        ("/kpis/{first}/retirement", {"outside_review": True}, MANAGER, 422),
        ("/kpis/weights", {"weights": {"{first}": 70}, "reason": "r", "outside_review": True},
         MANAGER, 422),
        ("/kpis/nope/approval", {}, MANAGER, 404),
        ("/reviews", {"held_on": "2999-01-01", "attendees": [{"id": "m1", "name": "D"}]},
         MANAGER, 422),
        ("/reviews", {"held_on": str(TODAY), "attendees": []}, MANAGER, 422),
        ("/reviews", {"held_on": str(TODAY), "attendees": [{"id": "m1", "name": "D"}],
                      "measurements": [{"kpi_id": "nope", "value": 1, "measured_on": str(TODAY)}]},
         MANAGER, 404),
        ("/reviews", {"held_on": str(TODAY), "attendees": [{"id": "m1", "name": "D"}],
                      "measurements": [{"kpi_id": "{first}", "value": 1,
                                        "measured_on": "2020-01-01"}]}, MANAGER, 422),
        ("/reviews", {"held_on": str(TODAY), "attendees": [{"id": "m1", "name": "D"}]}, COACH,
         403),
    ],
)  # fmt: skip
def test_refused_changes_are_4xx_and_store_nothing(client, store, path, body, headers, status):
    first, _ = aligned_pair(client)
    before = len(events(store))
    url = "/engagements/e1" + path.replace("{first}", first)
    body = {k: v for k, v in body.items()}
    if "weights" in body:
        body["weights"] = {k.replace("{first}", first): v for k, v in body["weights"].items()}
    for m in body.get("measurements", []):
        m["kpi_id"] = m["kpi_id"].replace("{first}", first)
    method = client.put if path == "/kpis/weights" else (
        client.patch if path == "/kpis/{first}" else client.post)  # fmt: skip
    response = method(url, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    assert len(events(store)) == before


def test_a_retired_kpi_is_not_measured(client, store):
    first, second = aligned_pair(client)
    retired = client.post(f"/engagements/e1/kpis/{second}/retirement", headers=MANAGER, json={
        "reason": "merged", "outside_review": True, "weights": {first: 100}})  # fmt: skip
    assert retired.status_code == 200, retired.get_json()
    before = len(events(store))
    review = client.post("/engagements/e1/reviews", headers=MANAGER, json={
        "held_on": str(TODAY), "attendees": [{"id": "m1", "name": "Dana"}],
        "measurements": [{"kpi_id": second, "value": 3, "measured_on": str(TODAY)}]})  # fmt: skip
    assert_problem(review, 409, "invalid-transition")
    assert len(events(store)) == before


def test_unknown_other_tenant_and_closed_engagements(client, directory, store):
    assert_problem(client.get("/engagements/e9/kpis", headers=COACH), 404, "not-found")
    other = bearer("c1", tenant="globex", roles=["coach", "admin"])
    assert_problem(client.get("/engagements/e1/kpis", headers=other), 404, "not-found")
    outsider = bearer("m9", roles=["manager"])
    assert_problem(client.get("/engagements/e1/kpis", headers=outsider), 403, "forbidden")
    directory.handle({**opened(), "type": "mastery.assessment.EngagementCancelled.v1",
                      "streamversion": 2, "data": {"engagement_id": "e1",
                                                   "from_phase": "needs_assessment"}})  # fmt: skip
    response = client.post("/engagements/e1/kpis", json=kpi(), headers=COACH)
    assert_problem(response, 409, "invalid-transition")
    assert events(store) == []


@pytest.mark.parametrize(
    "body",
    [
        {"changes": {}, "reason": "r", "outside_review": True},
        {"changes": {"target": 1e16}, "reason": "r", "outside_review": True},
    ],
    ids=["no-change", "huge-target"],
)
def test_empty_or_absurd_changes_are_422(client, store, body):
    first, _ = aligned_pair(client)
    before = len(events(store))
    response = client.patch(f"/engagements/e1/kpis/{first}", json=body, headers=MANAGER)
    assert_problem(response, 422, "")
    assert len(events(store)) == before


def test_a_stale_if_match_on_a_closed_engagement_is_412_not_409(client, directory, store):
    first, _ = aligned_pair(client)
    directory.handle({**opened(), "type": "mastery.assessment.EngagementCancelled.v1",
                      "streamversion": 2, "data": {"engagement_id": "e1",
                                                   "from_phase": "kpi_alignment"}})  # fmt: skip
    before = len(events(store))
    body = {"changes": {"target": 95}, "reason": "r", "outside_review": True}
    url = f"/engagements/e1/kpis/{first}"
    stale = client.patch(url, json=body, headers=MANAGER | {"If-Match": '"1"'})
    assert_problem(stale, 412, "precondition-failed")
    current = client.patch(url, json=body, headers=MANAGER | {"If-Match": '"4"'})
    assert_problem(current, 409, "invalid-transition")
    assert len(events(store)) == before
