"""Feedback rounds, coach side: open, invite, remind, withdraw, read status (closing, results
and comments: round_results.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from services.assessment import access, application
from services.assessment import rounds_service as service
from services.assessment.api.round_schemas import (
    InvitationTokenSchema,
    InviteSchema,
    OpenRoundSchema,
    RoundListSchema,
    RoundSchema,
)
from services.assessment.domain.feedback import Scale
from services.assessment.domain.feedback_round import FeedbackRound, catalogue_competency
from services.assessment.domain.feedback_round_events import Purpose, RoundSettings
from shared.domain.errors import InvalidCommand
from shared.web.app_factory import resources
from shared.web.auth import BEARER, current_principal, requires
from shared.web.commands import etag, event_context, if_match

blp = Blueprint("rounds", __name__, url_prefix="/engagements", description="360 feedback rounds")
SECURITY = BEARER
PULSE_SCALE, FULL_SCALE = Scale(-3, 3), Scale(1, 5)


def round_view(round_: FeedbackRound, with_invitations: bool) -> dict[str, Any]:
    """A round's status: settings and invitations per group; for the coach and admin the
    invitations and the responses per group, for everyone else the responses only once the
    round closed (then published): while it is open, a count that moves would tell when a
    confidential rater answered."""
    view: dict[str, Any] = {
        "id": round_.round_id,
        "engagement_id": round_.engagement_id,
        "purpose": round_.purpose.value,
        "competencies": round_.competencies,
        "scale": round_.scale,
        "anonymity_threshold": round_.threshold,
        "closes_on": round_.closes_on.isoformat(),
        "results_visible_to_manager": round_.results_visible_to_manager,
        "status": "closed" if round_.closed else "open",
        "invited": _counts(round_.counts("invited")),
        "version": round_.version,
    }
    if with_invitations or round_.closed:
        view["submitted"] = _counts(round_.counts("submitted"))
    if with_invitations:
        view["invitations"] = [
            {"id": i.id, "group": i.group.value, "rater_name": i.rater_name, "status": i.status}
            for i in round_.invitations.values()
        ]
    return view


def _listed(round_: FeedbackRound, coaches: bool) -> dict[str, Any]:
    view = round_view(round_, coaches)
    view.pop("invitations", None)  # the listing never names raters
    return view


def _counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"group": g, "count": n} for g, n in counts.items()]


def _change(engagement_id: str, round_id: str, act: Callable[[FeedbackRound], None]) -> Any:
    round_ = service.change_round(
        resources().event_store, current_principal(), engagement_id, round_id, act,
        event_context(), if_match(),
    )  # fmt: skip
    return round_


@blp.route("/<string:engagement_id>/rounds")
class Rounds(MethodView):
    @requires()
    @blp.arguments(OpenRoundSchema)
    @blp.response(201, RoundSchema)
    @blp.doc(security=SECURITY)
    def post(self, body: dict[str, Any], engagement_id: str) -> Any:
        """Open a 360 or pulse round (threshold never below 3)."""
        purpose = Purpose(body["purpose"])
        default = PULSE_SCALE if purpose is Purpose.PULSE else FULL_SCALE
        scale = Scale(**body["scale"]) if body.get("scale") else default
        settings = RoundSettings(
            purpose,
            tuple(catalogue_competency(c["id"], c.get("name", "")) for c in body["competencies"]),
            scale,
            body["anonymity_threshold"],
            body["closes_on"],
            body["results_visible_to_manager"],
        )
        round_ = service.open_round(
            resources().event_store, current_principal(), engagement_id, settings, event_context()
        )
        return round_view(round_, True), etag(round_.version)

    @requires()
    @blp.response(200, RoundListSchema)
    @blp.doc(security=SECURITY)
    def get(self, engagement_id: str) -> Any:
        """Every round of the engagement with its counts per group (responses as round_view)."""
        caller = current_principal()
        engagement, found = service.rounds_of(resources().event_store, caller, engagement_id)
        coaches = access.may(access.ADMINISTER, caller, engagement)
        return {"rounds": [_listed(r, coaches) for r in found]}


@blp.route("/<string:engagement_id>/rounds/<string:round_id>")
class RoundResource(MethodView):
    @requires()
    @blp.response(200, RoundSchema)
    @blp.doc(security=SECURITY)
    def get(self, engagement_id: str, round_id: str) -> Any:
        """A round's status: response counts per group (never who answered what)."""
        engagement, round_ = service.round_for(
            resources().event_store, current_principal(), engagement_id, round_id
        )
        with_invitations = access.may(access.ADMINISTER, current_principal(), engagement)
        return round_view(round_, with_invitations), etag(round_.version)


@blp.route("/<string:engagement_id>/rounds/<string:round_id>/invitations")
class Invitations(MethodView):
    @requires()
    @blp.arguments(InviteSchema)
    @blp.response(201, InvitationTokenSchema)
    @blp.doc(security=SECURITY)
    def post(self, body: dict[str, Any], engagement_id: str, round_id: str) -> Any:
        """Invite a rater; the single-use token is returned once and stored only as a hash."""
        issued: dict[str, str] = {}

        def act(round_: FeedbackRound) -> None:
            # the body's stakeholder is looked up only once the caller may invite
            issued["group"], name, contact = _rater(body, engagement_id)
            issued["invitation_id"], issued["token"] = service.invite(
                round_, issued["group"], name, contact
            )

        round_ = _change(engagement_id, round_id, act)
        return issued, etag(round_.version)


def _rater(body: dict[str, Any], engagement_id: str) -> tuple[str, str, str]:
    """Group, name and contact of the rater: as given, or from a stakeholder of the
    engagement (their relationship is the group unless one is given)."""
    if "stakeholder_id" not in body:
        return body["group"], body["name"], body["contact"]
    engagement = application.engagement_for(
        resources().event_store, current_principal(), engagement_id
    )
    stakeholder = engagement.stakeholders.get(body["stakeholder_id"])
    if stakeholder is None:
        raise InvalidCommand(f"stakeholder {body['stakeholder_id']} is not on the engagement")
    return body.get("group", stakeholder.relationship), stakeholder.name, stakeholder.contact


@blp.route("/<string:engagement_id>/rounds/<string:round_id>/invitations/<string:invitation_id>")
class InvitationResource(MethodView):
    @requires()
    @blp.response(200, RoundSchema)
    @blp.doc(security=SECURITY)
    def delete(self, engagement_id: str, round_id: str, invitation_id: str) -> Any:
        """Withdraw an invitation that has not been answered."""
        round_ = _change(
            engagement_id, round_id, lambda r: r.withdraw(invitation_id, service.today())
        )
        return round_view(round_, True), etag(round_.version)


@blp.route(
    "/<string:engagement_id>/rounds/<string:round_id>/invitations/<string:invitation_id>/reminder"
)
class Reminder(MethodView):
    @requires()
    @blp.response(200, InvitationTokenSchema)
    @blp.doc(security=SECURITY)
    def post(self, engagement_id: str, round_id: str, invitation_id: str) -> Any:
        """Re-issue a pending invitation's token; the previous token stops working."""
        issued: dict[str, str] = {}

        def act(round_: FeedbackRound) -> None:
            issued["token"], hashed = service.new_token(round_.round_id)
            round_.remind(invitation_id, hashed, service.today())
            issued["group"] = round_.invitations[invitation_id].group.value

        round_ = _change(engagement_id, round_id, act)
        return issued | {"invitation_id": invitation_id}, etag(round_.version)
