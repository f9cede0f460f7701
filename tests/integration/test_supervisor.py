"""The local supervisor (deploy/local/supervisor.py) over small real processes: a killed
process comes back with a log line saying why, one that keeps dying is restarted with growing
waits, a new supervisor adopts what runs instead of starting it twice, and SIGTERM stops
everything."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy.local.processes import pid_alive
from tests.integration.kafka_helpers import wait_until

REPO = Path(__file__).resolve().parents[2]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)  # supervised sleeper"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)  # supervised crasher"]


def supervise(state: Path, processes: dict[str, list[str]]) -> subprocess.Popen[bytes]:
    state.mkdir(parents=True, exist_ok=True)
    listed = [{"name": name, "argv": argv} for name, argv in processes.items()]
    (state / "supervised.json").write_text(json.dumps(listed))
    with open(state / "supervisor.out", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, "-m", "deploy.local.supervisor", str(state)],
                                cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def pid_of(state: Path, name: str) -> int | None:
    try:
        return int((state / "pids" / f"{name}.pid").read_text())
    except (OSError, ValueError):
        return None


def seen(state: Path) -> dict:
    try:
        return json.loads((state / "supervisor.json").read_text())["processes"]
    except (OSError, ValueError, KeyError):
        return {}


@pytest.fixture
def state(tmp_path):
    yield tmp_path / "state"
    for pid_file in (tmp_path / "state" / "pids").glob("*.pid"):  # nothing left behind
        with contextlib.suppress(OSError, ValueError):
            os.killpg(int(pid_file.read_text()), signal.SIGKILL)


def test_a_killed_process_is_restarted_and_the_log_says_why(state):
    supervisor = supervise(state, {"sleeper": SLEEPER})
    try:
        assert wait_until(lambda: pid_alive(pid_of(state, "sleeper"), "supervised sleeper"), 10)
        first = pid_of(state, "sleeper")
        os.killpg(first, signal.SIGKILL)

        def back() -> bool:
            pid = pid_of(state, "sleeper")
            return pid not in (None, first) and pid_alive(pid, "supervised sleeper")

        assert wait_until(back, 10)
        assert wait_until(lambda: seen(state).get("sleeper", {}).get("restarts") == 1, 5)
        assert seen(state)["sleeper"]["last_exit"] == "killed by signal SIGKILL"
        log = (state / "supervisor.out").read_text()
        assert "restarting sleeper: killed by signal SIGKILL; restart 1 in 0.5 s" in log
    finally:
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(30) == 0
    assert not pid_alive(pid_of(state, "sleeper") or first, "supervised sleeper")
    assert pid_of(state, "sleeper") is None  # its pid file went with it


def test_a_process_that_keeps_dying_is_restarted_with_growing_waits(state):
    supervisor = supervise(state, {"crasher": CRASHER})
    try:
        assert wait_until(lambda: seen(state).get("crasher", {}).get("restarts", 0) >= 3, 15)
        assert seen(state)["crasher"]["last_exit"] == "exited with code 3"
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(30)
    log = (state / "supervisor.out").read_text()
    for n, wait in ((1, "0.5"), (2, "1"), (3, "2")):
        assert f"restart {n} in {wait} s" in log


def test_a_new_supervisor_adopts_what_runs_and_still_restarts_it(state):
    first = supervise(state, {"sleeper": SLEEPER})
    assert wait_until(lambda: pid_alive(pid_of(state, "sleeper"), "supervised sleeper"), 10)
    running = pid_of(state, "sleeper")
    first.send_signal(signal.SIGKILL)  # the supervisor dies; its process keeps running
    first.wait(10)
    second = supervise(state, {"sleeper": SLEEPER})
    try:
        assert wait_until(lambda: "adopted sleeper" in (state / "supervisor.out").read_text(), 10)
        time.sleep(0.5)
        assert pid_of(state, "sleeper") == running  # not started twice
        os.killpg(running, signal.SIGKILL)
        assert wait_until(lambda: pid_of(state, "sleeper") not in (None, running), 10)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0
