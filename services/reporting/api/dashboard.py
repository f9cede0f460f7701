"""HTML dashboards: one engagement at a glance, and the organisation's overview.

The pages take the usual `Authorization: Bearer` header or, so that a browser can open a
link, an `access_token` query parameter holding the same short-lived token. The request log
records the path only (shared/web/app_factory.py), never the query string; the pages answer
with `Referrer-Policy: no-referrer` and `Cache-Control: no-store` so the token does not travel
on in a Referer header or stay in a cache. Access follows the JSON routes: the engagement's
participants, admin, HR and auditors read its dashboard (the manager sees 360 results only of
rounds shared with them), the overview is for admin, HR and auditors. Errors are small HTML
pages (401, 403, 404), never a 500 for a missing or bad token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

import jwt
from flask import Response, current_app, g, render_template, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from markupsafe import Markup

from services.reporting.api.access import TENANT_READERS, models, role_in, visible_engagement
from services.reporting.api.summary import (
    PHASES,
    engagement_rounds,
    engagement_summary,
    ordered_kpis,
    organisation_overview,
    results_visible,
    status_counts,
)
from services.reporting.domain.charts import (
    competency_pairs,
    day_label,
    feedback_chart,
    kpi_chart,
    number,
    status_bar,
    status_colour,
    status_label,
)
from services.reporting.domain.feedback_views import FULL_ROUNDS, competency_trends
from services.reporting.projections.read_models import ReadModels
from shared.auth.tokens import InvalidToken, Principal, TokenVerifier
from shared.clock import today
from shared.domain.errors import DomainError
from shared.web import auth

blp = Blueprint(
    "dashboard",
    __name__,
    template_folder="../templates",
    description="HTML dashboards; a bearer header or an access_token query parameter",
)
F = TypeVar("F", bound=Callable[..., Any])
TIMELINE_ROWS = 50
OVERVIEW_ROWS = 200
TOKEN_PARAMETER = "access_token"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}
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
PHASE_LABELS = {
    "needs_assessment": "Needs assessment",
    "kpi_alignment": "KPI alignment",
    "results_management": "Results management",
    "completed": "Completed",
    "cancelled": "Cancelled",
}


def page(status: int, template: str, **context: Any) -> Response:
    """An HTML response with the headers every page carries."""
    response = Response(render_template(template, **context), status, mimetype="text/html")
    response.headers.update(PAGE_HEADERS)
    return response


def error_page(status: int, title: str, detail: str) -> Response:
    """The small HTML page of a refusal."""
    response = page(status, "base.html", title=title, error={"status": status, "detail": detail})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mastery-ledger"'
    return response


def _token() -> tuple[str, bool]:
    """The caller's token and whether it came in the query string."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), False
    return request.args.get(TOKEN_PARAMETER, "").strip(), True


def _expires(token: str) -> str | None:
    """When a token (already verified) runs out, for the page's footer."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return datetime.fromtimestamp(int(claims["exp"]), UTC).strftime("%d %b %Y %H:%M UTC")
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, OverflowError):
        return None


def html_page(*roles: str) -> Callable[[F], F]:
    """Like `requires`, with the token from the header or the query string, and refusals as
    HTML pages."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token, from_query = _token()
            if not token:
                return error_page(
                    401,
                    "Sign-in needed",
                    "Open this page with a bearer token:"
                    " an Authorization header, or ?access_token= in the link.",
                )
            verifier: TokenVerifier = current_app.extensions[auth.EXTENSION]
            try:
                principal = verifier.verify(token)
            except InvalidToken:
                return error_page(
                    401,
                    "Sign-in needed",
                    "The access token is not valid or has expired: ask for a new link.",
                )
            if roles and not principal.has_any(*roles):
                return error_page(403, "Not for your role", f"This page is for {', '.join(roles)}.")
            g.principal = principal
            g.page_token = token if from_query else None
            g.token_expires = _expires(token)
            try:
                return view(*args, **kwargs)
            except DomainError as exc:
                title = "Not found" if exc.status == 404 else "Not allowed"
                return error_page(exc.status, title, str(exc))

        return cast(F, wrapper)

    return decorate


def _viewer(principal: Principal, role: str | None = None) -> dict[str, Any]:
    roles = sorted(principal.roles)
    return {
        "name": principal.name or principal.subject,
        "role": role or ", ".join(roles),
        "expires": g.get("token_expires"),
        "via_link": g.get("page_token") is not None,
    }


