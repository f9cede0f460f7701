"""Run the whole system locally: infrastructure, three APIs under gunicorn, three workers,
all under a supervisor that restarts any of them that dies (deploy/local/supervisor.py).

Usage: python deploy/local/stack.py {up,down,status} [--profile dev|test]

APIs listen on 127.0.0.1: assessment, kpi and reporting at the profile's base port
(dev 8081, test 18081) plus 0, 1 and 2; ML_API_BASE_PORT overrides the base.
Process logs and pid files go to <state dir>/logs and <state dir>/pids; the supervisor's
log is <state dir>/logs/supervisor.log, its view of each process <state dir>/supervisor.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.local import infra
from deploy.local.processes import pid_alive, read_pid

SERVICES = ("assessment", "kpi", "reporting")
BASE_PORTS = {"dev": 8081, "test": 18081}
GUNICORN_CONF = infra.REPO_ROOT / "deploy" / "gunicorn.conf.py"
READY_TIMEOUT = 60.0  # a process the supervisor restarts waits out its backoff first
PROBE_TIMEOUT = 5.0  # one /healthz: a busy machine answers slowly, not never
STOP_TIMEOUT = 40.0  # the supervisor stops each process (20 s each, all at once), then itself
# Supervisors this process started, kept so they are reaped (not left as zombies) on stop.
_supervisors: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class Process:
    """One process of the system: an API (with a port) or a worker."""

    name: str
    argv: tuple[str, ...]
    port: int | None = None
    env: tuple[tuple[str, str], ...] = ()  # its own settings, over the system's

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
        worker = (sys.executable, "-m", f"services.{service}.worker")
        found.append(Process(f"{service}-worker", worker))
        if service == "reporting":  # more reporting workers, sharing the partitions
            for n in range(2, reporting_workers(env) + 1):
                port = str(extra_metrics_port(base, n))
                found.append(Process(f"reporting-worker-{n}", worker,
                                     env=(("ML_REPORTING_METRICS_PORT", port),)))  # fmt: skip
    return found


def reporting_workers(env: Mapping[str, str] | None = None) -> int:
    """How many reporting workers run (ML_REPORTING_WORKERS, 1 to 8; default 1)."""
    raw = (os.environ if env is None else env).get("ML_REPORTING_WORKERS", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 8:
        raise infra.InfraError(f"ML_REPORTING_WORKERS must be 1 to 8, not {raw!r}")
    return int(raw)


def extra_metrics_port(base: int, n: int) -> int:
    """Where the n-th reporting worker (n >= 2) serves /metrics and /readyz."""
    return base + 30 + n


def _pid_file(profile: infra.Profile, name: str) -> Path:
    return profile.state_dir / "pids" / f"{name}.pid"


def _running(profile: infra.Profile, process: Process) -> int | None:
    """The process's pid while it runs (a live process with its command line)."""
    pid = read_pid(_pid_file(profile, process.name))
    return pid if pid is not None and pid_alive(pid, " ".join(process.argv)) else None


def _supervisor_marker(profile: infra.Profile) -> str:
    return f"-m deploy.local.supervisor {profile.state_dir.resolve()}"


def supervisor_pid(profile: infra.Profile) -> int | None:
    """The profile's supervisor's pid while it runs."""
    pid = read_pid(_pid_file(profile, "supervisor"))
    return pid if pid is not None and pid_alive(pid, _supervisor_marker(profile)) else None


