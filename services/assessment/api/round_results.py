"""A round's closing and what it released: the aggregates (as published) and the comments
(served here only, never published). The views parse and serialise; who may close or read
is the handlers' (services/assessment/handlers/round_results.py)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.assessment.api.round_schemas import CommentsSchema, ResultsSchema
from services.assessment.commands import CloseRound
from services.assessment.handlers import AssessmentHandlers
from shared.web.auth import BEARER, requires
from shared.web.commands import answer, caller, if_match

SECURITY = BEARER
ROUND = "/<string:engagement_id>/rounds/<string:round_id>"


def round_results_blueprint(handlers: AssessmentHandlers) -> Blueprint:
    """The closing, results and comments routes, calling these handlers."""
    blp = Blueprint("round_results", __name__, url_prefix="/engagements",
                    description="360 rounds: closing, results, comments")  # fmt: skip

    @blp.route(f"{ROUND}/closure")
    class Closure(MethodView):
        @requires()
        @blp.response(200, ResultsSchema)
        @blp.doc(security=SECURITY)
        def post(self, engagement_id: str, round_id: str) -> Any:
            """Close the round and compute its anonymity-safe results."""
            command = CloseRound(engagement_id=engagement_id, round_id=round_id,
                                 if_match=if_match())  # fmt: skip
            result = handlers.handle(command, caller())
            return answer(result)

    @blp.route(f"{ROUND}/results")
    class Results(MethodView):
        @requires()
        @blp.response(200, ResultsSchema)
        @blp.doc(security=SECURITY)
        def get(self, engagement_id: str, round_id: str) -> Any:
            """A closed round's results, for those it is shared with."""
            return handlers.read_results(engagement_id, round_id, caller()).body

    @blp.route(f"{ROUND}/comments")
    class Comments(MethodView):
        @requires()
        @blp.response(200, CommentsSchema)
        @blp.doc(security=SECURITY)
        def get(self, engagement_id: str, round_id: str) -> Any:
            """A closed round's comments of the groups that met the threshold: unattributed,
            shuffled at closing; never published."""
            return handlers.read_comments(engagement_id, round_id, caller()).body

    return blp
