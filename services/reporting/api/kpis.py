"""KPI queries: current state, as of any instant as known at any instant, history, and the
manager's view of every report's KPIs."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema

from services.reporting.api.access import models, visible_engagement, withholds_unshared_rounds
from services.reporting.domain import kpi_versions, version_pages
from services.reporting.domain.kpi_views import measurement_as_of, without_unshared_rounds
from services.reporting.projections.read_models import ReadModels
from shared.domain.errors import NotFound
from shared.web.auth import BEARER, current_principal, requires
from shared.web.instants import Instant, now

blp = Blueprint("report_kpis", __name__, description="KPI state, as-of and history")
PUBLIC = {"_id": 0, "tenant": 0}


class AsOfArgs(Schema):
    class Meta:
        unknown = RAISE

    as_of = Instant(metadata={"description": "The instant in effective time (default: now)."})
    known_at = Instant(metadata={"description": "What was known at this instant (default: now)."})


def kpi_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A KPI's current state (its measurements included)."""
    internal = ("_id", "tenant", version_pages.DIRECTORY, "last_effective", "last_recorded")
    return {"kpi_id": doc["_id"], **{k: v for k, v in doc.items() if k not in internal}}


def history_view(version: dict[str, Any]) -> dict[str, Any]:
    """One change of a KPI's history as the route shows it."""
    shown = {k: v for k, v in version.items() if k not in ("_id", "delta", "effective_from")}
    return {"event_id": version["_id"], **shown}


def as_of_view(row: dict[str, Any], measurement: Any, instant: str, known_at: str) -> dict:
    """A KPI version as it stood at `instant`, as known at `known_at`."""
    return {
        "kpi_id": row["kpi_id"], "state": row["state"], "definition": row["definition"],
        "baseline_on": row["baseline_on"], "valid_from": row["effective_from"],
        "recorded_at": row["recorded_at"], "latest": measurement,
        "status": measurement["status"] if measurement else None,
        "as_of": instant, "known_at": known_at,
    }  # fmt: skip


def engagement_kpis(read: ReadModels, engagement: dict[str, Any]) -> list[dict[str, Any]]:
    """The engagement's KPI documents as the caller may see them: without measurements from
    rounds not shared with the manager when those are withheld from the caller."""
    docs = read["kpis"].find({"tenant": engagement["tenant"], "engagement_id": engagement["_id"]})
    if withholds_unshared_rounds(engagement):
        return [without_unshared_rounds(doc) for doc in docs]
    return list(docs)


def engagement_kpis_as_of(
    tenant: str, engagement_id: str, instant: str, known_at: str, withhold: bool = False
) -> list:
    """Every KPI of an engagement at `instant`, as known at `known_at`: per KPI the page of
    versions its directory points to, read by _id (rarely more: version_pages); without
    measurements from rounds not shared with the manager when `withhold`."""
    read = models()
    views = []
    for current in read["kpis"].find({"tenant": tenant, "engagement_id": engagement_id}):
        if withhold:
            current = without_unshared_rounds(current)
        row = version_as_of(read, current, instant, known_at)
        if row is not None:
            measured = measurement_as_of(current["measurements"], instant, known_at)
            views.append(as_of_view(row, measured, instant, known_at))
    return views


def version_as_of(read: ReadModels, kpi: dict[str, Any], instant: str, known_at: str) -> Any:
    """The KPI's row answering as of `instant`, known at `known_at`, from its pages."""

    def page(number: int) -> list[dict[str, Any]]:
        stored = read["kpi_versions"].find_one({"_id": version_pages.page_id(kpi["_id"], number)})
        return stored["versions"] if stored else []

    found = version_pages.find_row(kpi.get(version_pages.DIRECTORY, []), page, instant, known_at)
    return dict(found) if found is not None else None


@blp.route("/engagements/<string:engagement_id>/kpis")
class EngagementKpis(MethodView):
    @requires()
    @blp.arguments(AsOfArgs, location="query", unknown=RAISE)
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], engagement_id: str) -> Any:
        """The engagement's KPIs now, or as of an instant as known at an instant."""
        engagement = visible_engagement(engagement_id)
        tenant = current_principal().tenant
        if args:
            instant, known_at = args.get("as_of") or now(), args.get("known_at") or now()
            withhold = withholds_unshared_rounds(engagement)
            return {
                "engagement_id": engagement_id,
                "as_of": instant,
                "known_at": known_at,
                "kpis": engagement_kpis_as_of(tenant, engagement_id, instant, known_at, withhold),
            }
        docs = engagement_kpis(models(), engagement)
        return {"engagement_id": engagement_id, "kpis": [kpi_view(d) for d in docs]}  # fmt: skip


@blp.route("/engagements/<string:engagement_id>/kpis/<string:kpi_id>/history")
class KpiHistory(MethodView):
    @requires()
    @blp.doc(security=BEARER)
    def get(self, engagement_id: str, kpi_id: str) -> Any:
        """Every version of the KPI, with valid_from / valid_to (effective) and recorded_at."""
        visible_engagement(engagement_id)
        rows = list(models()["kpi_history"].find(
            {"tenant": current_principal().tenant, "engagement_id": engagement_id,
             "kpi_id": kpi_id}, {"tenant": 0}))  # fmt: skip
        if not rows:
            raise NotFound(f"KPI {kpi_id} not found")
        versions = [history_view(version) for version in kpi_versions.history(rows)]
        return {"engagement_id": engagement_id, "kpi_id": kpi_id, "versions": versions}


@blp.route("/managers/me/kpis")
class ManagerKpis(MethodView):
    @requires()
    @blp.doc(security=BEARER)
    def get(self) -> Any:
        """Every KPI of every engagement where the caller is the executive's manager."""
        caller, read = current_principal(), models()
        engagements = {
            e["_id"]: e
            for e in read["engagements"].find(
                {"tenant": caller.tenant, "manager.id": caller.subject}
            )
        }
        docs = read["kpis"].find(
            {"tenant": caller.tenant, "engagement_id": {"$in": list(engagements)}}
        )
        grouped: dict[str, list[dict[str, Any]]] = {e: [] for e in engagements}
        for doc in docs:
            if withholds_unshared_rounds(engagements[doc["engagement_id"]]):
                doc = without_unshared_rounds(doc)
            grouped[doc["engagement_id"]].append(kpi_view(doc))
        return {"manager": caller.subject, "engagements": [
            {"engagement_id": e, "executive": engagements[e]["executive"],
             "phase": engagements[e]["phase"], "kpis": kpis}
            for e, kpis in grouped.items()
        ]}  # fmt: skip
