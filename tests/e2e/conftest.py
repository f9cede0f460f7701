"""The whole system as real processes (gunicorn APIs and workers) on the test infrastructure."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from deploy.local import infra, stack
from shared.auth.tokens import mint
from shared.config import ServiceConfig
from shared.resources import mongo_client


@dataclass(frozen=True)
class System:
    """Where the running services answer, and how to reach their databases."""

    urls: dict[str, str]
    env: dict[str, str]
    mongo: Any

    def token(self, subject: str, roles: list[str], tenant: str = "acme", name: str = "") -> str:
        config = ServiceConfig.from_env("e2e", env=self.env)
        return mint(
            config.jwt_secret, subject=subject, tenant=tenant, roles=roles,
            issuer=config.jwt_issuer, audience=config.jwt_audience, name=name or subject,
        )  # fmt: skip

    def headers(self, subject: str, roles: list[str], tenant: str = "acme") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(subject, roles, tenant)}"}

    def database(self, service: str) -> Any:
        config = ServiceConfig.from_env(service, env=self.env)
        return self.mongo[config.database]


@pytest.fixture(scope="session")
def system() -> Iterator[System]:
    """Start the six processes once per run with topics and databases of their own."""
    profile = infra.Profile.from_name("test")
    run = uuid.uuid4().hex[:8]
    env = stack.system_env(profile, infra.up(profile)) | {
        "ML_TOPIC_PREFIX": f"e2e{run}",
        "ML_DB_PREFIX": f"e2e_{run}",
        "WEB_CONCURRENCY": "2",
        # webhook receivers of the tests listen on 127.0.0.1 over http; retries come fast
        "ML_WEBHOOKS_ALLOW_PRIVATE": "1",
        "ML_WEBHOOKS_RETRY_SECONDS": "1,1,2,2,4",
        # the assessment worker's schedule (due rounds, expired retention) runs every 2 s
        "ML_ASSESSMENT_SCHEDULE_SECONDS": "2",
    }
    stack.stop(profile)  # leftovers of an interrupted run
    started = stack.start(profile, env)
    mongo = mongo_client(env["MONGO_URI"])
    try:
        urls = {p.name.removesuffix("-api"): p.url for p in started if p.port}
        yield System(urls, env, mongo)
    finally:
        mongo.close()
        stack.stop(profile)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
