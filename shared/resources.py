"""Per-process connections, created on first use (after gunicorn forks), never at import."""

from __future__ import annotations

import threading
from typing import Any

from kafka.admin import KafkaAdminClient
from pymongo import MongoClient
from pymongo.database import Database

from shared.config import ServiceConfig
from shared.crypto.secret_box import SecretBox
from shared.eventstore.mongo_event_store import MongoEventStore
from shared.eventstore.port import EventStore
from shared.eventstore.write_tracking import TrackedStore, WriteTracker
from shared.messaging.doorbell import Doorbell, parse_address
from shared.observability.health import Health
from shared.privacy.key_store import KeyTable, MemoryKeyTable, MongoKeyTable, SubjectKeys
from shared.privacy.subject_index import MemorySubjectIndex, MongoSubjectIndex, SubjectIndex
from shared.projections.engagement_directory import EngagementDirectory, MongoEngagementDirectory
from shared.web.idempotency_store import COLLECTION as IDEMPOTENCY_KEYS
from shared.web.idempotency_store import IdempotencyStore, MongoIdempotencyStore


def mongo_client(uri: str) -> MongoClient[Any]:
    """A MongoDB (or FerretDB) client with fail-fast timeouts. A server that stops answering
    on an open connection fails the call after 20 s, inside gunicorn's 30 s request timeout,
    so the client gets a 503 rather than a killed worker."""
    return MongoClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000,
        socketTimeoutMS=20_000, appname="ml",
    )  # fmt: skip


class Resources:
    """Lazily opened MongoDB database and Kafka admin client of one process."""

    def __init__(
        self,
        config: ServiceConfig,
        event_store: EventStore | None = None,
        directory: EngagementDirectory | None = None,
        idempotency: IdempotencyStore | None = None,
        key_table: KeyTable | None = None,
    ) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._mongo: MongoClient[Any] | None = None
        self._admin: KafkaAdminClient | None = None
        # every append is noted, for the Idempotency-Key handling (write_tracking)
        self.writes = WriteTracker()
        self._store: EventStore | None = (
            TrackedStore(event_store, self.writes) if event_store else None
        )
        self._directory: EngagementDirectory | None = directory
        self._idempotency: IdempotencyStore | None = idempotency
        # an event store handed in (an in-process run) keeps its subject keys in memory too
        self._key_table = key_table or (MemoryKeyTable() if event_store else None)
        self._subject_keys: SubjectKeys | None = None
        self._subject_index: SubjectIndex | None = MemorySubjectIndex() if event_store else None
        self.doorbell = Doorbell(parse_address(config.relay_doorbell))
        # a worker's loops report their progress here; its /readyz reads it
        self.health = Health()

    @property
    def database(self) -> Database[Any]:
        """The service's own database."""
        with self._lock:
            if self._mongo is None:
                self._mongo = mongo_client(self.config.mongo_uri)
            return self._mongo[self.config.database]

    @property
    def event_store(self) -> EventStore:
        """The service's event store, its indexes ensured once per process."""
        if self._store is None:
            store = MongoEventStore(self.database, on_append=self.doorbell.ring)
            store.setup()
            self._store = TrackedStore(store, self.writes)
        return self._store

    @property
    def engagement_directory(self) -> EngagementDirectory:
        """The engagement directory this service keeps from the assessment topic."""
        if self._directory is None:
            directory = MongoEngagementDirectory.of(self.database)
            directory.setup()
            self._directory = directory
        return self._directory

    @property
    def idempotency(self) -> IdempotencyStore:
        """The requests this service answered under an Idempotency-Key."""
        if self._idempotency is None:
            self._idempotency = MongoIdempotencyStore(self.database[IDEMPOTENCY_KEYS])
        return self._idempotency

    @property
    def subject_keys(self) -> SubjectKeys:
        """This service's subject keys, and those learnt from the others (README, Privacy)."""
        if self._subject_keys is None:
            table = self._key_table or MongoKeyTable(self.database)
            wrapping = SecretBox.from_base64(self.config.subject_keys_key)
            self._subject_keys = SubjectKeys(self.config.service, table, wrapping)
        return self._subject_keys

    @property
    def subject_index(self) -> SubjectIndex:
        """Where each person's personal data is, for the subject-access export."""
        if self._subject_index is None:
            self._subject_index = MongoSubjectIndex(self.database)
        return self._subject_index

    def ping_mongo(self) -> None:
        """Raise unless MongoDB answers."""
        self.database.command("ping")

    def ping_kafka(self) -> None:
        """Raise unless the Kafka cluster answers a metadata request."""
        with self._lock:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self.config.kafka_bootstrap_servers,
                    bootstrap_timeout_ms=3000,
                    request_timeout_ms=3000,
                )
            admin = self._admin
        try:
            admin.describe_cluster()
        except Exception:
            with self._lock:
                self._admin = None
            admin.close()
            raise

    def close(self) -> None:
        """Close whatever was opened."""
        with self._lock:
            if self._mongo is not None:
                self._mongo.close()
            if self._admin is not None:
                self._admin.close()
            self.doorbell.close()
            self._mongo, self._admin, self._store = None, None, None
