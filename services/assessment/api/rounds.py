"""Feedback rounds, coach side: open, invite, remind, withdraw, read status (closing, results
and comments: round_results.py).

Each view parses its input into a command (services/assessment/commands.py), hands it to the
handlers it was built with and serialises the answer; access, what the caller sees and the
tokens are the handlers' (services/assessment/handlers/rounds.py)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.assessment.api.round_schemas import (
    InvitationTokenSchema,
    InviteSchema,
    OpenRoundSchema,
    RoundListSchema,
    RoundSchema,
)
from services.assessment.commands import (
    InviteRater,
    OpenRound,
    Rater,
    RemindRater,
    WithdrawInvitation,
)
from services.assessment.handlers import AssessmentHandlers
from shared.web.auth import BEARER, requires
from shared.web.commands import answer, caller, if_match

SECURITY = BEARER
INVITATION = "/<string:engagement_id>/rounds/<string:round_id>/invitations/<string:invitation_id>"


def open_round_command(body: dict[str, Any], engagement_id: str) -> OpenRound:
    """The OpenRound a request body asks for."""
    scale = body.get("scale")
    return OpenRound(
        engagement_id=engagement_id,
        purpose=body["purpose"],
        competencies=tuple((c["id"], c.get("name", "")) for c in body["competencies"]),
        scale=(scale["minimum"], scale["maximum"]) if scale else None,
        anonymity_threshold=body["anonymity_threshold"],
        closes_on=body["closes_on"],
        results_visible_to_manager=body["results_visible_to_manager"],
        if_match=if_match(),
    )


def rounds_blueprint(handlers: AssessmentHandlers) -> Blueprint:
    """The coach's round routes, calling these handlers."""
    blp = Blueprint("rounds", __name__, url_prefix="/engagements",
                    description="360 feedback rounds")  # fmt: skip

    @blp.route("/<string:engagement_id>/rounds")
    class Rounds(MethodView):
        @requires()
        @blp.arguments(OpenRoundSchema)
        @blp.response(201, RoundSchema)
        @blp.doc(security=SECURITY)
        def post(self, body: dict[str, Any], engagement_id: str) -> Any:
            """Open a 360 or pulse round (threshold never below 3)."""
            return answer(handlers.handle(open_round_command(body, engagement_id), caller()))

        @requires()
        @blp.response(200, RoundListSchema)
        @blp.doc(security=SECURITY)
        def get(self, engagement_id: str) -> Any:
            """Every round of the engagement with its counts per group (responses as round_view)."""
            return handlers.read_rounds(engagement_id, caller()).body

    @blp.route("/<string:engagement_id>/rounds/<string:round_id>")
    class RoundResource(MethodView):
        @requires()
        @blp.response(200, RoundSchema)
        @blp.doc(security=SECURITY)
        def get(self, engagement_id: str, round_id: str) -> Any:
            """A round's status: response counts per group (never who answered what)."""
            return answer(handlers.read_round(engagement_id, round_id, caller()))

    @blp.route("/<string:engagement_id>/rounds/<string:round_id>/invitations")
    class Invitations(MethodView):
        @requires()
        @blp.arguments(InviteSchema)
        @blp.response(201, InvitationTokenSchema)
        @blp.doc(security=SECURITY)
        def post(self, body: dict[str, Any], engagement_id: str, round_id: str) -> Any:
            """Invite a rater; the single-use token is returned once and stored only as a hash."""
            command = InviteRater(
                engagement_id=engagement_id, round_id=round_id, rater=Rater(**body),
                if_match=if_match(),
            )  # fmt: skip
            return answer(handlers.handle(command, caller()))

    @blp.route(INVITATION)
    class InvitationResource(MethodView):
        @requires()
        @blp.response(200, RoundSchema)
        @blp.doc(security=SECURITY)
        def delete(self, engagement_id: str, round_id: str, invitation_id: str) -> Any:
            """Withdraw an invitation that has not been answered."""
            command = WithdrawInvitation(
                engagement_id=engagement_id, round_id=round_id, invitation_id=invitation_id,
                if_match=if_match(),
            )  # fmt: skip
            return answer(handlers.handle(command, caller()))

    @blp.route(f"{INVITATION}/reminder")
    class Reminder(MethodView):
        @requires()
        @blp.response(200, InvitationTokenSchema)
        @blp.doc(security=SECURITY)
        def post(self, engagement_id: str, round_id: str, invitation_id: str) -> Any:
            """Re-issue a pending invitation's token; the previous token stops working."""
            command = RemindRater(
                engagement_id=engagement_id, round_id=round_id, invitation_id=invitation_id,
                if_match=if_match(),
            )  # fmt: skip
            return answer(handlers.handle(command, caller()))

    return blp
