"""The local stack's supervisor: starts the APIs and workers, restarts any that dies.

Usage (stack.py starts it): python -m deploy.local.supervisor <state dir>

It reads the processes to run from `<state dir>/supervised.json` ([{name, argv}], written
by stack.start), starts each in a session of its own with its log appended to
`<state dir>/logs/<name>.log` and its pid in `<state dir>/pids/<name>.pid`, and checks them
every CHECK_SECONDS. One that exits is started again after a backoff (restart_delay), with a
log line saying what happened (`restarting kpi-worker: killed by signal SIGKILL; restart 1
in 0.5 s`); `<state dir>/supervisor.json` says, per process, its pid, its restarts and its
last exit, for `make status`. Processes already running when it starts (a supervisor that
died) are adopted, not started twice. SIGTERM stops every process (SIGTERM, then SIGKILL
after STOP_SECONDS), then the supervisor.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploy.local.processes import pid_alive, read_pid

CHECK_SECONDS = 0.2
STOP_SECONDS = 20.0
FIRST_DELAY, MAX_DELAY = 0.5, 30.0
STEADY_SECONDS = 60.0  # a process up this long has recovered: its next restart waits FIRST_DELAY


def restart_delay(failures_in_a_row: int) -> float:
    """The wait before the n-th restart in a row (1, 2, ...): 0.5 s, doubling, at most 30 s."""
    return min(FIRST_DELAY * 2 ** max(failures_in_a_row - 1, 0), MAX_DELAY)


def describe_exit(returncode: int | None) -> str:
    """How a process ended, from its return code (None: not ours to wait for)."""
    if returncode is None:
        return "exited (adopted: its status is not known)"
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Supervised:
    """One process and what happened to it."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # its own settings, over the system's
    pid: int | None = None
    started_at: str = ""
    restarts: int = 0
    last_exit: str = ""
    last_exit_at: str = ""
    failures_in_a_row: int = 0
    _child: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _started: float = 0.0
    _next_start: float = 0.0

    @property
    def marker(self) -> str:
        return " ".join(self.argv)

    def state(self) -> dict[str, Any]:
        """What supervisor.json says of it."""
        return {"pid": self.pid, "started_at": self.started_at, "restarts": self.restarts,
                "last_exit": self.last_exit, "last_exit_at": self.last_exit_at}  # fmt: skip


class Supervisor:
    """Runs and restarts the processes of one state directory."""

    def __init__(self, state_dir: Path, cwd: Path) -> None:
        self.state_dir, self.cwd = state_dir, cwd
        self.logs, self.pids = state_dir / "logs", state_dir / "pids"
        listed = json.loads((state_dir / "supervised.json").read_text())
        self.processes = [Supervised(p["name"], list(p["argv"]), dict(p.get("env") or {}))
                          for p in listed]  # fmt: skip
        self.stopping = threading.Event()

    def run(self) -> int:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pids.mkdir(parents=True, exist_ok=True)
        for process in self.processes:
            self._adopt(process)
        while not self.stopping.is_set():
            changed = False
            for process in self.processes:
                changed |= self._check(process)
            if changed:
                self._save()
            self.stopping.wait(CHECK_SECONDS)
        self._stop_all()
        return 0

    def _adopt(self, process: Supervised) -> None:
        pid = read_pid(self.pids / f"{process.name}.pid")
        if pid is not None and pid_alive(pid, process.marker):
            process.pid, process._started = pid, time.monotonic()
            process.started_at = now_text()
            say(f"adopted {process.name} (pid {pid}), already running")

    def _check(self, process: Supervised) -> bool:
        """Start a process that is due, note one that ended; whether anything changed."""
        now = time.monotonic()
        if process.pid is None:
            if now < process._next_start:
                return False
            self._start(process)
            return True
        if process._child is not None:
            returncode = process._child.poll()
            if returncode is None:
                return False
        elif pid_alive(process.pid, process.marker):
            return False
        else:
            returncode = None
        if self.stopping.is_set():
            return False
        if now - process._started >= STEADY_SECONDS:
            process.failures_in_a_row = 0
        process.failures_in_a_row += 1
        delay = restart_delay(process.failures_in_a_row)
        process.last_exit, process.last_exit_at = describe_exit(returncode), now_text()
        process.pid, process._child, process._next_start = None, None, now + delay
        process.restarts += 1
        say(f"restarting {process.name}: {process.last_exit}; restart {process.restarts} "
            f"in {delay:g} s", process=process.name, restarts=process.restarts)  # fmt: skip
        return True

    def _start(self, process: Supervised) -> None:
        with open(self.logs / f"{process.name}.log", "ab") as log:
            env = os.environ | process.env | {"ML_PROCESS_NAME": process.name}
            child = subprocess.Popen(
                process.argv, cwd=self.cwd, env=env, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        process.pid, process._child = child.pid, child
        process._started, process.started_at = time.monotonic(), now_text()
        (self.pids / f"{process.name}.pid").write_text(str(child.pid))

    def _stop_all(self) -> None:
        running = [p for p in self.processes if p.pid is not None]
        for process in running:
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            while self._still_running(process) and time.monotonic() < deadline:
                time.sleep(0.1)
            if self._still_running(process):
                _signal_group(process.pid, signal.SIGKILL)
                if process._child is not None:
                    process._child.wait(10)
            (self.pids / f"{process.name}.pid").unlink(missing_ok=True)
            process.pid = None
        self._save()
        say("stopped every process")

    def _still_running(self, process: Supervised) -> bool:
        if process._child is not None:
            return process._child.poll() is None
        return process.pid is not None and pid_alive(process.pid, process.marker)

    def _save(self) -> None:
        state = {"pid": os.getpid(), "updated_at": now_text(),
                 "processes": {p.name: p.state() for p in self.processes}}  # fmt: skip
        target = self.state_dir / "supervisor.json"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2))
        temporary.replace(target)


def _signal_group(pid: int | None, signum: int) -> None:
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def say(message: str, **fields: Any) -> None:
    """One JSON log line on stdout (the supervisor's log)."""
    line = {"time": now_text(), "level": "INFO", "logger": "supervisor", "message": message}
    print(json.dumps(line | fields), flush=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    state_dir = Path(args[0]).resolve()
    supervisor = Supervisor(state_dir, Path(__file__).resolve().parents[2])
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: supervisor.stopping.set())
    (state_dir / "pids").mkdir(parents=True, exist_ok=True)
    (state_dir / "pids" / "supervisor.pid").write_text(str(os.getpid()))
    say("supervising", processes=[p.name for p in supervisor.processes])
    try:
        return supervisor.run()
    finally:
        (state_dir / "pids" / "supervisor.pid").unlink(missing_ok=True)


if __name__ == "__main__":
    raise SystemExit(main())