def start(profile: infra.Profile, env: Mapping[str, str]) -> list[Process]:
    """Start the supervisor of the six processes unless it runs, then wait until each runs
    and the APIs answer /healthz."""
    started = processes(profile, env)
    (profile.state_dir / "pids").mkdir(parents=True, exist_ok=True)
    profile.logs_dir.mkdir(parents=True, exist_ok=True)
    if supervisor_pid(profile) is None:
        listed = [{"name": p.name, "argv": list(p.argv), "env": dict(p.env)} for p in started]
        (profile.state_dir / "supervised.json").write_text(json.dumps(listed, indent=2))
        argv = [sys.executable, "-m", "deploy.local.supervisor", str(profile.state_dir.resolve())]
        with open(profile.logs_dir / "supervisor.log", "ab") as log:
            child = subprocess.Popen(
                argv, cwd=infra.REPO_ROOT, env=dict(env), stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        _supervisors[child.pid] = child
    deadline = time.monotonic() + READY_TIMEOUT
    for process in started:
        _wait_alive(profile, process, deadline)
    return started


def _wait_alive(profile: infra.Profile, process: Process, deadline: float) -> None:
    while time.monotonic() < deadline:
        if _running(profile, process) and (
            process.port is None or _answers(f"{process.url}/healthz")
        ):
            return
        time.sleep(0.2)
    log = profile.logs_dir / f"{process.name}.log"
    raise infra.InfraError(f"{process.name} did not come up; see {log} and "
                           f"{profile.logs_dir / 'supervisor.log'}")  # fmt: skip


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def started_processes(profile: infra.Profile) -> list[Process]:
    """The processes the supervisor was given (supervised.json), else the profile's six."""
    try:
        listed = json.loads((profile.state_dir / "supervised.json").read_text())
        return [Process(p["name"], tuple(p["argv"]), None, tuple((p.get("env") or {}).items()))
                for p in listed]  # fmt: skip
    except (OSError, ValueError, KeyError):
        return processes(profile)


def kill(profile: infra.Profile, name: str, timeout: float = 10.0) -> None:
    """SIGKILL one process (its whole group), as a crash would, and wait until it is gone;
    the supervisor brings it back (`start` waits for that)."""
    process = next(p for p in started_processes(profile) if p.name == name)
    pid = _running(profile, process)
    if pid is None:
        return
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while pid_alive(pid, " ".join(process.argv)) and time.monotonic() < deadline:
        time.sleep(0.05)


def stop(profile: infra.Profile, timeout: float = STOP_TIMEOUT) -> list[str]:
    """Stop the supervisor, which stops every process; then SIGTERM (and SIGKILL) whatever
    still runs (processes of a supervisor that died)."""
    running = {p: pid for p in started_processes(profile) if (pid := _running(profile, p))}
    supervisor = supervisor_pid(profile)
    if supervisor is not None:
        os.kill(supervisor, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while supervisor_pid(profile) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        if supervisor_pid(profile) is not None:
            os.kill(supervisor, signal.SIGKILL)
    if (child := _supervisors.pop(supervisor or -1, None)) is not None:
        child.wait(10)
    for process, pid in running.items():
        if _running(profile, process):
            _stop_group(profile, process, pid, timeout / 2)
        _pid_file(profile, process.name).unlink(missing_ok=True)
    return [p.name for p in running]


def _stop_group(profile: infra.Profile, process: Process, pid: int, timeout: float) -> None:
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _running(profile, process) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _running(profile, process):
        os.killpg(pid, signal.SIGKILL)


def supervised(profile: infra.Profile) -> dict[str, Any]:
    """The supervisor's view of each process (pid, restarts, last exit), {} before any."""
    try:
        return dict(json.loads((profile.state_dir / "supervisor.json").read_text())["processes"])
    except (OSError, ValueError, KeyError):
        return {}


def status_lines(profile: infra.Profile) -> list[str]:
    """One line per process: running or not, restarts and the last exit."""
    seen = supervised(profile)
    supervisor = supervisor_pid(profile)
    lines = [f"{'supervisor':<20} {'running pid ' + str(supervisor) if supervisor else 'stopped'}"]
    for process in started_processes(profile):
        pid = _running(profile, process)
        line = f"{process.name:<20} {'running pid ' + str(pid) if pid else 'stopped':<18}"
        state = seen.get(process.name) or {}
        restarts = int(state.get("restarts") or 0)
        line += f" restarts {restarts}"
        if state.get("last_exit"):
            line += f" (last: {state['last_exit']} at {state['last_exit_at']})"
        lines.append(line)
    return lines


def _base_port(profile: infra.Profile, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    return int(env.get("ML_API_BASE_PORT", BASE_PORTS[profile.name]))


def system_env(profile: infra.Profile, infra_env: Mapping[str, str]) -> dict[str, str]:
    """The environment the services run with: this one, the infrastructure's addresses,
    each service's relay doorbell (UDP, base port + 10, + 11 and + 12: reporting's relays the
    webhook subscriptions' events) and each worker's metrics port (base port + 20, + 21 and
    + 22: /metrics, /healthz, /readyz)."""
    base = _base_port(profile)
    doorbells = {f"ML_{service.upper()}_RELAY_DOORBELL": f"127.0.0.1:{base + 10 + offset}"
                 for offset, service in enumerate(SERVICES)}  # fmt: skip
    metrics = {f"ML_{service.upper()}_METRICS_PORT": str(metrics_port(base, service))
               for service in SERVICES}  # fmt: skip
    return {**doorbells, **metrics, **os.environ, **infra_env, "PYTHONUNBUFFERED": "1"}


def metrics_port(base: int, service: str) -> int:
    """Where a service's worker serves /metrics, /healthz and /readyz."""
    return base + 20 + SERVICES.index(service)


def _print_welcome(started: list[Process], profile: infra.Profile) -> None:
    print("\nMastery Ledger is running:")
    for process in started:
        if process.port:
            print(f"  {process.name:<16} {process.url}   (API docs: {process.url}/docs)")
    print(f"  logs: {profile.logs_dir}")
    print("\nPrometheus can scrape (see the README's Operations section):")
    base = _base_port(profile)
    for process in started:
        if process.port:
            print(f"  {process.name:<16} {process.url}/metrics")
        else:
            port = int(dict(process.env).get("ML_REPORTING_METRICS_PORT", 0)) or metrics_port(
                base, process.name.split("-")[0])  # fmt: skip
            print(f"  {process.name:<16} http://127.0.0.1:{port}/metrics   (and /readyz)")
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
            print("\n".join(status_lines(profile)))
            infra.main(["status", "--profile", args.profile])
    except infra.InfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
