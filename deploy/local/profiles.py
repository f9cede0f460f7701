"""Profiles (ports and state directory of one local environment), shared types and errors.

Everything else in deploy/local builds on this module; it imports nothing from them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypedDict

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CACHE_DIR = REPO_ROOT / ".cache"
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
