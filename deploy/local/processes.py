"""Processes of the local infrastructure: pid files, spawning, stopping, locks and port probes."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from deploy.local.logs import output_since
from deploy.local.profiles import HOST, Component, InfraError, Profile, Spawned

STOP_TIMEOUT = 30.0


def port_open(port: int, host: str = HOST) -> bool:
    """Whether something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def require_free(profile: Profile, component: Component) -> None:
    """Raise unless the ports of a (not running) component are free."""
    ports = {
        "kafka": (profile.kafka_port, profile.kafka_controller_port),
        "mongo": (profile.mongo_port,),
    }[component]
    for port in ports:
        if port_open(port):
            raise InfraError(
                f"{component}: port {HOST}:{port} is already in use by a process that is not "
                f"this profile's ({profile.name}, {profile.state_dir}) {component}"
            )


def _cmdline(pid: int) -> str | None:
    """Command line of a live (non-zombie) process, or None."""
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            if (proc / "stat").read_text().rpartition(")")[2].split()[0] in ("Z", "X"):
                return None
            return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return None
    result = subprocess.run(
        ["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    out = result.stdout.strip()
    return None if result.returncode or not out or out.startswith("Z") else out


def pid_alive(pid: int | None, marker: str) -> bool:
    """Whether pid is a live process whose command line contains marker."""
    if pid is None or pid <= 0:
        return False
    cmd = _cmdline(pid)
    return cmd is not None and marker in cmd


def _find_pids(marker: str) -> list[int]:
    """Pids of live processes whose command line contains marker (Linux /proc only)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    pids = [int(p.name) for p in proc.iterdir() if p.name.isdigit() and int(p.name) != os.getpid()]
    return [pid for pid in pids if pid_alive(pid, marker)]


def read_pid(path: Path) -> int | None:
    """Pid stored in a pid file, or None."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def marker(profile: Profile, component: Component) -> str:
    """A string only this profile's process of that component has on its command line."""
    if component == "kafka":
        return str(profile.kafka_config)
    if shutil.which("mongod"):
        return f"--dbpath {profile.data_dir / 'mongo'}"
    return f"--state-dir={profile.state_dir / 'ferretdb-state'}"


def running_pid(profile: Profile, component: Component) -> int | None:
    """Pid of the component's live process (from its pid file, else found by command line)."""
    mark = marker(profile, component)
    pid = read_pid(profile.pid_file(component))
    if pid_alive(pid, mark):
        return pid
    found = _find_pids(mark)
    return found[0] if found else None


def spawn(cmd: list[str], log: Path, cwd: Path) -> int:
    """Start cmd detached (own session, reparented to init), output appended to log; return pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    script = 'log="$1"; shift; "$@" >>"$log" 2>&1 </dev/null & echo $!'
    result = subprocess.run(
        ["/bin/sh", "-c", script, "sh", str(log), *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        start_new_session=True,
    )
    if result.returncode != 0 or not result.stdout.strip().isdigit():
        raise InfraError(f"could not start {cmd[0]}: {result.stderr.strip() or result.stdout}")
    return int(result.stdout.strip())


def _stop_pid(pid: int, mark: str, timeout: float = STOP_TIMEOUT) -> bool:
    """SIGTERM pid, wait up to timeout, then SIGKILL; return True if it had to be killed."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid, mark):
            return False
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while pid_alive(pid, mark) and time.monotonic() < deadline + 10:
        time.sleep(0.1)
    return True


def stop_component(profile: Profile, component: Component) -> list[int]:
    """Stop every process of the component in this profile; return the pids stopped."""
    mark = marker(profile, component)
    recorded = read_pid(profile.pid_file(component))
    pids = set(_find_pids(mark))
    if recorded is not None and pid_alive(recorded, mark):
        pids.add(recorded)
    for pid in sorted(pids):
        _stop_pid(pid, mark)
    profile.pid_file(component).unlink(missing_ok=True)
    return sorted(pids)


def await_ready(
    profile: Profile, spawned: Spawned, probe: Callable[[], bool], timeout: float, what: str
) -> float:
    """Poll probe until True; return seconds waited. On death/timeout stop it and raise."""
    started = time.monotonic()
    mark = marker(profile, spawned.component)
    while time.monotonic() - started < timeout:
        if probe():
            return time.monotonic() - started
        if not pid_alive(spawned.pid, mark):
            problem = "exited during start-up"
            break
        time.sleep(0.3)
    else:
        problem = f"not ready after {timeout:.0f}s"
    if spawned.started_now:
        stop_component(profile, spawned.component)
    logs = output_since(spawned.log_offsets)
    raise InfraError(f"{what} (pid {spawned.pid}) {problem}; its new log output:{logs}")


def run(
    cmd: list[str],
    what: str,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run a build/setup command to completion; raise InfraError with its output tail on failure."""
    try:
        result = subprocess.run(
            cmd,
            cwd=cwd,
            env=None if env is None else dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise InfraError(f"{what} timed out after {timeout:.0f}s: {shlex.join(cmd)}") from exc
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise InfraError(f"{what} failed (exit {result.returncode}): {shlex.join(cmd)}\n{output}")
    return str(result.stdout)


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock so concurrent up/down/build steps do not interleave."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
