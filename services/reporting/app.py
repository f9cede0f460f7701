"""WSGI entry point: gunicorn 'services.reporting.app:create_app()'."""

from __future__ import annotations

from flask import Flask

from services.reporting.api import audit, dashboard, feedback, kpis, summary, timeline
from shared.config import ServiceConfig
from shared.resources import Resources
from shared.web.app_factory import create_service_app


def create_app(config: ServiceConfig | None = None, resources: Resources | None = None) -> Flask:
    """The reporting API; reads only its own read models."""
    config = config or ServiceConfig.from_env("reporting")
    return create_service_app(
        config,
        "Mastery Ledger reporting service",
        [timeline.blp, kpis.blp, audit.blp, feedback.blp, summary.blp, dashboard.blp],
        resources,
    )
