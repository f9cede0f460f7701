"""Run the whole system locally: infrastructure, three APIs under gunicorn, three workers.

Usage: python deploy/local/stack.py {up,down,status} [--profile dev|test]

APIs listen on 127.0.0.1: assessment, kpi and reporting at the profile's base port
(dev 8081, test 18081) plus 0, 1 and 2; ML_API_BASE_PORT overrides the base.
Process logs and pid files go to <state dir>/logs and <state dir>/pids.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.local import infra

SERVICES = ("assessment", "kpi", "reporting")
BASE_PORTS = {"dev": 8081, "test": 18081}
GUNICORN_CONF = infra.REPO_ROOT / "deploy" / "gunicorn.conf.py"
READY_TIMEOUT = 30.0
# Children this process started, kept so they are reaped (not left as zombies) on stop.
_children: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class Process:
    """One process of the system: an API (with a port) or a worker."""

    name: str
    argv: tuple[str, ...]
    port: int | None = None

    @property
    def url(self) -> str:
        """Where an API answers."""
        return f"http://127.0.0.1:{self.port}"


def processes(profile: infra.Profile, env: Mapping[str, str] | None = None) -> list[Process]:
    """The six processes of the system for a profile."""
    base = _base_port(profile, env)
    found: list[Process] = []
    for offset, service in enumerate(SERVICES):
        api = (
            sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
            "--bind", f"127.0.0.1:{base + offset}", "--name", f"mastery-{service}",
            f"services.{service}.app:create_app()",
        )  # fmt: skip
        found.append(Process(f"{service}-api", api, base + offset))
        found.append(
            Process(f"{service}-worker", (sys.executable, "-m", f"services.{service}.worker"))
        )
    return found


def _pid_file(profile: infra.Profile, process: Process) -> Path:
    return profile.state_dir / "pids" / f"{process.name}.pid"


def _running(profile: infra.Profile, process: Process) -> int | None:
    path = _pid_file(profile, process)
    try:
        pid = int(path.read_text())
        child = _children.get(pid)
        if child is not None and child.poll() is not None:
            return None
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start(profile: infra.Profile, env: Mapping[str, str]) -> list[Process]:
    """Start every process not yet running, then wait until the APIs answer /healthz."""
    started = processes(profile, env)
    (profile.state_dir / "pids").mkdir(parents=True, exist_ok=True)
    profile.logs_dir.mkdir(parents=True, exist_ok=True)
    for process in started:
        if _running(profile, process):
            continue
        with open(profile.logs_dir / f"{process.name}.log", "ab") as log:
            child = subprocess.Popen(
                process.argv, cwd=infra.REPO_ROOT, env=dict(env), stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        _children[child.pid] = child
        _pid_file(profile, process).write_text(str(child.pid))
    for process in started:
        _wait_alive(profile, process)
    return started


def _wait_alive(profile: infra.Profile, process: Process) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if not _running(profile, process):
            break
        if process.port is None or _answers(f"{process.url}/healthz"):
            return
        time.sleep(0.2)
    log = profile.logs_dir / f"{process.name}.log"
    raise infra.InfraError(f"{process.name} did not come up; see {log}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def kill(profile: infra.Profile, name: str, timeout: float = 10.0) -> None:
    """SIGKILL one process (its whole group), as a crash would, and wait until it is gone;
    `start` then brings it back."""
    process = next(p for p in processes(profile) if p.name == name)
    pid = _running(profile, process)
    if pid is None:
        return
    os.killpg(pid, signal.SIGKILL)
    child = _children.get(pid)
    if child is not None:
        child.wait(timeout)
        return
    deadline = time.monotonic() + timeout
    while _running(profile, process) and time.monotonic() < deadline:
        time.sleep(0.05)


def stop(profile: infra.Profile, timeout: float = 20.0) -> list[str]:
    """SIGTERM every running process (its whole group), then SIGKILL what lingers."""
    stopped = []
    running = {p: pid for p in processes(profile) if (pid := _running(profile, p))}
    for pid in running.values():
        os.killpg(pid, signal.SIGTERM)  # all at once: each takes a moment to finish cleanly
    for process, pid in running.items():
        deadline = time.monotonic() + timeout
        while _running(profile, process) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _running(profile, process):
            os.killpg(pid, signal.SIGKILL)
        if (child := _children.pop(pid, None)) is not None:
            child.wait(timeout)
        _pid_file(profile, process).unlink(missing_ok=True)
        stopped.append(process.name)
    return stopped


def _base_port(profile: infra.Profile, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    return int(env.get("ML_API_BASE_PORT", BASE_PORTS[profile.name]))


def system_env(profile: infra.Profile, infra_env: Mapping[str, str]) -> dict[str, str]:
    """The environment the services run with: this one, the infrastructure's addresses and
    each service's relay doorbell (UDP, base port + 10, + 11 and + 12: reporting's relays the
    webhook subscriptions' events)."""
    base = _base_port(profile)
    doorbells = {f"ML_{service.upper()}_RELAY_DOORBELL": f"127.0.0.1:{base + 10 + offset}"
                 for offset, service in enumerate(SERVICES)}  # fmt: skip
    return {**doorbells, **os.environ, **infra_env, "PYTHONUNBUFFERED": "1"}


def _print_welcome(started: list[Process], profile: infra.Profile) -> None:
    print("\nMastery Ledger is running:")
    for process in started:
        if process.port:
            print(f"  {process.name:<16} {process.url}   (API docs: {process.url}/docs)")
    print(f"  logs: {profile.logs_dir}")
    print("\nA development token (HS256, local secret):")
    print("  TOKEN=$(make -s token SUB=coach-1 TENANT=acme ROLES=coach NAME='Casey Coach')")
    print("Stop everything with: make stop\n")


def main(argv: list[str] | None = None) -> int:
    """CLI: up, down or status of the whole local system."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument("--profile", default="dev", choices=tuple(BASE_PORTS))
    args = parser.parse_args(argv)
    profile = infra.Profile.from_name(args.profile)
    try:
        if args.command == "up":
            started = start(profile, system_env(profile, infra.up(profile, echo=print)))
            _print_welcome(started, profile)
        elif args.command == "down":
            print("stopped:", ", ".join(stop(profile)) or "nothing was running")
            infra.down(profile, echo=print)
        else:
            for process in processes(profile):
                pid = _running(profile, process)
                print(f"{process.name:<20} {'running pid ' + str(pid) if pid else 'stopped'}")
            infra.main(["status", "--profile", args.profile])
    except infra.InfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
