"""Worker processes: their loops (outbox relay, consumers) in threads until SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kafka import KafkaConsumer
from pymongo.errors import ConnectionFailure

from shared.config import ServiceConfig
from shared.domain.errors import ConcurrencyConflict
from shared.logs import configure_logging
from shared.messaging.consumer_runner import ConsumerRunner, Handler, KafkaDeadLetters
from shared.messaging.doorbell import DoorbellListener, parse_address
from shared.messaging.kafka_publisher import KafkaPublisher
from shared.messaging.outbox_relay import OutboxRelay
from shared.messaging.rewind import PositionSource
from shared.messaging.topics import ensure_topics
from shared.privacy.key_topic import KeyTopic
from shared.resources import Resources

log = logging.getLogger(__name__)

Loop = Callable[[threading.Event], None]


def run_loops(name: str, loops: Sequence[Loop], stop: threading.Event | None = None) -> int:
    """Start each loop in a thread; stop all on a signal or when one dies. Exit code returned."""
    stop = stop or threading.Event()
    failed = threading.Event()

    def guard(loop: Loop) -> None:
        try:
            loop(stop)
        except Exception:
            log.exception("worker loop crashed", extra={"worker": name})
            failed.set()
            stop.set()

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    threads = [
        threading.Thread(target=guard, args=(loop,), name=f"{name}-{i}")
        for i, loop in enumerate(loops)
    ]
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


def key_topic(resources: Resources) -> KeyTopic:
    """This worker's follower and publisher of the subject-keys topic."""
    config = resources.config
    return KeyTopic(resources.subject_keys, config.kafka_bootstrap_servers,
                    config.subject_keys_topic)  # fmt: skip


def key_loop(resources: Resources, keys: KeyTopic | None = None) -> Loop:
    """The subject keys' loop (every worker runs one): follow the subject-keys topic from its
    beginning into this service's keys, and publish this service's key changes (the relay
    given the same KeyTopic publishes them too, before each batch of events)."""
    return (keys or key_topic(resources)).run


def relay_loop(resources: Resources, context: str, keys: KeyTopic | None = None) -> Loop:
    """The outbox relay of a write service, publishing to its context's topic (and, first,
    the subject keys its events need, when given the worker's KeyTopic)."""
    config = resources.config
    relay = OutboxRelay(
        resources.event_store,
        KafkaPublisher(config.kafka_bootstrap_servers),
        config.topic(context),
        before_batch=keys.send_caught_up if keys is not None else None,
    )
    address = parse_address(config.relay_doorbell)

    def loop(stop: threading.Event) -> None:
        doorbell = _listen(address) if address else None
        try:
            relay.run(stop, config.relay_poll_seconds, doorbell)
        finally:
            if doorbell is not None:
                doorbell.close()

    return loop


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

    return loop


def consumer_loop(
    resources: Resources,
    contexts: Sequence[str],
    handler: Handler,
    positions: PositionSource | None = None,
    group: str | None = None,
    extra_topics: Sequence[str] = (),
) -> Loop:
    """A consumer of the contexts' topics (and `extra_topics`, by name) in this service's
    group (or `group`), feeding `handler`; rewound where `positions` says (on assignment and
    between batches) when given."""
    config = resources.config
    topics = [*(config.topic(c) for c in contexts), *extra_topics]
    group = group or config.group_id
    consumer = KafkaConsumer(
        bootstrap_servers=config.kafka_bootstrap_servers,
        group_id=group,
        client_id=group,
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
    )
    runner.subscribe(topics)
    return runner.run


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
    ensure_topics(config)
    worker = bootstrap(config)
    try:
        code = run_loops(f"{service}-worker", worker.loops)
    finally:
        worker.resources.close()
    raise SystemExit(code)
