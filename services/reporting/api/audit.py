"""The audit trail: paged queries, streamed CSV / NDJSON export, and hash-chain verification."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.reporting.api.access import (
    models,
    require_tenant_wide,
    visible_engagement,
    withholds_unshared_rounds,
)
from services.reporting.projections.read_models import visible_to
from shared.events.envelope import verify_chain
from shared.web.auth import BEARER, current_principal, requires
from shared.web.instants import Instant

blp = Blueprint("audit", __name__, description="Audit trail and tamper evidence")
CSV_COLUMNS = (
    "time", "engagement_id", "event", "subject", "actor", "role", "reason", "changes", "summary",
    "correlation_id", "stream_id", "stream_version", "hash", "id",
)  # fmt: skip


class AuditArgs(Schema):
    class Meta:
        unknown = RAISE

    start = Instant(data_key="from")
    end = Instant(data_key="to")
    engagement = fields.String(validate=validate.Length(1, 100))
    actor = fields.String(validate=validate.Length(1, 200))
    type = fields.String(validate=validate.Length(1, 200))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class ExportArgs(AuditArgs):
    format = fields.String(load_default="ndjson", validate=validate.OneOf(["csv", "ndjson"]))


def audit_query(args: dict[str, Any]) -> dict[str, Any]:
    """The Mongo filter for the caller: tenant-wide for admin/HR/auditor, else one engagement."""
    caller = current_principal()
    query: dict[str, Any] = {"tenant": caller.tenant}
    if args.get("engagement"):
        engagement = visible_engagement(args["engagement"])
        query = visible_to(withholds_unshared_rounds(engagement), query)
        query["engagement_id"] = args["engagement"]
    else:
        require_tenant_wide()
    if args.get("actor"):
        query["actor"] = args["actor"]
    if args.get("type"):
        query["$or"] = [{"type": args["type"]}, {"event": args["type"]}]
    span = {op: args[key] for op, key in (("$gte", "start"), ("$lt", "end")) if args.get(key)}
    if span:
        query["time"] = span
    return query


def _records(query: dict[str, Any]) -> Any:
    return (
        models()["audit"].find(query).sort([("time", 1), ("stream_id", 1), ("stream_version", 1)])
    )


def _public(record: dict[str, Any]) -> dict[str, Any]:
    internal = ("tenant", "withheld_from_manager")
    return {"id": record.pop("_id"), **{k: v for k, v in record.items() if k not in internal}}


@blp.route("/audit")
class Audit(MethodView):
    @requires()
    @blp.arguments(AuditArgs, location="query", unknown=RAISE)
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Any:
        """One record per change: who, in which role, when, why, before and after, hash."""
        query = audit_query(args)
        page = _records(query).skip(args["offset"]).limit(args["limit"])
        return {"total": models()["audit"].count_documents(query), "limit": args["limit"],
                "offset": args["offset"], "records": [_public(r) for r in page]}  # fmt: skip


@blp.route("/audit/export")
class AuditExport(MethodView):
    @requires()
    @blp.arguments(ExportArgs, location="query", unknown=RAISE)
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> Response:
        """The whole selection, streamed as CSV or NDJSON (no paging)."""
        records = _records(audit_query(args))
        if args["format"] == "csv":
            body, mimetype = _csv(records), "text/csv"
        else:
            body, mimetype = (
                (json.dumps(_public(r)) + "\n" for r in records),
                "application/x-ndjson",
            )
        response = Response(stream_with_context(body), mimetype=mimetype)
        response.headers["Content-Disposition"] = f"attachment; filename=audit.{args['format']}"
        return response


def _csv(records: Any) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        row = _public(record)
        row["changes"] = json.dumps(row["changes"])
        writer.writerow([row.get(c, "") for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@blp.route("/engagements/<string:engagement_id>/audit/verify")
class Verify(MethodView):
    @requires()
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str) -> Any:
        """Recompute every stream's hash chain from the events received: intact, or where
        it first breaks."""
        read = models()
        visible_engagement(engagement_id, read)
        received = (
            read["received_events"]
            .find({"tenant": current_principal().tenant, "subject": engagement_id})
            .sort([("streamid", 1), ("streamversion", 1)])
        )
        streams = []
        for stream_id, docs in groupby(received, key=lambda d: d["streamid"]):
            events = [d["envelope"] for d in docs]
            broken = verify_chain(events)
            streams.append({"stream_id": stream_id, "events": len(events),
                            "intact": broken is None,
                            "break": vars(broken) if broken else None})  # fmt: skip
        intact = all(s["intact"] for s in streams)
        return {"engagement_id": engagement_id, "status": "intact" if intact else "broken",
                "streams": streams}  # fmt: skip
