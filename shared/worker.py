"""Worker processes: their named loops (outbox relay, consumers, ...) in threads until
SIGTERM, with /metrics, /healthz and /readyz on the worker's metrics port when it has one."""

from __future__ import annotations

import logging
import signal
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kafka import KafkaConsumer
from pymongo.errors import ConnectionFailure

from shared.config import ServiceConfig
from shared.domain.errors import ConcurrencyConflict
from shared.logs import configure_logging
from shared.messaging.consumer_runner import ConsumerRunner, Handler, KafkaDeadLetters
from shared.messaging.dead_letters import replay_topic
from shared.messaging.doorbell import DoorbellListener, parse_address
from shared.messaging.kafka_publisher import KafkaPublisher
from shared.messaging.lease import COLLECTION as LEASES
from shared.messaging.lease import Lease
from shared.messaging.outbox_relay import Fenced, OutboxRelay
from shared.messaging.rewind import PositionSource
from shared.messaging.topics import ensure_topic, ensure_topics
from shared.observability.health import Health
from shared.observability.metrics import LEASE_HELD, WORKER_LOOPS_UP
from shared.observability.worker_server import WorkerServer
from shared.privacy.key_topic import KeyTopic
from shared.resources import Resources

log = logging.getLogger(__name__)


SESSION_TIMEOUT_MS = 15_000  # a member gone this long loses its partitions to the others


@dataclass(frozen=True)
class Loop:
    """One loop of a worker: its name (its thread's, and in the metrics and /readyz) and what
    runs until the stop event is set."""

    name: str
    run: Callable[[threading.Event], None]

    def __call__(self, stop: threading.Event) -> None:
        self.run(stop)


def run_loops(
    name: str, loops: Sequence[Loop], stop: threading.Event | None = None,
    health: Health | None = None,
) -> int:  # fmt: skip
    """Start each loop in a thread; stop all on a signal or when one dies. Exit code returned."""
    stop = stop or threading.Event()
    failed = threading.Event()
    health = health or Health()
    service = name.removesuffix("-worker")

    def guard(loop: Loop) -> None:
        health.started(loop.name)
        WORKER_LOOPS_UP.labels(service, loop.name).set(1)
        reason = "the worker stopped"
        try:
            loop(stop)
        except Exception as exc:
            log.exception("worker loop crashed", extra={"worker": name, "loop": loop.name})
            reason = f"crashed: {type(exc).__name__}"
            failed.set()
            stop.set()
        finally:
            WORKER_LOOPS_UP.labels(service, loop.name).set(0)
            health.stopped(loop.name, reason)

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    threads = [threading.Thread(target=guard, args=(loop,), name=f"{name}-{loop.name}")
               for loop in loops]  # fmt: skip
    for thread in threads:
        thread.start()
    log.info("worker started", extra={"worker": name, "loops": len(loops)})
    while any(t.is_alive() for t in threads):
        stop.wait(0.5)
        if stop.is_set():
            for thread in threads:
                thread.join()
    log.info("worker stopped", extra={"worker": name})
    return 1 if failed.is_set() else 0


def leased(resources: Resources, job: str, build: Callable[[Lease], Sequence[Loop]]) -> Loop:
    """Loops that one worker of the service runs at a time (an outbox relay, the webhook
    dispatcher with its fan-out): this worker runs them, built by `build` at each take, while
    it holds the job's lease (shared/messaging/lease.py), and stands by otherwise. A lost lease
    (renewal failed: the database away, or this worker paused past its expiry) stops them; a
    clean stop releases it, so another worker takes over at once, a dead one's within the
    lease's TTL. A loop that crashes crashes the worker, as any loop does."""
    config = resources.config
    name = f"lease:{job}"
    holder = f"{config.process_name or config.service}:{uuid.uuid4().hex[:8]}"
    lease = Lease(resources.database[LEASES], job, holder)
    health = resources.health

    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            if not lease.acquire():
                LEASE_HELD.labels(config.service, job).set(0)
                health.beat(name)  # standing by is as it should be
                stop.wait(lease.renew_every)
                continue
            LEASE_HELD.labels(config.service, job).set(1)
            health.beat(name)
            _run_while_held(lease, build(lease), stop, lambda: health.beat(name), health)
            LEASE_HELD.labels(config.service, job).set(0)
        lease.release()

    return Loop(name, run)


