"""Configuration read from the environment once, into a frozen dataclass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"
# The local default key sealing webhook secrets (base64 of 32 bytes): set ML_WEBHOOKS_KEY
DEV_WEBHOOKS_KEY = "ZGV2LW9ubHktd2ViaG9va3Mta2V5LWNoYW5nZS1tZSE="
# The local default key sealing subject keys at rest and on the subject-keys topic: set
# ML_SUBJECT_KEYS_KEY (the same in every service: each opens the keys the others publish)
DEV_SUBJECT_KEYS_KEY = "ZGV2LW9ubHktc3ViamVjdC1rZXlzLWNoYW5nZS1tZSE="


@dataclass(frozen=True)
class ServiceConfig:
    """Everything a service process needs; defaults suit a local run."""

    service: str
    mongo_uri: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = ""
    db_prefix: str = "mastery"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = "mastery"
    topic_partitions: int = 3
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "mastery-ledger-dev"
    jwt_audience: str = "mastery-ledger"
    jwks_url: str = ""
    max_body_bytes: int = 64 * 1024
    max_json_depth: int = 32  # arrays and objects in a body; the schemas nest 5 deep at most
    log_level: str = "INFO"
    relay_poll_seconds: float = 0.05
    relay_doorbell: str = ""  # host:port; writers ring it, the relay wakes (messaging.doorbell)
    consumer_group: str = ""
    consumer_max_attempts: int = 3
    schedule_seconds: float = 60.0
    on_track_below: float = 0.165
    at_risk_up_to: float = 0.33
    # Webhooks (reporting service): 1 allows http and private or loopback targets (a local
    # receiver, the tests); the key sealing signing secrets; the waits between attempts
    webhooks_allow_private: int = 0
    webhooks_key: str = DEV_WEBHOOKS_KEY
    webhooks_retry_seconds: str = "5,300,1800,7200,18000,36000,36000"
    webhooks_disable_after_seconds: float = 5 * 24 * 3600.0
    webhooks_connect_timeout: float = 5.0
    webhooks_total_timeout: float = 10.0
    webhooks_senders: int = 8
    # Personal data (README, Privacy): the key sealing every service's subject keys
    subject_keys_key: str = DEV_SUBJECT_KEYS_KEY
    # A worker's /metrics, /healthz and /readyz (shared/observability/worker_server.py);
    # port 0: not served
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 0
    # When set, an API's GET /metrics answers only `Authorization: Bearer <metrics_token>`
    metrics_token: str = ""
    # The name its supervisor gives the process (deploy/local/supervisor.py sets it): a worker
    # with one joins its consumer groups as a static member (group.instance.id), so when it
    # is restarted it gets its partitions back at once instead of after the session timeout
    process_name: str = ""

    @property
    def retry_schedule(self) -> tuple[float, ...]:
        """The waits after each failed webhook attempt, in seconds."""
        return tuple(float(part) for part in self.webhooks_retry_seconds.split(",") if part)

    @property
    def database(self) -> str:
        """The MongoDB database this service owns."""
        return self.mongo_db or f"{self.db_prefix}_{self.service}"

    @property
    def group_id(self) -> str:
        """The Kafka consumer group of this service's worker."""
        return self.consumer_group or f"{self.topic_prefix}.{self.service}"

    def topic(self, context: str) -> str:
        """The event topic of a bounded context (assessment, kpi)."""
        return f"{self.topic_prefix}.{context}.events"

    @property
    def dead_letter_actions_topic(self) -> str:
        """The audit trail of what operators did with dead letters (replays, drops)."""
        return f"{self.topic_prefix}.dead-letters.actions"

    @property
    def subject_keys_topic(self) -> str:
        """The compacted topic of subject keys and their erasures (shared/privacy/key_topic.py)."""
        return f"{self.topic_prefix}.subject-keys"

    @property
    def subject_index_topic(self) -> str:
        """The services' topic of where a person's private personal data is (their export,
        shared/privacy/subject_index.py): sealed values of private fields, keyed by person
        and event; read by the assessment worker alone."""
        return f"{self.topic_prefix}.subject-index"

    def dead_letter_topic(self, context: str) -> str:
        """Where this service parks messages from a context's topic it cannot handle."""
        return f"{self.topic(context)}.dlt"

    @classmethod
    def from_env(
        cls, service: str, env: Mapping[str, str] | None = None, **overrides: Any
    ) -> ServiceConfig:
        """Read ML_* / well-known variables; explicit overrides win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {"service": service}
        aliases = {"mongo_uri": "MONGO_URI", "kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS"}
        for f in fields(cls):
            if f.name == "service":
                continue
            name = aliases.get(f.name, f"ML_{f.name.upper()}")
            raw = env.get(f"ML_{service.upper()}_{f.name.upper()}", env.get(name))
            if raw is not None:
                values[f.name] = _coerce(raw, type(f.default))
        return replace(cls(**values), **overrides)


def _coerce(raw: str, kind: type) -> Any:
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    return raw
