"""Every reporting route with every role, in the engagement's tenant and from another one: what
the README's access matrix says (tests/access_matrix.py), on the running system."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from tests.access_matrix import CALLERS, REPORTING, Call, bracket, cell, expected, grid
from tests.e2e.test_kpi_story import KPIS
from tests.e2e.test_walking_skeleton import open_engagement
from tests.integration.kafka_helpers import wait_until

SUBJECTS = {
    "admin": "adm-1", "coach": "coach-1", "other-coach": "coach-9", "manager": "mgr-1",
    "other-manager": "mgr-9", "executive": "exec-1", "hr": "hr-1", "auditor": "aud-1",
}  # fmt: skip
E = "/engagements/{id}"
CALLS = [Call(route) for route in REPORTING] + [Call(f"GET {E}/kpis", query="?as_of=2026-01-01")]
ENGAGEMENT_ROUTES = ["timeline", "kpis", "kpis?as_of=2026-01-01", "feedback", "audit/verify",
                     "summary"]  # fmt: skip


@pytest.fixture(scope="module")
def http_module():
    with requests.Session() as session:
        yield session


def close_round(system, http, engagement: str, shared: bool) -> None:
    api = f"{system.urls['assessment']}/engagements/{engagement}/rounds"
    coach = system.headers("coach-1", ["coach"])
    body = {"purpose": "baseline", "competencies": [{"id": "listening"}],
            "closes_on": (date.today() + timedelta(days=9)).isoformat(),
            "results_visible_to_manager": shared}  # fmt: skip
    round_id = http.post(api, json=body, headers=coach, timeout=10).json()["id"]
    assert http.post(f"{api}/{round_id}/closure", headers=coach, timeout=10).ok


@pytest.fixture(scope="module")
def ids(system, http_module) -> dict[str, str]:
    """An engagement of coach-1 (mgr-1, exec-1) with a proposed KPI and two closed rounds, one
    shared with the manager, all in the reporting read models."""
    http = http_module
    engagement = open_engagement(system, http)["id"]
    coach = system.headers("coach-1", ["coach"])
    kpis = f"{system.urls['kpi']}/engagements/{engagement}/kpis"
    assert wait_until(lambda: http.get(kpis, headers=coach, timeout=5).ok, 30)
    kpi_id = http.post(kpis, json=KPIS[0], headers=coach, timeout=10).json()["id"]
    for shared in (True, False):
        close_round(system, http, engagement, shared)
    summary = f"{system.urls['reporting']}/engagements/{engagement}/summary"

    def projected() -> bool:
        body = http.get(summary, headers=coach, timeout=10).json()
        return body.get("kpis", {}).get("total") == 1 and body["feedback"]["rounds_closed"] == 2

    assert wait_until(projected, 30)
    return {"id": engagement, "kpi_id": kpi_id}


def test_every_route_of_the_matrix_is_called():
    assert {call.route for call in CALLS} == set(REPORTING)


def shows(call: Call, response) -> str | None:
    """What a read answered, in the words of the matrix's brackets (None: not checked)."""
    if call.route == f"GET {E}/feedback":
        return "shared rounds" if len(response.json()["rounds"]) == 1 else ""
    if call.route == f"GET {E}/summary":
        return "shared rounds" if response.json()["feedback"]["results_withheld"] else ""
    return None


@pytest.mark.parametrize(("call", "caller", "foreign"), grid(CALLS))
def test_the_access_matrix(system, http_module, ids, call, caller, foreign):
    headers = system.headers(SUBJECTS[caller], CALLERS[caller][1], "globex" if foreign else "acme")
    url = system.urls["reporting"] + call.url(ids)
    response = http_module.get(url, headers=headers, timeout=10)
    assert response.status_code == expected(REPORTING, call, caller, foreign), response.text
    if response.status_code in (403, 404) and "dashboard" not in call.route:
        assert response.headers["Content-Type"] == "application/problem+json"
    answered = shows(call, response) if response.ok else None
    if answered is not None:
        assert answered == bracket(cell(REPORTING, call.route, caller))


@pytest.mark.parametrize(
    "path",
    [*(f"/engagements/{{engagement}}/{route}" for route in ENGAGEMENT_ROUTES),
     "/audit", "/audit/export", "/managers/me/kpis", "/overview"],
)  # fmt: skip
def test_no_token_is_401(system, http_module, ids, path):
    url = system.urls["reporting"] + path.format(engagement=ids["id"])
    response = http_module.get(url, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_another_tenant_sees_none_of_this_tenants_audit(system, http_module, ids):
    response = http_module.get(f"{system.urls['reporting']}/audit", timeout=10,
                               params={"limit": 1000},
                               headers=system.headers("adm-1", ["admin"], "globex"))  # fmt: skip
    assert ids["id"] not in {r["engagement_id"] for r in response.json()["records"]}


@pytest.mark.parametrize("caller", list(CALLERS))
def test_managers_see_only_their_own_reports(system, http_module, ids, caller):
    headers = system.headers(SUBJECTS[caller], CALLERS[caller][1])
    response = http_module.get(f"{system.urls['reporting']}/managers/me/kpis", timeout=10,
                               headers=headers)  # fmt: skip
    assert response.status_code == 200
    listed = {e["engagement_id"] for e in response.json()["engagements"]}
    assert (ids["id"] in listed) == (caller == "manager")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/engagements/{e}/timeline", {"limt": "5"}),
        ("/engagements/{e}/timeline", {"limit": "0"}),
        ("/engagements/{e}/kpis", {"as_of": "yesterday"}),
        ("/engagements/{e}/kpis", {"asof": "2026-01-01"}),
        ("/audit", {"engagement": "{e}", "frm": "2026-01-01"}),
    ],
)
def test_bad_or_unknown_query_parameters_are_422_with_the_field(
    system, http_module, ids, path, params
):
    url = system.urls["reporting"] + path.replace("{e}", ids["id"])
    params = {k: v.replace("{e}", ids["id"]) for k, v in params.items()}
    response = http_module.get(url, params=params, headers=system.headers("aud-1", ["auditor"]),
                               timeout=10)  # fmt: skip
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("validation-error")
    assert set(body["errors"]) & set(params), body
