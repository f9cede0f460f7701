"""Data subject routes (README, Privacy): erase a person's personal data in every service.

The view parses the request into an EraseSubject command and serialises the handler's answer
(services/assessment/handlers/subjects.py): 201 the first time, 200 for a repeat."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.assessment.commands import EraseSubject
from services.assessment.handlers import AssessmentHandlers, SubjectExport
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

    @blp.route("/<string:person_id>/export")
    class Export(MethodView):
        @requires()
        @blp.doc(security=[{"bearerAuth": []}], responses={"200": EXPORT})
        def get(self, person_id: str) -> Response:
            """Every piece of personal data the three services hold about the person, as one
            JSON document, streamed (an admin of the tenant, or the person themselves)."""
            export = handlers.export_subject(person_id, caller())
            return Response(stream_with_context(export_chunks(export)),
                            mimetype="application/json")  # fmt: skip

    return blp


def export_chunks(export: SubjectExport) -> Iterator[str]:
    """The export as JSON text, its records written as they are read."""
    head = json.dumps(export.head, ensure_ascii=False, separators=(",", ":"))
    yield head[:-1] + ',"records":['
    for n, record in enumerate(export.records):
        yield ("," if n else "") + json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    yield "]}\n"


EXPORT = {
    "description": "The person's data: `person_id`, `subject` (their ref), `tenant`, "
    "`exported_at`, `erasure` (null, or the erasure), and `records`: one per stored event "
    "holding their data, each with `service`, `event_id`, `type`, `time`, `engagement_id`, "
    "`stream_id` and `fields` (`path`, `value`, `held_by`: the services that hold it).",
    "content": {"application/json": {"schema": {"type": "object"}}},
}