def _run_while_held(lease: Lease, loops: Sequence[Loop], stop: threading.Event,
                    beat: Callable[[], None], health: Health) -> None:  # fmt: skip
    """Run the loops until `stop` or the lease is lost; re-raise a loop's crash."""
    held = threading.Event()
    crashed: list[BaseException] = []

    def guard(loop: Loop) -> None:
        try:
            loop(held)
        except Fenced:
            log.warning("fenced off: another worker holds the lease", extra={"job": lease.job})
            held.set()
        except Exception as exc:
            crashed.append(exc)
            held.set()

    threads = [threading.Thread(target=guard, args=(loop,), name=loop.name) for loop in loops]
    for thread in threads:
        thread.start()
    while not stop.is_set() and not held.is_set():
        stop.wait(lease.renew_every)
        if stop.is_set() or held.is_set():
            break
        if not lease.acquire():
            log.warning("lease lost: its loops stop here", extra={"job": lease.job})
            break
        beat()
    held.set()
    for thread in threads:
        thread.join()
    for loop in loops:
        health.forget(loop.name)
    if crashed:
        lease.release()
        raise crashed[0]


def key_topic(resources: Resources) -> KeyTopic:
    """This worker's follower and publisher of the subject-keys topic."""
    config = resources.config
    return KeyTopic(resources.subject_keys, config.kafka_bootstrap_servers,
                    config.subject_keys_topic)  # fmt: skip


def key_loop(resources: Resources, keys: KeyTopic | None = None) -> Loop:
    """The subject keys' loop (every worker runs one): follow the subject-keys topic from its
    beginning into this service's keys, and publish this service's key changes (the relay
    given the same KeyTopic publishes them too, before each batch of events)."""
    keys = keys or key_topic(resources)
    health = resources.health

    def step() -> None:
        health.beat("subject-keys", ready=keys.caught_up,
                    waiting_for="the subject-keys topic read to its end")  # fmt: skip

    return Loop("subject-keys", lambda stop: keys.run(stop, on_step=step))


def relay_loop(
    resources: Resources, context: str, keys: KeyTopic | None = None, lease: Lease | None = None
) -> Loop:
    """The outbox relay of a write service, publishing to its context's topic (and, first,
    the subject keys its events need, when given the worker's KeyTopic); fenced by `lease`
    when given (it then runs under `leased`)."""
    config = resources.config
    name = f"relay:{context}"
    relay = OutboxRelay(
        resources.event_store,
        KafkaPublisher(config.kafka_bootstrap_servers),
        config.topic(context),
        before_batch=keys.send_caught_up if keys is not None else None,
        service=config.service,
        on_pass=lambda: resources.health.beat(name),
        fence=lease.still_held if lease is not None else None,
    )
    address = parse_address(config.relay_doorbell)

    def loop(stop: threading.Event) -> None:
        doorbell = _listen(address) if address else None
        try:
            relay.run(stop, config.relay_poll_seconds, doorbell)
        finally:
            if doorbell is not None:
                doorbell.close()

    return Loop(name, loop)


def _listen(address: tuple[str, int]) -> DoorbellListener | None:
    """The relay's doorbell; None (polling only) when its address cannot be bound, e.g. a
    second worker of the service on the same host."""
    try:
        return DoorbellListener(address)
    except OSError as exc:
        log.warning("relay doorbell unavailable; polling only",
                    extra={"address": f"{address[0]}:{address[1]}", "error": str(exc)})  # fmt: skip
        return None


