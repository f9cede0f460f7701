"""Every reporting route against every role, and across tenants: the expected status."""

from __future__ import annotations

import pytest

from tests.e2e.test_walking_skeleton import open_engagement, timeline
from tests.integration.kafka_helpers import wait_until

CALLERS = {
    "admin": ("adm-1", ["admin"], "acme"),
    "hr": ("hr-1", ["hr"], "acme"),
    "auditor": ("aud-1", ["auditor"], "acme"),
    "own-coach": ("coach-1", ["coach"], "acme"),
    "own-manager": ("mgr-1", ["manager"], "acme"),
    "own-executive": ("exec-1", ["executive"], "acme"),
    "other-coach": ("coach-9", ["coach"], "acme"),
    "other-manager": ("mgr-9", ["manager"], "acme"),
    "other-tenant-admin": ("adm-1", ["admin"], "globex"),
}
ENGAGEMENT_ROUTES = ["timeline", "kpis", "kpis?as_of=2026-01-01", "feedback", "audit/verify"]
ALLOWED = {"admin", "hr", "auditor", "own-coach", "own-manager", "own-executive"}


@pytest.fixture(scope="module")
def engagement(system, http_module) -> str:
    engagement_id = open_engagement(system, http_module)["id"]
    assert wait_until(lambda: timeline(system, http_module, engagement_id).status_code == 200, 30)
    return engagement_id


@pytest.fixture(scope="module")
def http_module():
    import requests

    with requests.Session() as session:
        yield session


def expected_for(caller: str) -> int:
    if caller == "other-tenant-admin":
        return 404
    return 200 if caller in ALLOWED else 403


@pytest.mark.parametrize("route", ENGAGEMENT_ROUTES)
@pytest.mark.parametrize("caller", list(CALLERS))
def test_engagement_routes(system, http_module, engagement, route, caller):
    subject, roles, tenant = CALLERS[caller]
    url = f"{system.urls['reporting']}/engagements/{engagement}/{route}"
    response = http_module.get(url, headers=system.headers(subject, roles, tenant), timeout=10)
    assert response.status_code == expected_for(caller), response.text


@pytest.mark.parametrize(
    "path",
    [*(f"/engagements/{{engagement}}/{route}" for route in ENGAGEMENT_ROUTES),
     "/audit", "/audit/export", "/managers/me/kpis"],
)  # fmt: skip
def test_no_token_is_401(system, http_module, engagement, path):
    url = system.urls["reporting"] + path.format(engagement=engagement)
    response = http_module.get(url, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("caller", list(CALLERS))
def test_the_tenant_wide_audit_is_for_admin_hr_and_auditors(system, http_module, caller):
    subject, roles, tenant = CALLERS[caller]
    response = http_module.get(f"{system.urls['reporting']}/audit", timeout=10,
                               headers=system.headers(subject, roles, tenant))  # fmt: skip
    tenant_wide = caller in {"admin", "hr", "auditor", "other-tenant-admin"}
    assert response.status_code == (200 if tenant_wide else 403)


@pytest.mark.parametrize("caller", list(CALLERS))
def test_the_audit_of_one_engagement_follows_engagement_access(
    system, http_module, engagement, caller
):
    subject, roles, tenant = CALLERS[caller]
    response = http_module.get(f"{system.urls['reporting']}/audit", timeout=10,
                               params={"engagement": engagement},
                               headers=system.headers(subject, roles, tenant))  # fmt: skip
    assert response.status_code == expected_for(caller)


def test_another_tenant_sees_none_of_this_tenants_audit(system, http_module, engagement):
    response = http_module.get(f"{system.urls['reporting']}/audit", timeout=10,
                               params={"limit": 1000},
                               headers=system.headers("adm-1", ["admin"], "globex"))  # fmt: skip
    assert engagement not in {r["engagement_id"] for r in response.json()["records"]}


@pytest.mark.parametrize("caller", list(CALLERS))
def test_managers_see_only_their_own_reports(system, http_module, engagement, caller):
    subject, roles, tenant = CALLERS[caller]
    response = http_module.get(f"{system.urls['reporting']}/managers/me/kpis", timeout=10,
                               headers=system.headers(subject, roles, tenant))  # fmt: skip
    assert response.status_code == 200
    listed = {e["engagement_id"] for e in response.json()["engagements"]}
    assert (engagement in listed) == (caller == "own-manager")


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
    system, http_module, engagement, path, params
):
    url = system.urls["reporting"] + path.replace("{e}", engagement)
    params = {k: v.replace("{e}", engagement) for k, v in params.items()}
    response = http_module.get(url, params=params, headers=system.headers("aud-1", ["auditor"]),
                               timeout=10)  # fmt: skip
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("validation-error")
    assert set(body["errors"]) & set(params), body
