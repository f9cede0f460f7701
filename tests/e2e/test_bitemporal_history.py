"""A back-dated change on the real stack: a review recorded late changes the KPI's past only
from its own effective date, and only as known from its recording (issue 8, finding 1)."""

from __future__ import annotations

import time
from datetime import date, timedelta

from shared.web.instants import now
from tests.e2e.test_walking_skeleton import open_engagement
from tests.integration.kafka_helpers import wait_until

TODAY = date.today()
ALIGNED = TODAY - timedelta(days=150)
TARGET_REVIEW = TODAY - timedelta(days=90)  # target 200 -> 160
WEIGHT_REVIEW = TODAY - timedelta(days=60)  # weight 50 -> 70
LATE_REVIEW = TODAY - timedelta(days=130)  # recorded last, held before the others
DUE = (TODAY + timedelta(days=90)).isoformat()


def review(http, api: str, manager: dict, held: date) -> str:
    body = {"held_on": held.isoformat(), "attendees": [{"id": "mgr-1", "name": "Dana"}]}
    response = http.post(f"{api}/reviews", json=body, headers=manager, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["review_id"]


def align_two_kpis(system, http, api: str) -> tuple[str, str]:
    coach, manager = system.headers("coach-1", ["coach"]), system.headers("mgr-1", ["manager"])
    assert wait_until(lambda: http.get(f"{api}/kpis", headers=coach, timeout=5).ok, 30)
    ids = []
    for name in ("Revenue", "Retention"):
        body = {"name": name, "kind": "performance", "unit": "kEUR", "baseline": 150,
                "target": 200, "direction": "increase", "weight": 50, "due_on": DUE}  # fmt: skip
        ids.append(http.post(f"{api}/kpis", json=body, headers=coach, timeout=10).json()["id"])
    for kpi_id in ids:
        response = http.post(f"{api}/kpis/{kpi_id}/approval", headers=manager, timeout=10,
                             json={"aligned_on": ALIGNED.isoformat()})  # fmt: skip
        assert response.ok, response.text
    return ids[0], ids[1]


def test_a_late_review_changes_the_past_only_where_it_took_effect(system, http):
    engagement = open_engagement(system, http)["id"]
    api = f"{system.urls['kpi']}/engagements/{engagement}"
    manager = system.headers("mgr-1", ["manager"])
    kpi, other = align_two_kpis(system, http, api)
    target_at = review(http, api, manager, TARGET_REVIEW)
    change = {"changes": {"target": 160}, "reason": "market", "review_id": target_at}
    assert http.patch(f"{api}/kpis/{kpi}", json=change, headers=manager, timeout=10).ok
    weights = {"weights": {kpi: 70, other: 30}, "reason": "focus",
               "review_id": review(http, api, manager, WEIGHT_REVIEW)}  # fmt: skip
    assert http.put(f"{api}/kpis/weights", json=weights, headers=manager, timeout=10).ok
    time.sleep(0.01)
    before_late = now()  # the services run on this machine: one clock
    time.sleep(0.01)
    late = {"changes": {"description": "Net of refunds"}, "reason": "clarity",
            "review_id": review(http, api, manager, LATE_REVIEW)}  # fmt: skip
    assert http.patch(f"{api}/kpis/{kpi}", json=late, headers=manager, timeout=10).ok

    report = f"{system.urls['reporting']}/engagements/{engagement}"
    auditor = system.headers("aud-1", ["auditor"])

    def as_of(day: date, known_at: str | None = None) -> dict:
        params = {"as_of": day.isoformat()} | ({"known_at": known_at} if known_at else {})
        answer = http.get(f"{report}/kpis", params=params, headers=auditor, timeout=10).json()
        return next((k["definition"] for k in answer["kpis"] if k["kpi_id"] == kpi), {})

    assert wait_until(lambda: as_of(TODAY).get("description") == "Net of refunds", 30)
    between = as_of(LATE_REVIEW + timedelta(days=5))
    assert (between["target"], between["weight"], between["description"]) == (
        200, 50, "Net of refunds"
    )  # fmt: skip
    after_target = as_of(TARGET_REVIEW + timedelta(days=15))
    assert (after_target["target"], after_target["weight"]) == (160, 50)
    assert (as_of(TODAY)["target"], as_of(TODAY)["weight"]) == (160, 70)
    known_before = as_of(LATE_REVIEW + timedelta(days=5), known_at=before_late)
    assert known_before["description"] == ""

    history = http.get(f"{report}/kpis/{kpi}/history", headers=auditor, timeout=10).json()
    last = history["versions"][-1]
    assert last["valid_from"] == f"{LATE_REVIEW}T00:00:00.000Z"
    assert last["valid_to"] == f"{TARGET_REVIEW}T00:00:00.000Z"
    assert last["recorded_at"] > last["valid_from"]
    restated = next(v for v in history["versions"] if v["changes"][:1] == [
        {"field": "target", "before": 200, "after": 160}])  # fmt: skip
    assert restated["definition"]["description"] == "Net of refunds"
    assert restated["as_recorded"]["definition"]["description"] == ""
