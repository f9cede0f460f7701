"""The MongoDB-wire server: MONGO_URI if given, else ``mongod`` on PATH, else FerretDB (sqlite)."""

from __future__ import annotations

import os
import re

from deploy.local import processes
from deploy.local.logs import log_offsets
from deploy.local.prerequisites import FERRETDB_BIN, FERRETDB_VERSION, mongo_mode, require_tool
from deploy.local.profiles import HOST, ComponentStatus, InfraError, Profile, Spawned, Started

MONGO_READY_TIMEOUT = 30.0


def mongo_ready(uri: str, timeout_ms: int = 2000) -> bool:
    """Whether a MongoDB-wire server at uri answers ``ping``."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def _mongo_command(profile: Profile, mode: str) -> list[str]:
    """Command line of the local MongoDB-wire server."""
    if mode == "mongod":
        dbpath = profile.data_dir / "mongo"
        dbpath.mkdir(parents=True, exist_ok=True)
        mongod = require_tool("mongod", "vanished from PATH")
        return [
            mongod,
            "--bind_ip",
            HOST,
            "--port",
            str(profile.mongo_port),
            "--dbpath",
            str(dbpath),
        ]
    data = profile.data_dir / "ferretdb"
    state = profile.state_dir / "ferretdb-state"
    data.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    return [
        str(FERRETDB_BIN),
        "--handler=sqlite",
        # WAL with synchronous=NORMAL (ML_FERRETDB_SYNCHRONOUS=full to fsync every commit):
        # a write is acknowledged once in the WAL, which an OS crash or power loss may lose the
        # tail of, like MongoDB's default write concern (acknowledged before its journal is
        # flushed, within 100 ms). It saved 0.5-0.8 ms of each write's 1.2-2.3 ms here.
        f"--sqlite-url=file:{data}/?_pragma=synchronous({_synchronous()})",
        f"--listen-addr={HOST}:{profile.mongo_port}",
        "--telemetry=disable",
        f"--state-dir={state}",
        # FerretDB's debug listener (Prometheus metrics at /debug/metrics): off unless asked for
        f"--debug-addr={os.environ.get('ML_FERRETDB_DEBUG_ADDR', '-')}",
        "--log-level=error",  # WARN dumps every failed command (e.g. endSessions)
    ]


def _synchronous() -> str:
    """SQLite's synchronous setting for FerretDB's databases (normal or full)."""
    value = os.environ.get("ML_FERRETDB_SYNCHRONOUS", "normal").lower()
    if value not in ("normal", "full"):
        raise InfraError(f"ML_FERRETDB_SYNCHRONOUS must be normal or full, not {value!r}")
    return value


def _mongo_description(mode: str) -> str:
    """Human-readable name of the MongoDB-wire server kind."""
    return {
        "external": "MONGO_URI given",
        "mongod": "mongod",
        "ferretdb": f"FerretDB {FERRETDB_VERSION} (sqlite)",
    }[mode]


def _redact(uri: str) -> str:
    """URI with any password replaced by ***."""
    return re.sub(r"(//[^:/@]+:)[^@/]*@", r"\1***@", uri)


def spawn_mongo(profile: Profile, mode: str) -> Spawned:
    """Start this profile's MongoDB-wire server unless it is running."""
    logs = log_offsets([profile.logs_dir / "mongo.log"])
    pid = processes.running_pid(profile, "mongo")
    if pid is None:
        processes.require_free(profile, "mongo")
        cmd = _mongo_command(profile, mode)
        pid = processes.spawn(cmd, profile.logs_dir / "mongo.log", profile.state_dir)
        started_now = True
    else:
        started_now = False
    profile.pid_file("mongo").write_text(f"{pid}\n")
    return Spawned("mongo", pid, started_now, logs)


def start_mongo(profile: Profile) -> Started:
    """Start (or verify) the MongoDB-wire server and wait until it answers ``ping``."""
    mode = mongo_mode(profile)
    description = _mongo_description(mode)
    if mode == "external":
        uri = profile.mongo_uri
        if not mongo_ready(uri, timeout_ms=5000):
            raise InfraError(f"MONGO_URI={_redact(uri)} is set but does not answer ping")
        return Started("mongo", _redact(uri), description, None, "reachable")
    spawned = spawn_mongo(profile, mode)

    def probe() -> bool:
        return processes.port_open(profile.mongo_port) and mongo_ready(profile.local_mongo_uri)

    waited = processes.await_ready(profile, spawned, probe, MONGO_READY_TIMEOUT, description)
    note = f"ready in {waited:.1f}s" if spawned.started_now else "already running"
    return Started("mongo", profile.local_mongo_uri, description, spawned.pid, note)


def mongo_status(profile: Profile) -> ComponentStatus:
    """State of the MongoDB-wire server (an external one is pinged)."""
    mode = mongo_mode(profile)
    if mode == "external":
        uri = profile.mongo_uri
        return ComponentStatus(
            running=mongo_ready(uri), pid=None, address=_redact(uri), detail="MONGO_URI given"
        )
    pid = processes.running_pid(profile, "mongo")
    return ComponentStatus(
        running=pid is not None and processes.port_open(profile.mongo_port),
        pid=pid,
        address=profile.local_mongo_uri,
        detail=_mongo_description(mode),
    )
