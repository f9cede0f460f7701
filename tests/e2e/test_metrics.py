"""Every process answers GET /metrics (Prometheus text): the APIs summed over their gunicorn
workers, the workers on their metrics ports with /healthz and /readyz beside it."""

from __future__ import annotations

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from deploy.local import stack
from tests.e2e.test_walking_skeleton import open_engagement, timeline
from tests.integration.kafka_helpers import wait_until

SERVICES = ("assessment", "kpi", "reporting")


def worker_url(system, service: str) -> str:
    return f"http://127.0.0.1:{system.env[f'ML_{service.upper()}_METRICS_PORT']}"


def total(url: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    response = requests.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    found = 0.0
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                found += sample.value
    return found


def values(url: str, name: str) -> dict[str, float]:
    """A per-loop metric's values by loop."""
    text = requests.get(f"{url}/metrics", timeout=10).text
    return {s.labels["loop"]: s.value for f in text_string_to_metric_families(text)
            for s in f.samples if s.name == name}  # fmt: skip


@pytest.mark.parametrize("service", SERVICES)
def test_an_api_counts_the_requests_of_all_its_gunicorn_workers(system, service):
    url = system.urls[service]
    before = total(url, "mastery_http_requests_total", route="/healthz", status="200")
    for _ in range(40):  # a connection each: they spread over the workers
        assert requests.get(f"{url}/healthz", timeout=10).status_code == 200
    after = total(url, "mastery_http_requests_total", route="/healthz", status="200")
    # whichever worker answers the scrape, it reports every worker's count
    assert after - before == 40


@pytest.mark.parametrize("service", SERVICES)
def test_every_worker_serves_metrics_and_is_ready(system, service):
    url = worker_url(system, service)

    def ready() -> bool:
        try:
            return requests.get(f"{url}/readyz", timeout=5).status_code == 200
        except requests.ConnectionError:  # the worker has not reached its port yet
            return False

    assert wait_until(ready, 60), requests.get(f"{url}/readyz", timeout=5).text
    assert requests.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
    checks = requests.get(f"{url}/readyz", timeout=5).json()["checks"]
    assert checks and set(checks.values()) == {"ok"}
    assert any(name.startswith("consumer:") for name in checks)
    assert total(url, "mastery_consumer_last_poll_timestamp_seconds") > 0
    up = values(url, "mastery_worker_loop_up")  # the worker's own loops (not a lease's)
    assert up and set(up.values()) == {1.0} and set(up) <= set(checks)
    missing = requests.get(f"{url}/nothing", timeout=5)
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_a_command_shows_in_the_relay_consumer_and_command_metrics(system, http):
    assessment, reporting = worker_url(system, "assessment"), worker_url(system, "reporting")
    api = system.urls["assessment"]
    published = total(assessment, "mastery_relay_events_published_total")
    projected = total(reporting, "mastery_consumer_events_handled_total")
    opened = total(api, "mastery_commands_total", command="OpenEngagement", outcome="201")
    engagement = open_engagement(system, http)
    assert wait_until(lambda: timeline(system, http, engagement["id"]).status_code == 200, 30)
    assert total(api, "mastery_commands_total", command="OpenEngagement",
                 outcome="201") == opened + 1  # fmt: skip
    assert wait_until(lambda: total(assessment, "mastery_relay_events_published_total")
                      > published, 10)  # fmt: skip
    assert total(reporting, "mastery_consumer_events_handled_total") > projected
    assert total(assessment, "mastery_outbox_backlog_commits") >= 0
    # no label names the engagement, its tenant or its people
    for url in (api, assessment, reporting):
        text = requests.get(f"{url}/metrics", timeout=10).text
        for leaked in (engagement["id"], "acme", "Alex Executive", "exec-1"):
            assert f'"{leaked}"' not in text and f"{leaked}/" not in text, (url, leaked)


def test_the_local_stack_names_a_metrics_port_per_worker(system):
    base = int(system.env.get("ML_API_BASE_PORT", stack.BASE_PORTS["test"]))
    for service in SERVICES:
        assert int(system.env[f"ML_{service.upper()}_METRICS_PORT"]) == stack.metrics_port(
            base, service
        )
