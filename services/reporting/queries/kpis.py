"""KPI queries: current state, as of any instant as known at any instant, history, and the
manager's view of every report's KPIs."""

from __future__ import annotations

from typing import Any

from services.reporting.domain import kpi_versions, version_pages
from services.reporting.domain.kpi_views import measurement_as_of, without_unshared_rounds
from services.reporting.projections.indexes import indexes, kpi_documents, managed_by
from services.reporting.projections.kpis import kpi_history as kpi_history_rows
from services.reporting.projections.kpis import version_pages_of
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.access import (
    tenant_document,
    visible_engagement,
    withholds_unshared_rounds,
)
from shared.auth.tokens import Principal
from shared.domain.errors import NotFound
from shared.projections.writes import REVISION

INTERNAL = ("_id", "tenant", version_pages.DIRECTORY, "last_effective", "last_recorded",
            REVISION)  # fmt: skip


def kpi_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A KPI's current state (its measurements included)."""
    return {"kpi_id": doc["_id"], **{k: v for k, v in doc.items() if k not in INTERNAL}}


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


def engagement_kpis(
    read: ReadModels, caller: Principal, engagement: dict[str, Any]
) -> list[dict[str, Any]]:
    """The engagement's KPI documents as the caller may see them: without measurements from
    rounds not shared with the manager when those are withheld from the caller."""
    docs = kpi_documents(read, engagement["tenant"], engagement["_id"])
    if withholds_unshared_rounds(caller, engagement):
        return [without_unshared_rounds(doc) for doc in docs]
    return list(docs)


def current_kpis(read: ReadModels, caller: Principal, engagement_id: str) -> dict[str, Any]:
    """The engagement's KPIs now (GET /engagements/{id}/kpis)."""
    engagement = visible_engagement(read, caller, engagement_id)
    docs = engagement_kpis(read, caller, engagement)
    return {"engagement_id": engagement_id, "kpis": [kpi_view(d) for d in docs]}


def kpis_as_of(
    read: ReadModels, caller: Principal, engagement_id: str, instant: str, known_at: str
) -> dict[str, Any]:
    """The engagement's KPIs as of `instant`, as known at `known_at`."""
    engagement = visible_engagement(read, caller, engagement_id)
    withhold = withholds_unshared_rounds(caller, engagement)
    views = engagement_kpis_as_of(read, caller.tenant, engagement_id, instant, known_at, withhold)
    return {"engagement_id": engagement_id, "as_of": instant, "known_at": known_at, "kpis": views}


def engagement_kpis_as_of(
    read: ReadModels,
    tenant: str,
    engagement_id: str,
    instant: str,
    known_at: str,
    withhold: bool = False,
) -> list[dict[str, Any]]:
    """Every KPI of an engagement at `instant`, as known at `known_at`: per KPI the page of
    versions its directory points to, read by _id (rarely more: version_pages); without
    measurements from rounds not shared with the manager when `withhold`."""
    views = []
    for current in kpi_documents(read, tenant, engagement_id):
        if withhold:
            current = without_unshared_rounds(current)
        row = version_as_of(read, current, instant, known_at)
        if row is not None:
            measured = measurement_as_of(current["measurements"], instant, known_at)
            views.append(as_of_view(row, measured, instant, known_at))
    return views


def version_as_of(read: ReadModels, kpi: dict[str, Any], instant: str, known_at: str) -> Any:
    """The KPI's row answering as of `instant`, known at `known_at`, from its pages (each read
    by _id, kept only if it is the KPI's tenant's)."""

    def page(number: int) -> list[dict[str, Any]]:
        _id = version_pages.page_id(kpi["_id"], number)
        stored = tenant_document(version_pages_of(read), _id, kpi["tenant"])
        return stored[version_pages.VERSIONS] if stored else []

    found = version_pages.find_row(kpi.get(version_pages.DIRECTORY, []), page, instant, known_at)
    return dict(found) if found is not None else None


def kpi_history(
    read: ReadModels, caller: Principal, engagement_id: str, kpi_id: str
) -> dict[str, Any]:
    """Every version of the KPI, with valid_from / valid_to (effective) and recorded_at."""
    visible_engagement(read, caller, engagement_id)
    rows = [{k: v for k, v in row.items() if k not in ("tenant", "key")}
            for row in kpi_history_rows(read).rows(kpi_id, caller.tenant)
            if row["engagement_id"] == engagement_id]  # fmt: skip
    if not rows:
        raise NotFound(f"KPI {kpi_id} not found")
    versions = [history_view(version) for version in kpi_versions.history(rows)]
    return {"engagement_id": engagement_id, "kpi_id": kpi_id, "versions": versions}


def manager_kpis(read: ReadModels, caller: Principal) -> dict[str, Any]:
    """Every KPI of every engagement where the caller is the executive's manager."""
    listed = indexes(read).rows(managed_by(caller.tenant, caller.subject), caller.tenant)
    found = (tenant_document(read["engagements"], row["_id"], caller.tenant) for row in listed)
    engagements = {e["_id"]: e for e in found
                   if e is not None and e["manager"]["id"] == caller.subject}  # fmt: skip
    grouped: dict[str, list[dict[str, Any]]] = {}
    for engagement_id, engagement in engagements.items():
        docs = kpi_documents(read, caller.tenant, engagement_id)
        if withholds_unshared_rounds(caller, engagement):
            docs = [without_unshared_rounds(doc) for doc in docs]
        grouped[engagement_id] = [kpi_view(doc) for doc in docs]
    return {"manager": caller.subject, "engagements": [
        {"engagement_id": e, "executive": engagements[e]["executive"],
         "phase": engagements[e]["phase"], "kpis": kpis}
        for e, kpis in grouped.items()
    ]}  # fmt: skip
