"""The local stack's supervisor brings back a killed worker or API by itself, `make status`
(stack.py status) counts the restart and says why, and the system carries on: the restarted
worker is ready again and a command still reaches the reporting timeline."""

from __future__ import annotations

import pytest
import requests

from deploy.local import infra, stack
from tests.e2e.test_metrics import worker_url
from tests.e2e.test_walking_skeleton import open_engagement, timeline
from tests.integration.kafka_helpers import wait_until


def process(profile: infra.Profile, name: str) -> stack.Process:
    return next(p for p in stack.processes(profile) if p.name == name)


def restarts(profile: infra.Profile, name: str) -> int:
    return int(stack.supervised(profile).get(name, {}).get("restarts") or 0)


@pytest.mark.parametrize("name", ["kpi-worker", "assessment-api"])
def test_a_killed_process_comes_back_by_itself(system, http, name):
    profile = infra.Profile.from_name("test")
    before, pid = restarts(profile, name), stack._running(profile, process(profile, name))
    assert pid is not None
    stack.kill(profile, name)  # SIGKILL, as a crash; nobody calls start
    assert wait_until(lambda: stack._running(profile, process(profile, name)) not in (None, pid),
                      30)  # fmt: skip
    assert restarts(profile, name) == before + 1
    line = next(s for s in stack.status_lines(profile) if s.startswith(name))
    assert f"restarts {before + 1}" in line and "killed by signal SIGKILL" in line, line
    log = (profile.logs_dir / "supervisor.log").read_text()
    assert f"restarting {name}: killed by signal SIGKILL" in log
    if name.endswith("-worker"):
        url = worker_url(system, name.removesuffix("-worker"))

        def ready() -> bool:
            try:
                return requests.get(f"{url}/readyz", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        assert wait_until(ready, 60)
    else:
        assert wait_until(lambda: _answers(f"{system.urls['assessment']}/healthz"), 30)
    engagement = open_engagement(system, http)
    assert wait_until(lambda: timeline(system, http, engagement["id"]).status_code == 200, 30)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.ConnectionError:
        return False
