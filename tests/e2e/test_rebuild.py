"""A rebuild replays the topics into a fresh generation equal to the live one, switches reads
atomically, and the live worker carries on into the new generation."""

from __future__ import annotations

import subprocess
import sys
import time

from deploy.local import infra
from services.reporting.projections.audit import received
from services.reporting.projections.read_models import ReadModels, pointer
from services.reporting.projections.timeline import timeline as timeline_rows
from shared.config import ServiceConfig
from tests.e2e.test_reporting_queries import run_story
from tests.e2e.test_walking_skeleton import timeline
from tests.integration.kafka_helpers import wait_until
from tests.read_models import contents


def received_count(models: ReadModels) -> int:
    """How many events the reporting worker has received (its heads count them)."""
    return received(models).held()


def settled(models: ReadModels, seconds: float = 1.5, timeout: float = 30) -> int:
    """How many events were received once that stopped growing (the workers caught up)."""
    deadline, last, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        count = received_count(models)
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return count
        time.sleep(0.2)
    raise AssertionError("the read models kept changing")


def test_a_rebuilt_generation_equals_the_live_one_and_takes_over(system, http):
    engagement, _, _, _ = run_story(system, http)
    config = ServiceConfig.from_env("reporting", env=system.env)
    database = system.mongo[config.database]
    live = ReadModels.active(database)
    assert settled(live) > 0

    rebuild = subprocess.run(
        [sys.executable, "-m", "services.reporting.rebuild"], cwd=infra.REPO_ROOT,
        env=system.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert rebuild.returncode == 0, rebuild.stderr
    assert "events" in rebuild.stderr and "/s" in rebuild.stderr  # the progress bar
    rebuilt = ReadModels(database, live.generation + 1)
    assert pointer(database)["generation"] == rebuilt.generation
    assert rebuilt.names() == [n.replace(f"g{live.generation}_", f"g{rebuilt.generation}_", 1)
                               for n in live.names()]  # fmt: skip
    for name in (n.split("_", 1)[1] for n in live.names()):
        assert contents(rebuilt, name) == contents(live, name), f"{name} differs after the rebuild"

    total = timeline(system, http, engagement).json()["total"]
    coach = system.headers("coach-1", ["coach"])
    body = {"name": "Stakeholder after rebuild", "contact": "late@example.org",
            "relationship": "peer"}  # fmt: skip
    added = http.post(f"{system.urls['assessment']}/engagements/{engagement}/stakeholders",
                      json=body, headers=coach, timeout=10)  # fmt: skip
    assert added.status_code == 201
    assert wait_until(lambda: timeline(system, http, engagement).json()["total"] == total + 1, 30)
    tenant = rebuilt["engagements"].find_one({"_id": engagement})["tenant"]
    assert timeline_rows(rebuilt).total(engagement, tenant) == total + 1
