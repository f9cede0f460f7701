"""WSGI entry point: gunicorn 'services.reporting.app:create_app()'.

The reporting API's composition root: it builds the process's resources (lazy: nothing
connects before the first request, after gunicorn forks), the source of the active read
models the queries answer from, and each blueprint from its factory with that source. Views
reach nothing else: no locator, no module global."""

from __future__ import annotations

from flask import Flask

from services.reporting.api.audit import audit_blueprint
from services.reporting.api.dashboard import dashboard_blueprint
from services.reporting.api.feedback import feedback_blueprint
from services.reporting.api.kpis import kpis_blueprint
from services.reporting.api.summary import summary_blueprint
from services.reporting.api.timeline import timeline_blueprint
from services.reporting.api.webhooks import Reads, webhooks_blueprint
from services.reporting.handlers import WebhookHandlers
from services.reporting.handlers.base import Services
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries import ReadModelsSource
from services.reporting.webhooks.resources import WebhookResources
from services.reporting.webhooks.sender import resolve
from shared.clock import SYSTEM_CLOCK, Clock
from shared.config import ServiceConfig
from shared.crypto.secret_box import SecretBox
from shared.privacy.sealing import Opener
from shared.resources import Resources
from shared.web.app_factory import create_service_app

BLUEPRINTS = (timeline_blueprint, kpis_blueprint, audit_blueprint, feedback_blueprint,
              summary_blueprint, dashboard_blueprint)  # fmt: skip


def active_read_models(resources: Resources) -> ReadModelsSource:
    """The generation of read models to answer from, looked up at each call (a rebuild's
    switch is followed at once), opening personal values with the keys as they are at that
    call (an erasure shows at once); the database is opened on the first call."""
    return lambda: ReadModels.active(resources.database, Opener(resources.subject_keys))


def create_app(
    config: ServiceConfig | None = None,
    resources: WebhookResources | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Flask:
    """The reporting API; reads only its own read models and keeps the webhook
    subscriptions (its one write side)."""
    config = config or ServiceConfig.from_env("reporting")
    resources = resources or WebhookResources(config)
    read_models = active_read_models(resources)
    blueprints = [blueprint(read_models) for blueprint in BLUEPRINTS]
    services = Services(resources, SecretBox.from_base64(config.webhooks_key), clock, resolve,
                        allow_private=bool(config.webhooks_allow_private))  # fmt: skip
    blueprints.append(webhooks_blueprint(WebhookHandlers(services), webhook_reads(resources)))
    return create_service_app(config, "Mastery Ledger reporting service", blueprints, resources)


def webhook_reads(resources: WebhookResources) -> Reads:
    """The subscription directory and the delivery store, opened on the first call."""
    return lambda: (resources.webhook_directory, resources.deliveries)
