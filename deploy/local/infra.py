"""Local infrastructure for Mastery Ledger: a single-node Kafka (KRaft) and a MongoDB-wire server.

Usage: python deploy/local/infra.py {up,down,status,logs,env} [--profile dev|test]

Kafka runs from jars fetched by Maven (deploy/local/kafka/pom.xml) into .cache/kafka/<version>/libs.
The MongoDB-wire server is, in order of preference: the server named by MONGO_URI (nothing is
started), a real ``mongod`` found on PATH, or FerretDB (SQLite backend) built into .cache/bin.
Per-profile state (data, logs, pid files, the generated env file) lives under .local/<profile>.
Importable for test fixtures: ``Profile``, ``up``, ``down``, ``status``, ``InfraError``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Literal, TypedDict

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CACHE_DIR = REPO_ROOT / ".cache"

KAFKA_VERSION = "4.1.1"
KAFKA_LIBS = CACHE_DIR / "kafka" / KAFKA_VERSION / "libs"
KAFKA_CORE_JAR = KAFKA_LIBS / f"kafka_2.13-{KAFKA_VERSION}.jar"
KAFKA_POM = HERE / "kafka" / "pom.xml"
SERVER_PROPERTIES_TEMPLATE = HERE / "kafka" / "server.properties.template"
LOG4J2_CONFIG = HERE / "kafka" / "log4j2.yaml"
KAFKA_HEAP_OPTS = ("-Xmx512m", "-Xms256m")
KAFKA_JVM_OPTS = (
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
MIN_JAVA = 17

FERRETDB_VERSION = "1.24.2"
FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_BIN = CACHE_DIR / "bin" / "ferretdb"
FERRETDB_SRC = CACHE_DIR / "ferretdb" / f"src-{FERRETDB_VERSION}"

KAFKA_READY_TIMEOUT = 90.0
MONGO_READY_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
STATE_MARKER = ".mastery-ledger-infra"

PROFILE_DEFAULTS: dict[str, tuple[int, int, int]] = {
    "dev": (9092, 9093, 27017),
    "test": (19092, 19093, 27018),
}

Component = Literal["kafka", "mongo"]
COMPONENTS: tuple[Component, ...] = ("kafka", "mongo")
Echo = Callable[[str], None]


class InfraError(RuntimeError):
    """Local infrastructure could not be brought to the requested state."""


class PrerequisiteError(InfraError):
    """A required tool (java, mvn, go) is missing or too old."""


class ComponentStatus(TypedDict):
    """State of one component as reported by ``status``."""

    running: bool
    pid: int | None
    address: str
    detail: str


@dataclass(frozen=True)
class Profile:
    """Ports and state directory of one local environment (dev or test)."""

    name: str
    kafka_port: int
    kafka_controller_port: int
    mongo_port: int
    state_dir: Path
    external_mongo_uri: str | None = field(default=None, compare=False)

    @classmethod
    def from_name(cls, name: str = "dev", environ: Mapping[str, str] | None = None) -> Profile:
        """Build a profile from its defaults, overridden by ML_* env vars and MONGO_URI."""
        if name not in PROFILE_DEFAULTS:
            raise InfraError(f"unknown profile {name!r} (expected one of: dev, test)")
        env = os.environ if environ is None else environ
        kafka, controller, mongo = PROFILE_DEFAULTS[name]
        state = Path(env.get("ML_STATE_DIR") or REPO_ROOT / ".local" / name)
        profile = cls(
            name=name,
            kafka_port=_port_from_env(env, "ML_KAFKA_PORT", kafka),
            kafka_controller_port=_port_from_env(env, "ML_KAFKA_CONTROLLER_PORT", controller),
            mongo_port=_port_from_env(env, "ML_MONGO_PORT", mongo),
            state_dir=(state if state.is_absolute() else REPO_ROOT / state).resolve(),
        )
        uri = env.get("MONGO_URI") or None
        # An exported URI pointing at this very profile's server is not "external".
        if uri is not None and uri.rstrip("/") != profile.local_mongo_uri.rstrip("/"):
            return dataclasses.replace(profile, external_mongo_uri=uri)
        return profile

    @property
    def kafka_bootstrap(self) -> str:
        """Bootstrap servers string of this profile's broker."""
        return f"{HOST}:{self.kafka_port}"

    @property
    def local_mongo_uri(self) -> str:
        """URI of the MongoDB-wire server this profile would start."""
        return f"mongodb://{HOST}:{self.mongo_port}/"

    @property
    def mongo_uri(self) -> str:
        """URI services should use: MONGO_URI if given, else the local server."""
        return self.external_mongo_uri or self.local_mongo_uri

    @property
    def logs_dir(self) -> Path:
        """Directory of log files."""
        return self.state_dir / "logs"

    @property
    def data_dir(self) -> Path:
        """Directory of persistent data (kept by ``down`` unless purged)."""
        return self.state_dir / "data"

    @property
    def env_file(self) -> Path:
        """File with KEY=value lines written by ``up``."""
        return self.state_dir / "env"

    @property
    def kafka_config(self) -> Path:
        """Generated server.properties."""
        return self.state_dir / "kafka" / "server.properties"

    def pid_file(self, component: Component) -> Path:
        """Pid file of a component."""
        return self.state_dir / f"{component}.pid"

    def env(self) -> dict[str, str]:
        """Environment variables services and tests need to reach this profile."""
        return {"KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap, "MONGO_URI": self.mongo_uri}


@dataclass(frozen=True)
class Started:
    """Outcome of bringing one component up."""

    component: Component
    address: str
    description: str
    pid: int | None
    note: str

    def line(self) -> str:
        """One human-readable summary line."""
        pid = f"pid {self.pid}" if self.pid else "-"
        return (
            f"{self.component:<6} {self.address:<28} {self.description:<26} {pid:<10} {self.note}"
        )


@dataclass(frozen=True)
class Spawned:
    """A component's process, and how long its logs were before this call started it."""

    component: Component
    pid: int
    started_now: bool
    log_offsets: dict[Path, int]


def _port_from_env(env: Mapping[str, str], key: str, default: int) -> int:
    """Read a TCP port from the environment."""
    raw = env.get(key)
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise InfraError(f"{key}={raw!r} is not a TCP port")
    return int(raw)


# --------------------------------------------------------------------------- processes


def _port_open(port: int, host: str = HOST) -> bool:
    """Whether something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


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


def _pid_alive(pid: int | None, marker: str) -> bool:
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
    return [pid for pid in pids if _pid_alive(pid, marker)]


def _read_pid(path: Path) -> int | None:
    """Pid stored in a pid file, or None."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _running_pid(profile: Profile, component: Component) -> int | None:
    """Pid of the component's live process (from its pid file, else found by command line)."""
    marker = _marker(profile, component)
    pid = _read_pid(profile.pid_file(component))
    if _pid_alive(pid, marker):
        return pid
    found = _find_pids(marker)
    return found[0] if found else None


def _spawn(cmd: list[str], log: Path, cwd: Path) -> int:
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


def _stop_pid(pid: int, marker: str, timeout: float = STOP_TIMEOUT) -> bool:
    """SIGTERM pid, wait up to timeout, then SIGKILL; return True if it had to be killed."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid, marker):
            return False
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while _pid_alive(pid, marker) and time.monotonic() < deadline + 10:
        time.sleep(0.1)
    return True


def _tail(path: Path, lines: int = 20) -> str:
    """Last lines of a text file ('' if absent)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            data = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def _run(
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
def _quiet(logger: str) -> Iterator[None]:
    """Silence a library logger (connection-refused noise while polling)."""
    log = logging.getLogger(logger)
    previous = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        log.setLevel(previous)


@contextlib.contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock so concurrent up/down/build steps do not interleave."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- prerequisites


def _require_tool(name: str, why: str) -> str:
    """Absolute path of a tool on PATH, or PrerequisiteError."""
    path = shutil.which(name)
    if path is None:
        raise PrerequisiteError(f"`{name}` not found on PATH: {why}")
    return path


def _java() -> str:
    """Path of a java >= 17 (JAVA_HOME first, then PATH)."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else None
    if java is None or not os.access(java, os.X_OK):
        java = _require_tool("java", f"Kafka {KAFKA_VERSION} needs Java >= {MIN_JAVA}")
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        raise PrerequisiteError(f"cannot tell the version of {java} (`java -version` output)")
    major = int(match.group(2) or 0) if match.group(1) == "1" else int(match.group(1))
    if major < MIN_JAVA:
        raise PrerequisiteError(
            f"{java} is Java {major}; Kafka {KAFKA_VERSION} needs >= {MIN_JAVA}"
        )
    return java


def _kafka_jars_present() -> bool:
    """Whether the Kafka runtime jars are already in the cache."""
    return KAFKA_CORE_JAR.is_file()


def _ferretdb_works() -> bool:
    """Whether the cached FerretDB binary runs and is the expected version."""
    if not os.access(FERRETDB_BIN, os.X_OK):
        return False
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        result = subprocess.run(
            [str(FERRETDB_BIN), "--version"], capture_output=True, text=True, timeout=20
        )
        return result.returncode == 0 and f"v{FERRETDB_VERSION}" in result.stdout
    return False


def _mongo_mode(profile: Profile) -> Literal["external", "mongod", "ferretdb"]:
    """Which MongoDB-wire server this profile uses."""
    if profile.external_mongo_uri:
        return "external"
    return "mongod" if shutil.which("mongod") else "ferretdb"


def check_prerequisites(profile: Profile) -> str:
    """Verify tools needed by ``up`` (raise PrerequisiteError); return the java path."""
    java = _java()
    if not _kafka_jars_present():
        _require_tool("mvn", f"needed once to fetch the Kafka {KAFKA_VERSION} jars")
    if _mongo_mode(profile) == "ferretdb" and not _ferretdb_works():
        _require_tool("go", f"needed once to build FerretDB {FERRETDB_VERSION} (no mongod on PATH)")
    return java


def ensure_kafka_jars(echo: Echo) -> None:
    """Fetch the Kafka runtime jars with Maven unless already cached."""
    if _kafka_jars_present():
        return
    mvn = _require_tool("mvn", f"needed once to fetch the Kafka {KAFKA_VERSION} jars")
    echo(f"fetching Kafka {KAFKA_VERSION} jars into {KAFKA_LIBS.relative_to(REPO_ROOT)} ...")
    started = time.monotonic()
    cmd = [mvn, "-B", "-q", "-f", str(KAFKA_POM), "dependency:copy-dependencies"]
    _run(cmd, "fetching the Kafka jars", timeout=900, cwd=REPO_ROOT)
    if not _kafka_jars_present():
        raise InfraError(f"Maven finished but {KAFKA_CORE_JAR} is missing")
    echo(f"fetched Kafka jars in {time.monotonic() - started:.1f}s")


def ensure_ferretdb(echo: Echo) -> None:
    """Build FerretDB into .cache/bin unless a working binary of the right version is there.

    A plain ``go install .../cmd/ferretdb@v1.24.2`` builds a binary that panics at start-up
    (build/version/version.txt is not part of the Go module), so this builds the same module
    from a writable copy with version.txt filled in.
    """
    if _ferretdb_works():
        return
    go = _require_tool("go", f"needed once to build FerretDB {FERRETDB_VERSION} (no mongod)")
    echo(f"building FerretDB {FERRETDB_VERSION} into {FERRETDB_BIN.relative_to(REPO_ROOT)} ...")
    started = time.monotonic()
    env = {**os.environ, "GOWORK": "off", "GOFLAGS": "-buildvcs=false"}
    source = _ferretdb_source(go, env)
    FERRETDB_BIN.parent.mkdir(parents=True, exist_ok=True)
    target = FERRETDB_BIN.with_name("ferretdb.tmp")
    cmd = [go, "build", "-o", str(target), "./cmd/ferretdb"]
    _run(cmd, "building FerretDB", 1800, cwd=source, env=env)
    target.replace(FERRETDB_BIN)
    if not _ferretdb_works():
        raise InfraError(f"built {FERRETDB_BIN} but `ferretdb --version` does not report it")
    echo(f"built FerretDB in {time.monotonic() - started:.1f}s")


def _ferretdb_source(go: str, env: Mapping[str, str]) -> Path:
    """Download the FerretDB module and copy it to .cache with its version.txt written."""
    module = f"{FERRETDB_MODULE}@v{FERRETDB_VERSION}"
    out = _run([go, "mod", "download", "-json", module], "downloading FerretDB", 900, env=env)
    module_dir = json.loads(out).get("Dir")
    if not module_dir:
        raise InfraError(f"`go mod download -json {module}` reported no source directory")
    tmp = FERRETDB_SRC.with_name(FERRETDB_SRC.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(module_dir, tmp)
    for path in (tmp, *tmp.rglob("*")):  # the module cache is read-only
        path.chmod(path.stat().st_mode | 0o200)
    (tmp / "build" / "version" / "version.txt").write_text(f"v{FERRETDB_VERSION}\n")
    shutil.rmtree(FERRETDB_SRC, ignore_errors=True)
    tmp.rename(FERRETDB_SRC)
    return FERRETDB_SRC


# --------------------------------------------------------------------------- kafka


def _marker(profile: Profile, component: Component) -> str:
    """A string only this profile's process of that component has on its command line."""
    if component == "kafka":
        return str(profile.kafka_config)
    if shutil.which("mongod"):
        return f"--dbpath {profile.data_dir / 'mongo'}"
    return f"--state-dir={profile.state_dir / 'ferretdb-state'}"


def _kafka_data_dir(profile: Profile) -> Path:
    """Kafka log.dirs (also the KRaft metadata log)."""
    return profile.data_dir / "kafka"


def _formatted_controller_port(profile: Profile) -> int | None:
    """Controller port of the existing server.properties, if storage was already formatted."""
    if not (_kafka_data_dir(profile) / "meta.properties").is_file():
        return None
    with contextlib.suppress(OSError):
        text = profile.kafka_config.read_text()
        match = re.search(r"^controller\.quorum\.bootstrap\.servers=.*:(\d+)\s*$", text, re.M)
        return int(match.group(1)) if match else None
    return None


def write_kafka_config(profile: Profile) -> Path:
    """Render server.properties for the profile into its state dir."""
    formatted = _formatted_controller_port(profile)
    if formatted is not None and formatted != profile.kafka_controller_port:
        raise InfraError(
            f"Kafka data in {_kafka_data_dir(profile)} was formatted with controller port "
            f"{formatted}; set ML_KAFKA_CONTROLLER_PORT={formatted} or run `down --purge`"
        )
    text = Template(SERVER_PROPERTIES_TEMPLATE.read_text()).substitute(
        profile=profile.name,
        port=profile.kafka_port,
        controller_port=profile.kafka_controller_port,
        log_dirs=_kafka_data_dir(profile),
    )
    profile.kafka_config.parent.mkdir(parents=True, exist_ok=True)
    profile.kafka_config.write_text(text)
    return profile.kafka_config


def _java_base(profile: Profile, java: str, heap: tuple[str, ...]) -> list[str]:
    """java executable, heap, JVM and logging options, and the Kafka classpath."""
    return [
        java,
        *heap,
        *KAFKA_JVM_OPTS,
        f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
        f"-Dkafka.logs.dir={profile.logs_dir}",
        "-cp",
        f"{KAFKA_LIBS}/*",
    ]


def format_kafka_storage(profile: Profile, java: str) -> bool:
    """Format KRaft storage once (skipped when meta.properties exists); True if formatted now."""
    if (_kafka_data_dir(profile) / "meta.properties").is_file():
        return False
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    cmd = [
        *_java_base(profile, java, ("-Xmx256m",)),
        "kafka.tools.StorageTool",
        "format",
        "--standalone",
        "-t",
        cluster_id,
        "-c",
        str(profile.kafka_config),
    ]
    _run(cmd, "formatting Kafka storage", timeout=120, cwd=profile.state_dir)
    return True


def _kafka_heap() -> tuple[str, ...]:
    """Heap options: KAFKA_HEAP_OPTS if set, else the small local default."""
    custom = os.environ.get("KAFKA_HEAP_OPTS")
    return tuple(shlex.split(custom)) if custom else KAFKA_HEAP_OPTS


def kafka_ready(bootstrap: str, timeout_ms: int = 3000) -> bool:
    """Whether a Kafka admin client can bootstrap and describe the cluster."""
    with warnings.catch_warnings():  # kafka-python 3.0.12 warns at import on Python 3.11
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka.admin import KafkaAdminClient

    with _quiet("kafka"):
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap,
                bootstrap_timeout_ms=timeout_ms,
                request_timeout_ms=timeout_ms,
                client_id="mastery-ledger-infra",
            )
        except Exception:
            return False
        try:
            cluster = admin.describe_cluster()
            return bool(cluster.get("brokers"))
        except Exception:
            return False
        finally:
            admin.close()


def _log_offsets(paths: list[Path]) -> dict[Path, int]:
    """Current sizes of log files (0 if absent), to report only output written after them."""
    return {path: path.stat().st_size if path.exists() else 0 for path in paths}


def _output_since(offsets: Mapping[Path, int], lines: int = 25) -> str:
    """The last lines each log gained since offsets, formatted for an error message."""
    parts = []
    for path, offset in offsets.items():
        with contextlib.suppress(OSError), path.open("rb") as fh:
            fh.seek(max(offset, path.stat().st_size - 64 * 1024))
            text = "\n".join(fh.read().decode(errors="replace").splitlines()[-lines:])
            if text.strip():
                parts.append(f"\n--- {path} ---\n{text}")
    return "".join(parts) or " (no new log output)"


def _await_ready(
    profile: Profile, spawned: Spawned, probe: Callable[[], bool], timeout: float, what: str
) -> float:
    """Poll probe until True; return seconds waited. On death/timeout stop it and raise."""
    started = time.monotonic()
    marker = _marker(profile, spawned.component)
    while time.monotonic() - started < timeout:
        if probe():
            return time.monotonic() - started
        if not _pid_alive(spawned.pid, marker):
            problem = "exited during start-up"
            break
        time.sleep(0.3)
    else:
        problem = f"not ready after {timeout:.0f}s"
    if spawned.started_now:
        _stop_component(profile, spawned.component)
    logs = _output_since(spawned.log_offsets)
    raise InfraError(f"{what} (pid {spawned.pid}) {problem}; its new log output:{logs}")


def _require_free(profile: Profile, component: Component) -> None:
    """Raise unless the ports of a (not running) component are free."""
    ports = {
        "kafka": (profile.kafka_port, profile.kafka_controller_port),
        "mongo": (profile.mongo_port,),
    }[component]
    for port in ports:
        if _port_open(port):
            raise InfraError(
                f"{component}: port {HOST}:{port} is already in use by a process that is not "
                f"this profile's ({profile.name}, {profile.state_dir}) {component}"
            )


def spawn_kafka(profile: Profile, java: str) -> Spawned:
    """Start this profile's Kafka unless it is running (it boots while the caller goes on)."""
    logs = _log_offsets([profile.logs_dir / "kafka.out", profile.logs_dir / "kafka.log"])
    pid = _running_pid(profile, "kafka")
    if pid is not None:
        profile.pid_file("kafka").write_text(f"{pid}\n")
        return Spawned("kafka", pid, False, logs)
    _require_free(profile, "kafka")
    config = write_kafka_config(profile)
    format_kafka_storage(profile, java)
    logs = _log_offsets(list(logs))
    cmd = [*_java_base(profile, java, _kafka_heap()), "kafka.Kafka", str(config)]
    pid = _spawn(cmd, profile.logs_dir / "kafka.out", cwd=profile.state_dir)
    profile.pid_file("kafka").write_text(f"{pid}\n")
    return Spawned("kafka", pid, True, logs)


def wait_kafka(profile: Profile, spawned: Spawned) -> Started:
    """Wait until the broker answers admin requests (a stuck new broker is stopped)."""

    def probe() -> bool:
        return _port_open(profile.kafka_port) and kafka_ready(profile.kafka_bootstrap)

    waited = _await_ready(profile, spawned, probe, KAFKA_READY_TIMEOUT, "Kafka")
    note = f"ready in {waited:.1f}s" if spawned.started_now else "already running"
    return Started(
        "kafka", profile.kafka_bootstrap, f"Apache Kafka {KAFKA_VERSION}", spawned.pid, note
    )


# --------------------------------------------------------------------------- mongo


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
        mongod = _require_tool("mongod", "vanished from PATH")
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
        f"--sqlite-url=file:{data}/",
        f"--listen-addr={HOST}:{profile.mongo_port}",
        "--telemetry=disable",
        f"--state-dir={state}",
        "--debug-addr=-",
        "--log-level=error",  # WARN dumps every failed command (e.g. endSessions)
    ]


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
    logs = _log_offsets([profile.logs_dir / "mongo.log"])
    pid = _running_pid(profile, "mongo")
    if pid is None:
        _require_free(profile, "mongo")
        cmd = _mongo_command(profile, mode)
        pid = _spawn(cmd, profile.logs_dir / "mongo.log", profile.state_dir)
        started_now = True
    else:
        started_now = False
    profile.pid_file("mongo").write_text(f"{pid}\n")
    return Spawned("mongo", pid, started_now, logs)


