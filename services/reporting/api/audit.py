"""The audit trail: paged queries, streamed CSV / NDJSON export, and hash-chain verification
(queries/audit.py answers them; this module parses the query and writes the answer)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, fields, validate

from services.reporting.api import schemas
from services.reporting.queries import ReadModelsSource
from services.reporting.queries.audit import (
    AuditSelection,
    audit_page,
    audit_records,
    verify_engagement,
)
from shared.web.auth import BEARER, current_principal, requires
from shared.web.fields import StrictSchema
from shared.web.instants import Instant

CSV_COLUMNS = (
    "time", "engagement_id", "event", "subject", "actor", "role", "reason", "changes", "summary",
    "correlation_id", "stream_id", "stream_version", "hash", "id",
)  # fmt: skip
SELECTION = ("start", "end", "engagement", "actor", "type")
CHUNK = 32_768  # characters of the export sent per write
EXPORT = {
    "description": "The records, streamed: a CSV header row then a row each, or a JSON object"
    " a line (an /audit record)",
    "content": {"text/csv": {}, "application/x-ndjson": {}},
}


class AuditArgs(StrictSchema):
    start = Instant(data_key="from")
    end = Instant(data_key="to")
    engagement = fields.String(validate=validate.Length(1, 100))
    actor = fields.String(validate=validate.Length(1, 200))
    type = fields.String(validate=validate.Length(1, 200))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class ExportArgs(AuditArgs):
    format = fields.String(load_default="ndjson", validate=validate.OneOf(["csv", "ndjson"]))


def selection(args: dict[str, Any]) -> AuditSelection:
    """The records the query string selects."""
    return AuditSelection(**{key: args.get(key) for key in SELECTION})


def audit_blueprint(read_models: ReadModelsSource) -> Blueprint:
    """GET /audit, /audit/export and /engagements/{id}/audit/verify."""
    blp = Blueprint("audit", __name__, description="Audit trail and tamper evidence")

    @blp.route("/audit")
    class Audit(MethodView):
        @requires()
        @blp.arguments(AuditArgs, location="query", unknown=RAISE)
        @blp.response(200, schemas.AuditPage)
        @blp.doc(security=BEARER)
        def get(self, args: dict[str, Any]) -> Any:
            """One record per change: who, in which role, when, why, before and after, hash."""
            return audit_page(read_models(), current_principal(), selection(args),
                              args["limit"], args["offset"])  # fmt: skip

    @blp.route("/audit/export")
    class AuditExport(MethodView):
        @requires()
        @blp.arguments(ExportArgs, location="query", unknown=RAISE)
        @blp.doc(security=BEARER, responses={"200": EXPORT})
        def get(self, args: dict[str, Any]) -> Response:
            """The whole selection, streamed as CSV or NDJSON (no paging)."""
            records = audit_records(read_models(), current_principal(), selection(args))
            return export_response(records, args["format"])

    @blp.route("/engagements/<string:engagement_id>/audit/verify")
    class Verify(MethodView):
        @requires()
        @blp.response(200, schemas.Verification)
        @blp.doc(security=BEARER)
        def get(self, engagement_id: str) -> Any:
            """Recompute every stream's hash chain from the events received: intact, or where
            it first breaks."""
            return verify_engagement(read_models(), current_principal(), engagement_id)

    return blp


def export_response(records: Iterable[dict[str, Any]], format: str) -> Response:
    """The records streamed as an attachment, CSV or NDJSON."""
    if format == "csv":
        lines, mimetype = _csv(records), "text/csv"
    else:
        lines, mimetype = (json.dumps(r) + "\n" for r in records), "application/x-ndjson"
    response = Response(stream_with_context(in_pieces(lines)), mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=audit.{format}"
    return response


def in_pieces(lines: Iterable[str], size: int = CHUNK) -> Iterator[str]:
    """The lines joined into pieces of about `size` characters: each piece the server sends
    is one write (a line each cost a write and a chunk header), and memory stays bounded."""
    piece: list[str] = []
    held = 0
    for line in lines:
        piece.append(line)
        held += len(line)
        if held >= size:
            yield "".join(piece)
            piece, held = [], 0
    if piece:
        yield "".join(piece)


def _csv(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        row = {**record, "changes": json.dumps(record["changes"])}
        writer.writerow([row.get(c, "") for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
