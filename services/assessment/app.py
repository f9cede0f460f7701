"""WSGI entry point: gunicorn 'services.assessment.app:create_app()'."""

from __future__ import annotations

from flask import Flask

from services.assessment.api import engagements, feedback, needs_assessment, round_results, rounds
from shared.config import ServiceConfig
from shared.resources import Resources
from shared.web.app_factory import create_service_app


def create_app(config: ServiceConfig | None = None, resources: Resources | None = None) -> Flask:
    """The assessment API; connects to nothing until the first request."""
    config = config or ServiceConfig.from_env("assessment")
    return create_service_app(
        config,
        "Mastery Ledger assessment service",
        [engagements.blp, needs_assessment.blp, rounds.blp, round_results.blp, feedback.blp],
        resources,
        security_schemes={"invitationToken": feedback.SECURITY_SCHEME},
    )
