"""The topics of the system: one per bounded context (assessment, kpi, and the reporting
service's webhook subscriptions) plus its dead-letter topic, and the compacted topic of
subject keys (shared/privacy/key_topic.py)."""

from __future__ import annotations

import logging

from kafka.admin import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError

from shared.config import ServiceConfig
from shared.privacy.key_topic import COMPACTED

log = logging.getLogger(__name__)

CONTEXTS = ("assessment", "kpi", "webhooks")
RETAINED_FOREVER = {"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete"}


def all_topics(config: ServiceConfig) -> list[str]:
    """Every event topic and every dead-letter topic."""
    events = [config.topic(c) for c in CONTEXTS]
    return events + [config.dead_letter_topic(c) for c in CONTEXTS]


def ensure_topics(config: ServiceConfig, admin: KafkaAdminClient | None = None) -> list[str]:
    """Create missing topics (several partitions; events retained forever, subject keys and
    the subject index compacted); returns those created."""
    own = admin is None
    admin = admin or KafkaAdminClient(bootstrap_servers=config.kafka_bootstrap_servers)
    try:
        compacted = (config.subject_keys_topic, config.subject_index_topic)
        wanted = [*all_topics(config), *compacted, config.dead_letter_actions_topic]
        missing = sorted(set(wanted) - set(admin.list_topics()))
        spec = {
            "num_partitions": config.topic_partitions,
            "replication_factor": 1 if _single_broker(admin) else 3,
        }
        for topic in missing:
            configs = COMPACTED if topic in compacted else RETAINED_FOREVER
            # the audit trail of dead-letter actions is read in order: one partition
            partitions = 1 if topic == config.dead_letter_actions_topic else None
            _create(admin, topic, spec, configs, partitions)
        return missing
    finally:
        if own:
            admin.close()


def ensure_topic(config: ServiceConfig, topic: str) -> bool:
    """Create one topic (retained forever) unless it exists; whether it was created."""
    admin = KafkaAdminClient(bootstrap_servers=config.kafka_bootstrap_servers)
    try:
        if topic in admin.list_topics():
            return False
        spec = {"num_partitions": config.topic_partitions,
                "replication_factor": 1 if _single_broker(admin) else 3}  # fmt: skip
        return _create(admin, topic, spec, RETAINED_FOREVER)
    finally:
        admin.close()


def _create(admin: KafkaAdminClient, topic: str, spec: dict[str, int], configs: dict[str, str],
            partitions: int | None = None) -> bool:  # fmt: skip
    spec = spec | ({"num_partitions": partitions} if partitions else {})
    try:
        admin.create_topics({topic: spec | {"configs": configs}}, wait_for_metadata=True)
        log.info("topic created", extra={"topic": topic})
        return True
    except TopicAlreadyExistsError:
        return False  # another worker created it first


def _single_broker(admin: KafkaAdminClient) -> bool:
    return len(admin.describe_cluster().get("brokers", [])) < 3
