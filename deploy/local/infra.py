"""Local infrastructure for Mastery Ledger: a single-node Kafka (KRaft) and a MongoDB-wire server.

Usage: python deploy/local/infra.py {up,down,status,logs,env} [--profile dev|test]

Kafka runs from jars fetched by Maven (deploy/local/kafka/pom.xml) into .cache/kafka/<version>/libs.
The MongoDB-wire server is, in order of preference: the server named by MONGO_URI (nothing is
started), a real ``mongod`` found on PATH, or FerretDB (SQLite backend) built into .cache/bin.
Per-profile state (data, logs, pid files, the generated env file) lives under .local/<profile>.
Importable for test fixtures: ``Profile``, ``up``, ``down``, ``status``, ``InfraError``.
The work is done by the sibling modules profiles, processes, logs, prerequisites, kafka_broker
and mongo_server; this one is the public API and the command line.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.local import kafka_broker, mongo_server, prerequisites
from deploy.local.logs import follow, log_files, tail
from deploy.local.prerequisites import check_prerequisites
from deploy.local.processes import locked, require_free, running_pid, stop_component
from deploy.local.profiles import (
    CACHE_DIR,
    COMPONENTS,
    HOST,
    PROFILE_DEFAULTS,
    REPO_ROOT,
    STATE_MARKER,
    ComponentStatus,
    Echo,
    InfraError,
    PrerequisiteError,
    Profile,
)

__all__ = [
    "HOST",
    "REPO_ROOT",
    "ComponentStatus",
    "InfraError",
    "PrerequisiteError",
    "Profile",
    "check_prerequisites",
    "down",
    "main",
    "status",
    "up",
]


def _write_env_file(profile: Profile) -> None:
    """Write KEY=value lines for the profile into <state>/env."""
    lines = [f"{key}={value}\n" for key, value in profile.env().items()]
    profile.env_file.write_text("".join(lines))


def _preflight_ports(profile: Profile) -> None:
    """Fail before starting anything if a stopped component's port is taken."""
    for component in COMPONENTS:
        external = component == "mongo" and profile.external_mongo_uri is not None
        if not external and running_pid(profile, component) is None:
            require_free(profile, component)


def up(profile: Profile, echo: Echo | None = None) -> dict[str, str]:
    """Start Kafka and the MongoDB-wire server (idempotent); return the env mapping."""
    say: Echo = echo or (lambda _line: None)
    java = check_prerequisites(profile)
    with locked(CACHE_DIR / ".build.lock"):  # shared by every profile
        prerequisites.ensure_kafka_jars(say)
        if prerequisites.mongo_mode(profile) == "ferretdb":
            prerequisites.ensure_ferretdb(say)
    with locked(profile.state_dir / ".lock"):
        (profile.state_dir / STATE_MARKER).touch()
        profile.logs_dir.mkdir(parents=True, exist_ok=True)
        _preflight_ports(profile)
        kafka = kafka_broker.spawn_kafka(profile, java)  # boots while mongo starts
        say(mongo_server.start_mongo(profile).line())
        say(kafka_broker.wait_kafka(profile, kafka).line())
        _write_env_file(profile)
    return profile.env()


def down(profile: Profile, purge: bool = False, echo: Echo | None = None) -> None:
    """Stop this profile's processes (idempotent); with purge also delete its state dir."""
    say: Echo = echo or (lambda _line: None)
    if not profile.state_dir.exists():
        say(f"nothing to stop: {profile.state_dir} does not exist")
        return
    with locked(profile.state_dir / ".lock"):
        for component in COMPONENTS:
            stopped = stop_component(profile, component)
            what = f"stopped pid {', '.join(map(str, stopped))}" if stopped else "not running"
            say(f"{component:<6} {what}")
        if purge:
            _purge(profile)
            say(f"purged {profile.state_dir}")


def _purge(profile: Profile) -> None:
    """Delete the state dir, refusing directories this tool did not create."""
    state = profile.state_dir
    if not (state / STATE_MARKER).exists() and any(p.name != ".lock" for p in state.iterdir()):
        raise InfraError(f"refusing to purge {state}: no {STATE_MARKER} marker in it")
    shutil.rmtree(state)


def status(profile: Profile) -> dict[str, ComponentStatus]:
    """Running/stopped state, pid and address of each component."""
    return {
        "kafka": kafka_broker.kafka_status(profile),
        "mongo": mongo_server.mongo_status(profile),
    }


# --------------------------------------------------------------------------- CLI


def _cmd_up(profile: Profile, args: argparse.Namespace) -> int:
    """CLI: up."""
    up(profile, echo=print)
    print(f"env    {profile.env_file}")
    return 0


def _cmd_down(profile: Profile, args: argparse.Namespace) -> int:
    """CLI: down."""
    down(profile, purge=args.purge, echo=print)
    return 0


def _cmd_status(profile: Profile, args: argparse.Namespace) -> int:
    """CLI: status (exit 0 only if every component runs)."""
    states = status(profile)
    for name, st in states.items():
        word = "running" if st["running"] else "starting" if st["pid"] else "stopped"
        pid = f"pid {st['pid']}" if st["pid"] else "-"
        print(f"{name:<6} {word:<8} {st['address']:<28} {st['detail']:<26} {pid}")
    return 0 if all(st["running"] for st in states.values()) else 1


def _cmd_env(profile: Profile, args: argparse.Namespace) -> int:
    """CLI: env (shell export lines)."""
    for key, value in profile.env().items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


def _cmd_logs(profile: Profile, args: argparse.Namespace) -> int:
    """CLI: logs (tail, optionally follow)."""
    paths = log_files(profile, args.component)
    if not paths:
        print(f"no logs under {profile.logs_dir}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"==> {path} <==\n{tail(path, args.lines)}")
    if args.follow:
        follow(paths)
    return 0


def _parser() -> argparse.ArgumentParser:
    """Argument parser; --profile is accepted before or after the command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--profile", choices=sorted(PROFILE_DEFAULTS), default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="infra.py", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILE_DEFAULTS), default="dev")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", parents=[common], help="start Kafka and MongoDB-wire (idempotent)")
    down_p = sub.add_parser("down", parents=[common], help="stop them, keeping data")
    down_p.add_argument("--purge", action="store_true", help="also delete the state dir")
    sub.add_parser("status", parents=[common], help="show state; exit 0 only if all run")
    logs_p = sub.add_parser("logs", parents=[common], help="show the tail of the logs")
    logs_p.add_argument("component", nargs="?", choices=COMPONENTS)
    logs_p.add_argument("-n", "--lines", type=int, default=50)
    logs_p.add_argument("-f", "--follow", action="store_true")
    sub.add_parser("env", parents=[common], help="print shell export lines")
    return parser


COMMANDS: dict[str, Callable[[Profile, argparse.Namespace], int]] = {
    "up": _cmd_up,
    "down": _cmd_down,
    "status": _cmd_status,
    "env": _cmd_env,
    "logs": _cmd_logs,
}


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; exit 2 for missing prerequisites, 1 for other failures."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](Profile.from_name(args.profile), args)
    except PrerequisiteError as exc:
        print(f"infra: {exc}", file=sys.stderr)
        return 2
    except InfraError as exc:
        print(f"infra: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
