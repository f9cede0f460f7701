"""The assessment API's composition root: gunicorn 'services.assessment.app:create_app()'.

It builds the adapters (lazily connected: nothing opens before the first request, after
gunicorn forks), binds the handlers to them and builds each blueprint with those handlers.
"""

from __future__ import annotations

from flask import Flask

from services.assessment.api.engagements import engagements_blueprint
from services.assessment.api.feedback import SECURITY_SCHEME, feedback_blueprint
from services.assessment.api.needs_assessment import needs_assessment_blueprint
from services.assessment.api.retention import retention_blueprint
from services.assessment.api.round_results import round_results_blueprint
from services.assessment.api.rounds import rounds_blueprint
from services.assessment.api.subjects import subjects_blueprint
from services.assessment.handlers import AssessmentHandlers
from services.assessment.handlers.base import Services
from shared.clock import SYSTEM_CLOCK, Clock
from shared.config import ServiceConfig
from shared.resources import Resources
from shared.web.app_factory import create_service_app


def create_app(
    config: ServiceConfig | None = None,
    resources: Resources | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Flask:
    """The assessment API over these resources (the configured ones by default) and clock."""
    config = config or ServiceConfig.from_env("assessment")
    resources = resources or Resources(config)
    handlers = AssessmentHandlers(Services(resources, clock))
    blueprints = [
        engagements_blueprint(handlers),
        needs_assessment_blueprint(handlers),
        rounds_blueprint(handlers),
        round_results_blueprint(handlers),
        feedback_blueprint(handlers),
        subjects_blueprint(handlers),
        retention_blueprint(handlers),
    ]
    return create_service_app(
        config, "Mastery Ledger assessment service", blueprints, resources,
        security_schemes={"invitationToken": SECURITY_SCHEME},
    )  # fmt: skip