def housekeeping_loop(resources: Resources, every_seconds: float = 3600.0) -> Loop:
    """Forget Idempotency-Key answers past their 24 hours, once an hour."""

    def loop(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                purged = resources.idempotency.purge(datetime.now(UTC))
                log.info("idempotency keys purged", extra={"purged": purged})
            except ConnectionFailure:
                log.warning("idempotency purge failed; next time", exc_info=True)
            stop.wait(every_seconds)

    return Loop("housekeeping", loop)


def consumer_loop(
    resources: Resources,
    contexts: Sequence[str],
    handler: Handler,
    positions: PositionSource | None = None,
    group: str | None = None,
    extra_topics: Sequence[str] = (),
    static: bool = True,
) -> Loop:
    """A consumer of the contexts' topics (and `extra_topics`, by name, and the group's replay
    topic) in this service's group (or `group`), feeding `handler`; rewound where `positions`
    says (on assignment and between batches) when given. As a static member (`static`, with
    a process name) a restarted worker gets its partitions back at once; a consumer run under a
    lease is not one, so that its clean stop leaves the group at once and the next holder's
    consumer gets the partitions without waiting out the session timeout."""
    config = resources.config
    group = group or config.group_id
    # the group's replayed dead letters too (shared/messaging/dead_letters.py)
    replays = replay_topic(group)
    ensure_topic(config, replays)
    topics = [*(config.topic(c) for c in contexts), *extra_topics, replays]
    consumer = KafkaConsumer(
        bootstrap_servers=config.kafka_bootstrap_servers,
        group_id=group,
        client_id=group,
        # a restarted member with the same instance id keeps its partitions (no rebalance);
        # one that does not come back loses them after the session timeout
        group_instance_id=f"{group}.{config.process_name}"
        if static and config.process_name
        else None,
        session_timeout_ms=SESSION_TIMEOUT_MS,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        metadata_max_age_ms=30_000,
    )
    await_partitions(consumer, topics)
    runner = ConsumerRunner(
        consumer,
        handler,
        KafkaDeadLetters(config.kafka_bootstrap_servers, group),
        max_attempts=config.consumer_max_attempts,
        is_transient=lambda exc: isinstance(exc, ConnectionFailure | ConcurrencyConflict),
        positions=positions,
        health=resources.health,
    )
    runner.subscribe(topics)
    return Loop(f"consumer:{group}", runner.run)


def await_partitions(consumer: KafkaConsumer, topics: Sequence[str], timeout: float = 30) -> None:
    """Wait until the consumer's metadata knows every topic's partitions: joining a group
    before that assigns nothing, and the consumer would sit idle until its next refresh."""
    deadline = time.monotonic() + timeout
    while not all(consumer.partitions_for_topic(t) for t in topics):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no partition metadata for {', '.join(topics)}")
        time.sleep(0.2)


@dataclass(frozen=True)
class Worker:
    """What a worker's composition root (its `bootstrap(config)`) builds: its loops, and the
    resources they share, closed once the loops stopped."""

    loops: Sequence[Loop]
    resources: Resources


def run_worker(service: str, bootstrap: Callable[[ServiceConfig], Worker]) -> None:
    """Entry point of `python -m services.<service>.worker`: topics, loops, exit code."""
    config = ServiceConfig.from_env(service)
    configure_logging(config.log_level)
    # served from the start: a worker still joining its groups answers /readyz with 503
    server = (WorkerServer(config.metrics_host, config.metrics_port).start()
              if config.metrics_port else None)  # fmt: skip
    ensure_topics(config)
    worker = bootstrap(config)
    health = worker.resources.health
    if server is not None:
        server.health = health
    try:
        code = run_loops(f"{service}-worker", worker.loops, health=health)
    finally:
        if server is not None:
            server.close()
        worker.resources.close()
    raise SystemExit(code)


def leased_relay(resources: Resources, context: str, keys: KeyTopic | None = None) -> Loop:
    """The outbox relay run by one worker of the service at a time, fenced by its lease."""
    return leased(resources, f"relay:{context}",
                  lambda lease: [relay_loop(resources, context, keys, lease)])  # fmt: skip