def start_mongo(profile: Profile) -> Started:
    """Start (or verify) the MongoDB-wire server and wait until it answers ``ping``."""
    mode = _mongo_mode(profile)
    description = _mongo_description(mode)
    if mode == "external":
        uri = profile.mongo_uri
        if not mongo_ready(uri, timeout_ms=5000):
            raise InfraError(f"MONGO_URI={_redact(uri)} is set but does not answer ping")
        return Started("mongo", _redact(uri), description, None, "reachable")
    spawned = spawn_mongo(profile, mode)

    def probe() -> bool:
        return _port_open(profile.mongo_port) and mongo_ready(profile.local_mongo_uri)

    waited = _await_ready(profile, spawned, probe, MONGO_READY_TIMEOUT, description)
    note = f"ready in {waited:.1f}s" if spawned.started_now else "already running"
    return Started("mongo", profile.local_mongo_uri, description, spawned.pid, note)


# --------------------------------------------------------------------------- public API


def _write_env_file(profile: Profile) -> None:
    """Write KEY=value lines for the profile into <state>/env."""
    lines = [f"{key}={value}\n" for key, value in profile.env().items()]
    profile.env_file.write_text("".join(lines))


def _preflight_ports(profile: Profile) -> None:
    """Fail before starting anything if a stopped component's port is taken."""
    for component in COMPONENTS:
        external = component == "mongo" and profile.external_mongo_uri is not None
        if not external and _running_pid(profile, component) is None:
            _require_free(profile, component)


