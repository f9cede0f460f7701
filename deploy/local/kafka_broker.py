"""The single-node Kafka (KRaft) broker: server.properties, storage format, start, readiness."""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import shlex
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from string import Template

from deploy.local import processes
from deploy.local.logs import log_offsets
from deploy.local.prerequisites import KAFKA_LIBS, KAFKA_VERSION
from deploy.local.profiles import HERE, ComponentStatus, InfraError, Profile, Spawned, Started

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
KAFKA_READY_TIMEOUT = 90.0


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


def new_cluster_id() -> str:
    """A random KRaft cluster id, base64url like Kafka's own.

    Like Kafka's ``Uuid.randomUuid`` it never starts with '-': the storage tool's
    argument parser would read such an id as an option and refuse to format.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def format_kafka_storage(profile: Profile, java: str) -> bool:
    """Format KRaft storage once (skipped when meta.properties exists); True if formatted now."""
    if (_kafka_data_dir(profile) / "meta.properties").is_file():
        return False
    cmd = [
        *_java_base(profile, java, ("-Xmx256m",)),
        "kafka.tools.StorageTool",
        "format",
        "--standalone",
        f"--cluster-id={new_cluster_id()}",
        "-c",
        str(profile.kafka_config),
    ]
    processes.run(cmd, "formatting Kafka storage", timeout=120, cwd=profile.state_dir)
    return True


def _kafka_heap() -> tuple[str, ...]:
    """Heap options: KAFKA_HEAP_OPTS if set, else the small local default."""
    custom = os.environ.get("KAFKA_HEAP_OPTS")
    return tuple(shlex.split(custom)) if custom else KAFKA_HEAP_OPTS


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


def spawn_kafka(profile: Profile, java: str) -> Spawned:
    """Start this profile's Kafka unless it is running (it boots while the caller goes on)."""
    logs = log_offsets([profile.logs_dir / "kafka.out", profile.logs_dir / "kafka.log"])
    pid = processes.running_pid(profile, "kafka")
    if pid is not None:
        profile.pid_file("kafka").write_text(f"{pid}\n")
        return Spawned("kafka", pid, False, logs)
    processes.require_free(profile, "kafka")
    config = write_kafka_config(profile)
    format_kafka_storage(profile, java)
    logs = log_offsets(list(logs))
    cmd = [*_java_base(profile, java, _kafka_heap()), "kafka.Kafka", str(config)]
    pid = processes.spawn(cmd, profile.logs_dir / "kafka.out", cwd=profile.state_dir)
    profile.pid_file("kafka").write_text(f"{pid}\n")
    return Spawned("kafka", pid, True, logs)


def wait_kafka(profile: Profile, spawned: Spawned) -> Started:
    """Wait until the broker answers admin requests (a stuck new broker is stopped)."""

    def probe() -> bool:
        return processes.port_open(profile.kafka_port) and kafka_ready(profile.kafka_bootstrap)

    waited = processes.await_ready(profile, spawned, probe, KAFKA_READY_TIMEOUT, "Kafka")
    note = f"ready in {waited:.1f}s" if spawned.started_now else "already running"
    return Started(
        "kafka", profile.kafka_bootstrap, f"Apache Kafka {KAFKA_VERSION}", spawned.pid, note
    )


def kafka_status(profile: Profile) -> ComponentStatus:
    """State of this profile's broker (running once its port accepts connections)."""
    pid = processes.running_pid(profile, "kafka")
    return ComponentStatus(
        running=pid is not None and processes.port_open(profile.kafka_port),
        pid=pid,
        address=profile.kafka_bootstrap,
        detail=f"Apache Kafka {KAFKA_VERSION}",
    )
