"""HTML dashboards: one engagement at a glance, and the organisation's overview.

Access follows the JSON routes (queries/dashboard.py and queries/overview.py read what the
pages show, with the same rules): the engagement's participants, admin, HR and auditors read
its dashboard (the manager sees 360 results only of rounds shared with them), the overview is
for admin, HR and auditors. The token comes in a header or the link (html_pages); what each
page shows is put in words and charts in engagement_page and overview_page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.reporting.api.engagement_page import engagement_page
from services.reporting.api.html_pages import TOKEN_PARAMETER, html_page, link, page, viewer
from services.reporting.api.overview_page import overview_page
from services.reporting.queries import ReadModelsSource
from services.reporting.queries.dashboard import engagement_dashboard
from services.reporting.queries.overview import overview_dashboard
from shared.auth.access import TENANT_READERS
from shared.clock import today
from shared.domain.errors import InvalidCommand
from shared.web import auth

PAGE_DOC: dict[str, Any] = {
    "security": [*auth.BEARER, {}],
    "parameters": [
        {
            "in": "query",
            "name": TOKEN_PARAMETER,
            "required": False,
            "schema": {"type": "string"},
            "description": "The bearer token, for a browser opening a link (short-lived; the "
            "service never logs query strings).",
        }
    ],
    "responses": {"200": {"description": "An HTML page", "content": {"text/html": {}}}},
}
OVERVIEW_DOC: dict[str, Any] = {
    **PAGE_DOC,
    "parameters": [
        *PAGE_DOC["parameters"],
        {
            "in": "query",
            "name": "page",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "default": 1},
            "description": "Which page of the engagements, newest first, 25 a page.",
        },
    ],
}


def page_number(args: Mapping[str, str]) -> int:
    """The `page` query parameter: a whole number from 1 (1 when absent); 422 otherwise."""
    given = args.get("page", "1").strip()
    if not given.isascii() or not given.isdigit() or len(given) > 6 or int(given) < 1:
        raise InvalidCommand("page must be a whole number from 1")
    return int(given)


def dashboard_blueprint(read_models: ReadModelsSource) -> Blueprint:
    """GET /engagements/{id}/dashboard and GET /dashboard (HTML)."""
    blp = Blueprint(
        "dashboard",
        __name__,
        template_folder="../templates",
        description="HTML dashboards; a bearer header or an access_token query parameter",
    )

    @blp.route("/engagements/<string:engagement_id>/dashboard")
    class EngagementDashboard(MethodView):
        @html_page()
        @blp.doc(**PAGE_DOC)
        def get(self, engagement_id: str) -> Any:
            """The engagement at a glance (HTML): people and phase, KPI cards with
            trajectories, the 360 baseline against the final round, development areas, the
            latest events."""
            shown = engagement_dashboard(read_models(), g.principal, engagement_id)
            overview = link("dashboard.OverviewDashboard") if shown["sees_tenant"] else None
            return page(200, "dashboard.html", viewer=viewer(g.principal, shown["role"]),
                        overview_link=overview, **engagement_page(shown, today()))  # fmt: skip

    @blp.route("/dashboard")
    class OverviewDashboard(MethodView):
        @html_page(*TENANT_READERS)
        @blp.doc(**OVERVIEW_DOC)
        def get(self) -> Any:
            """The organisation's overview (HTML; admin, HR and auditors): engagements by
            phase, KPIs by status, reviews on time and late, and the engagements, newest
            first, a page of 25 at a time (`?page=`, from 1), each with a link."""
            shown = overview_dashboard(read_models(), g.principal, page_number(request.args))
            return page(200, "overview.html", viewer=viewer(g.principal),
                        **overview_page(shown, g.principal.tenant))  # fmt: skip

    return blp