def up(profile: Profile, echo: Echo | None = None) -> dict[str, str]:
    """Start Kafka and the MongoDB-wire server (idempotent); return the env mapping."""
    say: Echo = echo or (lambda _line: None)
    java = check_prerequisites(profile)
    with _locked(CACHE_DIR / ".build.lock"):  # shared by every profile
        ensure_kafka_jars(say)
        if _mongo_mode(profile) == "ferretdb":
            ensure_ferretdb(say)
    with _locked(profile.state_dir / ".lock"):
        (profile.state_dir / STATE_MARKER).touch()
        profile.logs_dir.mkdir(parents=True, exist_ok=True)
        _preflight_ports(profile)
        kafka = spawn_kafka(profile, java)  # boots while mongo starts
        say(start_mongo(profile).line())
        say(wait_kafka(profile, kafka).line())
        _write_env_file(profile)
    return profile.env()


def _stop_component(profile: Profile, component: Component) -> list[int]:
    """Stop every process of the component in this profile; return the pids stopped."""
    marker = _marker(profile, component)
    recorded = _read_pid(profile.pid_file(component))
    pids = set(_find_pids(marker))
    if recorded is not None and _pid_alive(recorded, marker):
        pids.add(recorded)
    for pid in sorted(pids):
        _stop_pid(pid, marker)
    profile.pid_file(component).unlink(missing_ok=True)
    return sorted(pids)


