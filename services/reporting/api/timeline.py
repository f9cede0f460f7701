"""GET /engagements/{id}/timeline: the engagement's events in order, paged
(queries/timeline.py answers it)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.reporting.queries import ReadModelsSource
from services.reporting.queries.timeline import timeline_page
from shared.web.auth import BEARER, current_principal, requires
from shared.web.fields import StrictSchema


class PageArgs(StrictSchema):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class TimelineEntrySchema(Schema):
    id = fields.String()
    time = fields.String()
    event = fields.String()
    type = fields.String()
    line = fields.String()
    actor = fields.String()
    reason = fields.String()
    stream_id = fields.String()
    stream_version = fields.Integer()
    correlation_id = fields.String()
    hash = fields.String()


class TimelineSchema(Schema):
    engagement_id = fields.String()
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    entries = fields.List(fields.Nested(TimelineEntrySchema))


def timeline_blueprint(read_models: ReadModelsSource) -> Blueprint:
    """GET /engagements/{id}/timeline."""
    blp = Blueprint("timeline", __name__, url_prefix="/engagements", description="Timelines")

    @blp.route("/<string:engagement_id>/timeline")
    class Timeline(MethodView):
        @requires()
        @blp.arguments(PageArgs, location="query", unknown=RAISE)
        @blp.response(200, TimelineSchema)
        @blp.doc(security=BEARER)
        def get(self, args: dict[str, Any], engagement_id: str) -> dict[str, Any]:
            """Every event of the engagement, oldest first, one readable line each."""
            return timeline_page(read_models(), current_principal(), engagement_id,
                                 args["limit"], args["offset"])  # fmt: skip

    return blp