def _link(endpoint: str, **values: Any) -> str:
    """A link to another page, carrying the token on when it came in the link."""
    if g.get("page_token"):
        values[TOKEN_PARAMETER] = g.page_token
    return url_for(endpoint, **values)


def _day(value: Any, with_year: bool = True) -> str:
    if not value:
        return "—"
    try:
        return day_label(date.fromisoformat(str(value)[:10]), with_year)
    except ValueError:
        return str(value)


def _instant(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{day_label(moment.date(), True)} {moment:%H:%M}"


def _figure(label: str, value: Any, unit: str, missing: str = "—") -> dict[str, str]:
    if value is None:
        return {"label": label, "value": missing, "unit": ""}
    return {"label": label, "value": number(value), "unit": unit}


def kpi_card(doc: Mapping[str, Any], on: date) -> dict[str, Any]:
    """What one KPI card shows."""
    definition = doc.get("definition") or {}
    unit = str(definition.get("unit") or "")
    latest = doc.get("latest") or {}
    status = doc.get("status") if doc["state"] == "aligned" else None
    badge = status_label(status) if doc["state"] == "aligned" else doc["state"].replace("_", " ")
    direction = {"increase": "↑ increase", "decrease": "↓ decrease", "maintain": "↔ maintain"}.get(
        str(definition.get("direction")), ""
    )
    return {
        "id": doc["_id"],
        "name": definition.get("name") or "KPI",
        "state": doc["state"],
        "status": status or ("none" if doc["state"] == "aligned" else doc["state"]),
        "badge": badge,
        "colour": status_colour(status),
        "kind": definition.get("kind") or "",
        "weight": definition.get("weight"),
        "direction": direction,
        "trend": doc.get("trend"),
        "figures": [
            _figure(
                f"Latest · {_day(latest.get('measured_on'), False)}" if latest else "Latest",
                latest.get("value"),
                unit,
                "not measured",
            ),
            _figure("Expected then", latest.get("expected"), unit),
            _figure(
                f"Target · {_day(definition.get('due_on'), False)}", definition.get("target"), unit
            ),
            _figure(
                f"Baseline · {_day(doc.get('baseline_on'), False)}"
                if doc.get("baseline_on")
                else "Baseline",
                definition.get("baseline"),
                unit,
            ),
        ],
        "measurements": len(doc.get("measurements") or []),
        "from_round": (latest.get("source") or {}).get("kind") == "round",
        "chart": Markup(kpi_chart(doc, on, f"kpi-{doc['_id']}")),
    }


def feedback_section(read: ReadModels, engagement: dict[str, Any]) -> dict[str, Any]:
    """The 360 chart (first and last full round), or why there is none."""
    rounds = engagement_rounds(read, engagement)
    full = [r for r in rounds if r["status"] == "closed" and r["purpose"] in FULL_ROUNDS]
    shown = [r for r in full if results_visible(engagement, r)]
    if not shown:
        reason = (
            "The results of this engagement's 360 rounds are not shared with you."
            if full
            else "No 360 round has closed yet."
        )
        return {"chart": None, "reason": reason, "rounds": [], "withheld": bool(full)}
    trends = competency_trends(shown)
    ordered = sorted(shown, key=lambda r: (FULL_ROUNDS.index(r["purpose"]), r["closed_at"]))
    first, last = ordered[0], ordered[-1]
    scale = first.get("scale") or {"minimum": 1, "maximum": 5}
    labels = (str(first["purpose"]).capitalize(), str(last["purpose"]).capitalize())
    pairs = competency_pairs(trends)
    chart = feedback_chart(pairs, scale["minimum"], scale["maximum"], labels)
    compared = [p for p in pairs if p.baseline is not None and p.final is not None]
    return {
        "chart": Markup(chart),
        "reason": "",
        "withheld": False,
        "compared": len(compared) if len(ordered) > 1 else 0,
        "improved": sum(p.final > p.baseline for p in compared if p.final and p.baseline),
        "first_purpose": first["purpose"],
        "rounds": [{"purpose": r["purpose"], "closed": _day(r.get("closed_at"))} for r in ordered],
        "suppressed": sorted(
            {
                group.replace("_", " ")
                for r in shown
                for group in (r.get("results") or {}).get("suppressed_groups") or []
            }
        ),
    }


def headline(summary: Mapping[str, Any], feedback: Mapping[str, Any]) -> list[dict[str, str]]:
    """Where the engagement stands, in a few phrases (each with a tone: good, warn, bad)."""
    phrases = []
    aligned = [k for k in summary["kpis"]["latest"] if k["state"] == "aligned"]
    behind = [k for k in aligned if k["status"] in ("at_risk", "off_track")]
    for kpi in sorted(behind, key=lambda k: k["status"] != "off_track"):
        tone = "bad" if kpi["status"] == "off_track" else "warn"
        phrases.append({"text": f"{kpi['name']} is {status_label(kpi['status'])}", "tone": tone})
    measured = [k for k in aligned if k["status"]]
    if measured and not behind:
        every = "All" if len(measured) == len(aligned) else f"{len(measured)} of"
        phrases.append(
            {"text": f"{every} {len(aligned)} KPIs on track or achieved", "tone": "good"}
        )
    if len(measured) < len(aligned):
        missing = len(aligned) - len(measured)
        phrases.append(
            {"text": f"{missing} KPI{'s' if missing > 1 else ''} not measured yet", "tone": "warn"}
        )
    reviews = summary["reviews"]
    if reviews["held"]:
        phrases.append(
            {
                "text": f"{reviews['on_time']} of {reviews['held']} reviews on time",
                "tone": "good" if not reviews["late"] else "warn",
            }
        )
    if feedback.get("compared"):
        phrases.append(
            {
                "text": f"others rate {feedback['improved']} of {feedback['compared']} competencies"
                f" higher than at the {feedback['first_purpose']} 360",
                "tone": "good" if feedback["improved"] * 2 > feedback["compared"] else "warn",
            }
        )
    return phrases


def timeline(read: ReadModels, engagement: Mapping[str, Any]) -> tuple[list[dict], int]:
    """The newest TIMELINE_ROWS events, newest first, and how many there are."""
    query = {"tenant": engagement["tenant"], "engagement_id": engagement["_id"]}
    names = {engagement[r]["id"]: engagement[r]["name"] for r in ("executive", "coach", "manager")}
    cursor = (
        read["timeline"]
        .find(query, {"time": 1, "event": 1, "line": 1, "actor": 1})
        .sort([("time", -1), ("stream_id", -1), ("stream_version", -1)])
        .limit(TIMELINE_ROWS)
    )
    rows = [
        {
            "time": _instant(e["time"]),
            "event": e["event"],
            "line": e["line"],
            "actor": names.get(e["actor"], e["actor"]),
        }
        for e in cursor
    ]
    return rows, read["timeline"].count_documents(query)


@blp.route("/engagements/<string:engagement_id>/dashboard")
class EngagementDashboard(MethodView):
    @html_page()
    @blp.doc(**PAGE_DOC)
    def get(self, engagement_id: str) -> Any:
        """The engagement at a glance (HTML): people and phase, KPI cards with trajectories,
        the 360 baseline against the final round, development areas, the latest events."""
        read = models()
        engagement = visible_engagement(engagement_id, read)
        kpis = ordered_kpis(
            read["kpis"].find({"tenant": engagement["tenant"], "engagement_id": engagement_id})
        )
        summary = engagement_summary(read, engagement, kpis)
        feedback = feedback_section(read, engagement)
        on = today()
        events, total = timeline(read, engagement)
        phase = engagement["phase"]
        steps = [{"label": PHASE_LABELS[p], "state": _step(p, phase)} for p in PHASES[:4]]
        return page(
            200,
            "dashboard.html",
            title=f"{engagement['executive']['name']} · dashboard",
            viewer=_viewer(g.principal, role_in(engagement)),
            engagement=engagement,
            summary=summary,
            phase=PHASE_LABELS.get(phase, phase),
            cancelled=phase == "cancelled",
            steps=steps,
            cards=[kpi_card(k, on) for k in kpis],
            counts=[
                {
                    "status": s,
                    "label": status_label(None if s == "not_measured" else s),
                    "count": n,
                    "colour": status_colour(s),
                }
                for s, n in summary["kpis"]["by_status"].items()
            ],
            feedback=feedback,
            headline=headline(summary, feedback),
            areas=[_area(a) for a in summary["development_areas"]],
            events=events,
            total_events=total,
            today=_day(on.isoformat()),
            aligned_on=_day(summary["kpis_aligned_on"]),
            due_on=_day(summary["kpis_due_on"]),
            next_review=_day(summary["reviews"]["next_due_on"]),
            review_overdue=bool(summary["reviews"]["next_due_on"])
            and phase == "results_management"
            and summary["reviews"]["next_due_on"] < on.isoformat(),
            start=_day(engagement["start_date"]),
            overview_link=_link("dashboard.OverviewDashboard")
            if g.principal.has_any(*TENANT_READERS)
            else None,
        )


def _step(step: str, phase: str) -> str:
    if phase == "cancelled":
        return "todo"
    reached, current = PHASES.index(step), PHASES.index(phase)
    return (
        "done"
        if reached < current or phase == "completed"
        else ("current" if reached == current else "todo")
    )


def _area(area: Mapping[str, Any]) -> dict[str, Any]:
    shift = area.get("shift")
    pulses = area.get("pulses") or []
    return {
        "name": area["name"],
        "rationale": area.get("rationale") or "",
        "first": number(area.get("first")) if area.get("first") is not None else "—",
        "last": number(area.get("last")) if area.get("last") is not None else "—",
        "shift": None if shift is None else f"{'+' if shift >= 0 else ''}{number(shift)}",
        "direction": None
        if shift is None
        else "up"
        if shift > 0
        else "down"
        if shift < 0
        else "flat",
        "pulse": number(pulses[-1]["others"])
        if pulses and pulses[-1].get("others") is not None
        else None,
    }


def engagement_rows(read: ReadModels, tenant: str) -> tuple[list[dict[str, Any]], int]:
    """The tenant's engagements (newest first, at most OVERVIEW_ROWS) with their KPI counts."""
    query = {"tenant": tenant}
    fields = {
        "executive": 1,
        "coach": 1,
        "manager": 1,
        "programme": 1,
        "phase": 1,
        "start_date": 1,
        "opened_at": 1,
    }
    found = list(read["engagements"].find(query, fields).sort("opened_at", -1).limit(OVERVIEW_ROWS))
    kpis: dict[str, list[dict[str, Any]]] = {e["_id"]: [] for e in found}
    for kpi in read["kpis"].find(
        {"tenant": tenant, "engagement_id": {"$in": list(kpis)}},
        {"engagement_id": 1, "state": 1, "status": 1},
    ):
        kpis[kpi["engagement_id"]].append(kpi)
    rows = []
    for e in found:
        counts = status_counts(kpis[e["_id"]])
        rows.append(
            {
                "executive": e["executive"]["name"],
                "coach": e["coach"]["name"],
                "manager": e["manager"]["name"],
                "programme": e["programme"],
                "phase": PHASE_LABELS.get(e["phase"], e["phase"]),
                "start": _day(e["start_date"]),
                "statuses": [
                    {
                        "status": s,
                        "label": status_label(s),
                        "count": counts[s],
                        "colour": status_colour(s),
                    }
                    for s in ("off_track", "at_risk", "on_track", "achieved")
                    if counts[s]
                ],
                "link": _link("dashboard.EngagementDashboard", engagement_id=e["_id"]),
            }
        )
    return rows, read["engagements"].count_documents(query)


@blp.route("/dashboard")
class OverviewDashboard(MethodView):
    @html_page(*TENANT_READERS)
    @blp.doc(**PAGE_DOC)
    def get(self) -> Any:
        """The organisation's overview (HTML; admin, HR and auditors): engagements by phase,
        KPIs by status, reviews on time and late, every engagement with a link."""
        read, tenant = models(), g.principal.tenant
        overview = organisation_overview(read, tenant)
        rows, total = engagement_rows(read, tenant)
        by_status = overview["kpis"]["by_status"]
        reviews = overview["reviews"]
        return page(
            200,
            "overview.html",
            title="Organisation overview",
            viewer=_viewer(g.principal),
            tenant=tenant,
            overview=overview,
            rows=rows,
            total=total,
            phases=[
                {"label": PHASE_LABELS[p], "count": n}
                for p, n in overview["engagements"]["by_phase"].items()
            ],
            counts=[
                {
                    "label": status_label(None if s == "not_measured" else s),
                    "count": n,
                    "colour": status_colour(s),
                }
                for s, n in by_status.items()
            ],
            status_chart=Markup(status_bar(by_status)),
            on_time_share=round(100 * reviews["on_time"] / reviews["held"])
            if reviews["held"]
            else None,
        )
