"""Two reporting workers side by side: the projections share the topics' partitions in one
consumer group and every event reaches its read models exactly once; webhook delivery runs in
the one holding the `webhooks` lease; when the second worker stops, the first takes its
partitions back and nothing is lost."""

from __future__ import annotations

import signal
import subprocess
import sys

import requests
from prometheus_client.parser import text_string_to_metric_families

from deploy.local import infra
from tests.e2e.test_metrics import total, worker_url
from tests.e2e.test_walking_skeleton import open_engagement, timeline
from tests.integration.kafka_helpers import wait_until

SECOND_PORT = 18199


def start_second(system) -> subprocess.Popen[bytes]:
    profile = infra.Profile.from_name("test")
    env = {**system.env, "ML_PROCESS_NAME": "reporting-worker-2",
           "ML_REPORTING_METRICS_PORT": str(SECOND_PORT)}  # fmt: skip
    with open(profile.logs_dir / "reporting-worker-2.log", "ab") as log:  # the child's copy
        argv = [sys.executable, "-m", "services.reporting.worker"]
        return subprocess.Popen(argv, env=env, cwd=infra.REPO_ROOT, stdout=log,
                                stderr=subprocess.STDOUT)  # fmt: skip


def partitions(url: str, group: str) -> set[tuple[str, str]]:
    text = requests.get(f"{url}/metrics", timeout=10).text
    lag = "mastery_consumer_lag_messages"
    return {(s.labels["topic"], s.labels["partition"])
            for f in text_string_to_metric_families(text) for s in f.samples
            if s.name == lag and s.labels["group"] == group}  # fmt: skip


def ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def test_two_reporting_workers_share_the_partitions_and_lose_or_double_nothing(system, http):
    first, second_url = worker_url(system, "reporting"), f"http://127.0.0.1:{SECOND_PORT}"
    group = f"{system.env['ML_TOPIC_PREFIX']}.reporting"
    second = start_second(system)
    try:
        assert wait_until(lambda: ready(second_url), 90)

        def shared() -> bool:
            mine, theirs = partitions(first, group), partitions(second_url, group)
            return bool(mine) and bool(theirs) and not mine & theirs

        assert wait_until(shared, 60), (partitions(first, group), partitions(second_url, group))
        held = [total(u, "mastery_lease_held", job="webhooks") for u in (first, second_url)]
        assert sorted(held) == [0, 1]  # delivery runs in one of them
        engagements = [open_engagement(system, http)["id"] for _ in range(12)]
        for engagement_id in engagements:  # opened: one event each, spread over partitions
            assert wait_until(lambda e=engagement_id: timeline(system, http, e).status_code
                              == 200, 30)  # fmt: skip
            entries = timeline(system, http, engagement_id).json()
            assert entries["total"] == 1, entries  # exactly once
        handled = [total(u, "mastery_consumer_events_handled_total", group=group)
                   for u in (first, second_url)]  # fmt: skip
        assert all(n > 0 for n in handled), handled
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(60)
    # the first takes every partition back; what comes now reaches the read models too
    assert wait_until(lambda: len(partitions(first, group)) >= 9, 60)
    after = open_engagement(system, http)["id"]
    assert wait_until(lambda: timeline(system, http, after).status_code == 200, 60)
    assert wait_until(lambda: total(first, "mastery_lease_held", job="webhooks") == 1, 30)
