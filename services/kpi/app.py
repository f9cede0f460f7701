"""WSGI entry point: gunicorn 'services.kpi.app:create_app()'."""

from __future__ import annotations

from flask import Flask

from services.kpi.api import kpis, reviews, sessions
from shared.config import ServiceConfig
from shared.resources import Resources
from shared.web.app_factory import create_service_app


def create_app(config: ServiceConfig | None = None, resources: Resources | None = None) -> Flask:
    """The KPI API; connects to nothing until the first request."""
    config = config or ServiceConfig.from_env("kpi")
    return create_service_app(
        config, "Mastery Ledger KPI service", [kpis.blp, reviews.blp, sessions.blp], resources
    )