def down(profile: Profile, purge: bool = False, echo: Echo | None = None) -> None:
    """Stop this profile's processes (idempotent); with purge also delete its state dir."""
    say: Echo = echo or (lambda _line: None)
    if not profile.state_dir.exists():
        say(f"nothing to stop: {profile.state_dir} does not exist")
        return
    with _locked(profile.state_dir / ".lock"):
        for component in COMPONENTS:
            stopped = _stop_component(profile, component)
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
    kafka_pid = _running_pid(profile, "kafka")
    kafka = ComponentStatus(
        running=kafka_pid is not None and _port_open(profile.kafka_port),
        pid=kafka_pid,
        address=profile.kafka_bootstrap,
        detail=f"Apache Kafka {KAFKA_VERSION}",
    )
    return {"kafka": kafka, "mongo": _mongo_status(profile)}


def _mongo_status(profile: Profile) -> ComponentStatus:
    """State of the MongoDB-wire server (an external one is pinged)."""
    mode = _mongo_mode(profile)
    if mode == "external":
        uri = profile.mongo_uri
        return ComponentStatus(
            running=mongo_ready(uri), pid=None, address=_redact(uri), detail="MONGO_URI given"
        )
    pid = _running_pid(profile, "mongo")
    return ComponentStatus(
        running=pid is not None and _port_open(profile.mongo_port),
        pid=pid,
        address=profile.local_mongo_uri,
        detail=_mongo_description(mode),
    )


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


