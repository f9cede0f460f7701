"""The tenant's retention period (README, Retention): read it, set it.

The view parses the request into a SetRetentionPeriod command and serialises the handler's
answer (services/assessment/handlers/retention.py)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.assessment.commands import SetRetentionPeriod
from services.assessment.handlers import AssessmentHandlers
from shared.web.auth import requires
from shared.web.commands import answer, caller
from shared.web.fields import StrictSchema

MAX_DAYS = 36_500


class RetentionRequestSchema(StrictSchema):
    days = fields.Integer(
        required=True,
        allow_none=True,
        strict=True,
        validate=validate.Range(0, MAX_DAYS),
        metadata={"description": "Days a closed engagement's personal data is kept after it "
                  "was completed or cancelled (0: erased as it closes); null: kept."},
    )  # fmt: skip
    reason = fields.String(required=True, validate=validate.Length(1, 1000))


class RetentionSchema(Schema):
    days = fields.Integer(allow_none=True, metadata={"description": "null: kept."})
    applies_to = fields.List(fields.String(), metadata={"description": "Whose data expires."})
    kept = fields.List(fields.String(), metadata={"description": "Whose data is kept (staff)."})


def retention_blueprint(handlers: AssessmentHandlers) -> Blueprint:
    """The retention route, bound to these handlers."""
    blp = Blueprint("retention", __name__, url_prefix="/settings", description="Retention")

    @blp.route("/retention")
    class Retention(MethodView):
        @requires()
        @blp.response(200, RetentionSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def get(self) -> Any:
            """The tenant's retention period (admin, hr, auditor)."""
            return answer(handlers.read_retention(caller()))

        @requires()
        @blp.arguments(RetentionRequestSchema)
        @blp.response(200, RetentionSchema)
        @blp.doc(security=[{"bearerAuth": []}])
        def put(self, body: dict[str, Any]) -> Any:
            """Set the tenant's retention period (admin; reason mandatory). The workers erase
            the executive, stakeholders and raters of each engagement closed longer ago."""
            command = SetRetentionPeriod(days=body["days"], reason=body["reason"])
            return answer(handlers.handle(command, caller()))

    return blp
