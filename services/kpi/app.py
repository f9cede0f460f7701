"""WSGI entry point: gunicorn 'services.kpi.app:create_app()'."""

from __future__ import annotations

from flask import Flask

from shared.config import ServiceConfig
from shared.resources import Resources
from shared.web.app_factory import create_service_app


def create_app(config: ServiceConfig | None = None, resources: Resources | None = None) -> Flask:
    """The KPI API (health and OpenAPI so far; KPI routes arrive with the KPI issue)."""
    config = config or ServiceConfig.from_env("kpi")
    return create_service_app(config, "Mastery Ledger KPI service", [], resources)