def _log_files(profile: Profile, component: str | None) -> list[Path]:
    """Log files of one component (or all)."""
    files = {
        "kafka": [profile.logs_dir / "kafka.out", profile.logs_dir / "kafka.log"],
        "mongo": [profile.logs_dir / "mongo.log"],
    }
    chosen = [files[component]] if component else list(files.values())
    return [path for group in chosen for path in group if path.exists()]


def _cmd_logs(profile: Profile, args: argparse.Namespace) -> int:
    """CLI: logs (tail, optionally follow)."""
    paths = _log_files(profile, args.component)
    if not paths:
        print(f"no logs under {profile.logs_dir}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"==> {path} <==\n{_tail(path, args.lines)}")
    if args.follow:
        _follow(paths)
    return 0


def _follow(paths: list[Path]) -> None:
    """Print lines appended to the files until interrupted."""
    offsets = {path: path.stat().st_size for path in paths}
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            for path in paths:
                with contextlib.suppress(OSError), path.open("rb") as fh:
                    size = path.stat().st_size
                    fh.seek(offsets[path] if size >= offsets[path] else 0)
                    chunk = fh.read()
                    offsets[path] = fh.tell()
                    if chunk:
                        sys.stdout.write(chunk.decode(errors="replace"))
                        sys.stdout.flush()
            time.sleep(0.5)


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
