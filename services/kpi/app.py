"""The kpi API's composition root: gunicorn 'services.kpi.app:create_app()'.

It builds the adapters (lazily connected: nothing opens before the first request, after
gunicorn forks), binds the handlers to them and builds each blueprint with those handlers.
"""

from __future__ import annotations

from flask import Flask

from services.kpi.api.kpis import kpis_blueprint
from services.kpi.api.reviews import reviews_blueprint
from services.kpi.api.sessions import sessions_blueprint
from services.kpi.handlers import KpiHandlers
from services.kpi.handlers.base import Services
from shared.clock import SYSTEM_CLOCK, Clock
from shared.config import ServiceConfig
from shared.resources import Resources
from shared.web.app_factory import create_service_app

BLUEPRINTS = (kpis_blueprint, reviews_blueprint, sessions_blueprint)


def create_app(
    config: ServiceConfig | None = None,
    resources: Resources | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Flask:
    """The KPI API over these resources (the configured ones by default) and clock."""
    config = config or ServiceConfig.from_env("kpi")
    resources = resources or Resources(config)
    handlers = KpiHandlers(Services.configured(resources, resources.config, clock))
    blueprints = [
        kpis_blueprint(handlers),
        reviews_blueprint(handlers),
        sessions_blueprint(handlers),
    ]
    return create_service_app(config, "Mastery Ledger KPI service", blueprints, resources)
