"""An API's GET /metrics (shared/observability/http_metrics.py) over the assessment app in
memory: requests by route template, method and status, writes by command and outcome, and no
id, tenant or name in any label."""

from __future__ import annotations

import re
from dataclasses import replace

from prometheus_client.parser import text_string_to_metric_families

from shared.observability.http_metrics import route_of
from tests.unit.api_helpers import ENGAGEMENT, bearer


def samples(client, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The metric's samples now, by their labels (the registry is the process's: compare
    before and after, never absolute values)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def grew(before, after, **labels: str) -> float:
    key = tuple(sorted(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_requests_are_counted_by_route_template_method_and_status(client):
    before = samples(client, "mastery_http_requests_total")
    opened = client.post("/engagements", json=ENGAGEMENT, headers=bearer())
    engagement_id = opened.get_json()["id"]
    client.get(f"/engagements/{engagement_id}", headers=bearer())
    client.get(f"/engagements/{engagement_id}", headers=bearer(subject="c9"))
    client.get("/no/such/route")
    after = samples(client, "mastery_http_requests_total")
    route = "/engagements/<engagement_id>"
    assert grew(before, after, service="assessment", method="POST", route="/engagements",
                status="201") == 1  # fmt: skip
    assert grew(before, after, service="assessment", method="GET", route=route,
                status="200") == 1  # fmt: skip
    assert grew(before, after, service="assessment", method="GET", route=route,
                status="404") + grew(before, after, service="assessment", method="GET",
                                     route=route, status="403") == 1  # fmt: skip
    assert grew(before, after, service="assessment", method="GET", route="unmatched",
                status="404") == 1  # fmt: skip


def test_request_latency_is_a_histogram_in_seconds(client):
    before = samples(client, "mastery_http_request_duration_seconds_count")
    client.get("/healthz")
    after = samples(client, "mastery_http_request_duration_seconds_count")
    assert grew(before, after, service="assessment", method="GET", route="/healthz") == 1
    buckets = samples(client, "mastery_http_request_duration_seconds_bucket")
    assert any(dict(k).get("le") == "+Inf" for k in buckets)


def test_writes_are_counted_by_command_and_outcome(client):
    before = samples(client, "mastery_commands_total")
    opened = client.post("/engagements", json=ENGAGEMENT, headers=bearer())
    engagement_id = opened.get_json()["id"]
    stale = {**bearer(), "If-Match": '"0"'}
    client.post(f"/engagements/{engagement_id}/phase", json={"phase": "kpi_alignment"},
                headers=stale)  # fmt: skip
    client.post("/engagements", json={"programme": 7}, headers=bearer())  # refused: 422
    after = samples(client, "mastery_commands_total")
    assert grew(before, after, service="assessment", command="OpenEngagement", outcome="201") == 1
    assert grew(before, after, service="assessment", command="AdvancePhase", outcome="412") == 1
    assert grew(before, after, service="assessment", command="none", outcome="422") == 1


def test_no_label_carries_an_id_a_tenant_or_a_name(client):
    opened = client.post("/engagements", json=ENGAGEMENT, headers=bearer(tenant="globex"))
    engagement_id = opened.get_json()["id"]
    client.get(f"/engagements/{engagement_id}", headers=bearer(tenant="globex"))
    text = client.get("/metrics").get_data(as_text=True)
    for leaked in (engagement_id, "globex", "Alex", "Dana", "x1", "m1"):
        assert not re.search(rf'"[^"]*{re.escape(leaked)}[^"]*"', text), leaked


def test_route_labels_drop_the_converters():
    assert route_of("/engagements/<string:engagement_id>/kpis/<kpi_id>") == (
        "/engagements/<engagement_id>/kpis/<kpi_id>"
    )
    assert route_of(None) == "unmatched"


def test_with_a_metrics_token_only_its_bearer_reads_the_metrics(store):
    from services.assessment.app import create_app
    from shared.resources import Resources
    from tests.unit.api_helpers import CONFIG

    config = replace(CONFIG, metrics_token="s3cret-scrape")
    client = create_app(config, Resources(config, event_store=store)).test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.is_json
    assert refused.get_json()["status"] == 401 and "mastery_" not in refused.get_data(as_text=True)
    assert client.get("/metrics", headers=bearer()).status_code == 401  # a user's token: no
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    allowed = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert allowed.status_code == 200 and "mastery_http_requests_total" in allowed.get_data(
        as_text=True
    )
