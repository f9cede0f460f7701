"""Real infrastructure for integration tests: the test profile (Kafka + Mongo-wire)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo.database import Database

from deploy.local import infra
from shared.config import ServiceConfig
from shared.messaging.topics import ensure_topics
from shared.resources import mongo_client


@pytest.fixture(scope="session")
def infra_env() -> dict[str, str]:
    """Start (or reuse) the test profile's Kafka broker and MongoDB-wire server."""
    return infra.up(infra.Profile.from_name("test"))


@pytest.fixture
def mongo_db(infra_env: dict[str, str]) -> Iterator[Database[Any]]:
    """A fresh database on the real MongoDB-wire server."""
    client = mongo_client(infra_env["MONGO_URI"])
    name = f"it_{uuid.uuid4().hex[:12]}"
    yield client[name]
    client.drop_database(name)
    client.close()


@pytest.fixture
def config(infra_env: dict[str, str]) -> ServiceConfig:
    """A service config on the test infrastructure with its own topics and databases."""
    suffix = uuid.uuid4().hex[:10]
    config = ServiceConfig.from_env(
        "reporting", env=infra_env, topic_prefix=f"it{suffix}", db_prefix=f"it_{suffix}"
    )
    ensure_topics(config)
    return config


@pytest.fixture
def database(config):
    """The reporting database of the `config` fixture (dropped afterwards)."""
    client = mongo_client(config.mongo_uri)
    yield client[config.database]
    client.drop_database(config.database)
    client.close()
