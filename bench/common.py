"""What the benchmarks share: percentiles, tables, and the isolated infrastructure and stack.

Everything runs on a profile of its own (state in .local/bench, Kafka 29192/29193, the
Mongo-wire server 27119, APIs from 28181, bench.peer's PostgreSQL 25432), so a benchmark
never touches `make run` or `make test`; the ML_* variables override those defaults. Each
benchmark that needs the services starts the six processes with topics and databases of its
own (a unique ML_TOPIC_PREFIX and ML_DB_PREFIX), as the end-to-end fixture does.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from pymongo import MongoClient, monitoring
from pymongo.database import Database
from requests.adapters import HTTPAdapter

from deploy.local import infra, stack
from shared.auth.tokens import mint
from shared.config import ServiceConfig
from shared.resources import mongo_client

# The bench profile: away from dev (9092/27017/8081) and test (19092/27018/18081).
BENCH_ENV = {
    "ML_STATE_DIR": ".local/bench",
    "ML_KAFKA_PORT": "29192",
    "ML_KAFKA_CONTROLLER_PORT": "29193",
    "ML_MONGO_PORT": "27119",
    "ML_API_BASE_PORT": "28181",
    "ML_POSTGRES_PORT": "25432",
}


def say(line: str = "") -> None:
    """Progress and results go to stdout, unbuffered."""
    print(line, flush=True)


# --------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Latency:
    """A sample of durations in seconds, summarised."""

    samples: tuple[float, ...]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Latency:
        return cls(tuple(samples))

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 99)

    @property
    def mean(self) -> float:
        return sum(self.samples) / len(self.samples) if self.samples else math.nan

    @property
    def max(self) -> float:
        return max(self.samples, default=math.nan)

    def row(self, name: str) -> list[str]:
        """name, n, p50, p99, mean, max (milliseconds)."""
        return [name, str(self.n), ms(self.p50), ms(self.p99), ms(self.mean), ms(self.max)]


LATENCY_HEADERS = ["", "n", "p50 ms", "p99 ms", "mean ms", "max ms"]


def ms(seconds: float) -> str:
    """Seconds as milliseconds, with precision that suits the size."""
    if math.isnan(seconds):
        return "-"
    value = seconds * 1000
    return f"{value:,.3f}" if value < 1 else f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator (nan when undefined)."""
    return numerator / denominator if denominator and not math.isnan(denominator) else math.nan


def verdict(met: bool) -> str:
    return "target met" if met else "TARGET MISSED"


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print an aligned table: first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    say(f"\n{title}")
    say(line(cells[0]))
    say("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        say(line(row))


def timed(action: Callable[[], Any]) -> float:
    """How long one call took, in seconds (perf_counter)."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- the system


@dataclass
class System:
    """The six processes of one benchmark: URLs, environment, tokens, databases."""

    urls: dict[str, str]
    env: dict[str, str]
    mongo: MongoClient[Any]
    http: requests.Session = field(default_factory=requests.Session)

    def config(self, service: str) -> ServiceConfig:
        return ServiceConfig.from_env(service, env=self.env)

    def database(self, service: str) -> Database[Any]:
        return self.mongo[self.config(service).database]

    def headers(self, subject: str, role: str, tenant: str = "acme") -> dict[str, str]:
        config = self.config("bench")
        token = mint(config.jwt_secret, subject=subject, tenant=tenant, roles=[role],
                     issuer=config.jwt_issuer, audience=config.jwt_audience,
                     name=subject)  # fmt: skip
        return {"Authorization": f"Bearer {token}"}


class Bench:
    """The bench profile's infrastructure for one run, and the stack when a benchmark needs it.

    Use as a context manager: on exit every process it started is stopped and the profile's
    state directory (data, logs) is deleted.
    """

    def __init__(self) -> None:
        for key, value in BENCH_ENV.items():
            os.environ.setdefault(key, value)
        self.profile = infra.Profile.from_name("test")  # ports and state from the env above
        self.run_id = uuid.uuid4().hex[:6]
        self.infra_env: dict[str, str] = {}
        self._mongo: MongoClient[Any] | None = None
        self._system: System | None = None

    def __enter__(self) -> Bench:
        profile = self.profile
        apis = os.environ["ML_API_BASE_PORT"]
        say(f"bench profile: state {profile.state_dir}, Kafka {profile.kafka_bootstrap}, "
            f"Mongo-wire {profile.local_mongo_uri}, APIs from port {apis}")  # fmt: skip
        stack.stop(profile)  # leftovers of an interrupted run
        self.infra_env = infra.up(profile, echo=lambda line: say(f"  {line}"))
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_system()
        if self._mongo is not None:
            self._mongo.close()
        infra.down(self.profile, purge=True)
        say(f"\nstopped the bench infrastructure and removed {self.profile.state_dir}")

    @property
    def mongo(self) -> MongoClient[Any]:
        """A client of the bench Mongo-wire server (the services' own settings)."""
        if self._mongo is None:
            self._mongo = mongo_client(self.infra_env["MONGO_URI"])
        return self._mongo

    def database(self, name: str) -> Database[Any]:
        """A scratch database of this run."""
        return self.mongo[f"bench_{self.run_id}_{name}"]

    def start_system(self, label: str, **extra_env: str) -> System:
        """Start the six processes with topics and databases of their own (`label`)."""
        self.stop_system()
        env = stack.system_env(self.profile, self.infra_env) | {
            "ML_TOPIC_PREFIX": f"bench{self.run_id}{label}",
            "ML_DB_PREFIX": f"bench_{self.run_id}_{label}",
            "WEB_CONCURRENCY": "2",
            **extra_env,
        }
        say(f"starting the six processes (topics {env['ML_TOPIC_PREFIX']}.*, "
            f"databases {env['ML_DB_PREFIX']}_*) ...")  # fmt: skip
        started = stack.start(self.profile, env)
        urls = {p.name.removesuffix("-api"): p.url for p in started if p.port}
        session = requests.Session()
        session.trust_env = False  # no proxies for 127.0.0.1
        session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=64))
        self._system = System(urls, env, self.mongo, session)
        return self._system

    def stop_system(self) -> None:
        """Stop the six processes, if running."""
        if self._system is not None:
            self._system.http.close()
            self._system = None
        stack.stop(self.profile)


@contextmanager
def bench() -> Iterator[Bench]:
    """A Bench for one `python -m bench.<name>` run."""
    with Bench() as running:
        yield running


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll a condition until it holds or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@contextmanager
def listening(listener: monitoring.CommandListener) -> Iterator[None]:
    """Register a command listener for the MongoDB clients created inside the block only: a
    client copies the global listeners when it is created; pymongo has no public unregister."""
    monitoring.register(listener)
    try:
        yield
    finally:
        monitoring._LISTENERS.command_listeners.remove(listener)
