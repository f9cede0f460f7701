"""Data subject routes (README, Privacy): erase a person's personal data in every service.

The view parses the request into an EraseSubject command and serialises the handler's answer
(services/assessment/handlers/subjects.py): 201 the first time, 200 for a repeat."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.assessment.commands import EraseSubject
from services.assessment.handlers import AssessmentHandlers
from shared.web.auth import requires
from shared.web.commands import answer, caller
from shared.web.fields import StrictSchema


class ErasureRequestSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 1000))
    reference = fields.String(required=True, validate=validate.Length(1, 200))


class ErasureSchema(Schema):
    person_id = fields.String(metadata={"description": "The id the request named."})
    subject = fields.String(metadata={"description": "The person's pseudonymous ref."})
    erased_at = fields.String()
    reason = fields.String()
    reference = fields.String()
    basis = fields.String(metadata={"description": "request, or retention."})


def subjects_blueprint(handlers: AssessmentHandlers) -> Blueprint:
    """The data subject routes, bound to these handlers."""
    blp = Blueprint("subjects", __name__, url_prefix="/subjects", description="Data subjects")

    @blp.route("/<string:person_id>/erasure")
    class Erasure(MethodView):
        @requires()
        @blp.arguments(ErasureRequestSchema)
        @blp.response(201, ErasureSchema)
        @blp.alt_response(200, schema=ErasureSchema, description="Erased already: the same erasure")
        @blp.doc(security=[{"bearerAuth": []}])
        def post(self, body: dict[str, Any], person_id: str) -> Any:
            """Erase a person's personal data in every service (admin; reason and reference
            mandatory). Idempotent: a repeat answers 200 with the first erasure."""
            command = EraseSubject(person_id=person_id, reason=body["reason"],
                                   reference=body["reference"])  # fmt: skip
            result = handlers.handle(command, caller())
            body_, headers = answer(result)
            return body_, 201 if result.created_id else 200, headers

    return blp
