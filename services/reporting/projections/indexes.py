"""Lists of what the queries then read by `_id` (the subset pattern): per engagement its KPIs,
its feedback rounds and its reviews (with their dates), and per manager the engagements they
were ever assigned, each an owner's ordered rows (projections/paged_rows.py).

A query reads the list (a head and a page) and each member by `_id`, so its cost follows the
engagement, not every tenant's history. A manager's list only grows: an engagement moved to
another manager stays listed and the query keeps those whose current manager is the caller.
"""

from __future__ import annotations

from typing import Any

from services.reporting.projections.kpis import current_kpis
from services.reporting.projections.paged_rows import PagedRows
from services.reporting.projections.read_models import ReadModels
from shared.events.envelope import event_name

COLLECTION = "indexes"


def indexes(models: ReadModels) -> PagedRows:
    """Every list of this generation."""
    return PagedRows(models[COLLECTION], {})


def kpis_of(engagement_id: str) -> str:
    """The list of an engagement's KPIs, in the order they were proposed."""
    return f"kpis:{engagement_id}"


def rounds_of(engagement_id: str) -> str:
    """The list of an engagement's feedback rounds, in the order they were opened."""
    return f"rounds:{engagement_id}"


def reviews_of(engagement_id: str) -> str:
    """The list of an engagement's reviews by the day each was held (`held_on` in each)."""
    return f"reviews:{engagement_id}"


def managed_by(tenant: str, manager_id: str) -> str:
    """The list of the engagements a manager of the tenant was ever assigned."""
    return f"manager:{tenant}:{manager_id}"


def members(models: ReadModels, collection: Any, owner: str, tenant: str) -> list[dict]:
    """The documents of `collection` a list names, in its order, each read by `_id` and kept
    only if it is the tenant's."""
    found = (collection.find_one({"_id": row["_id"]})
             for row in indexes(models).rows(owner, tenant))  # fmt: skip
    return [dict(doc) for doc in found if doc is not None and doc.get("tenant") == tenant]


def kpi_documents(models: ReadModels, tenant: str, engagement_id: str) -> list[dict]:
    """The engagement's KPI documents in the order they were proposed."""
    return members(models, current_kpis(models), kpis_of(engagement_id), tenant)


def review_dates(models: ReadModels, tenant: str, engagement_id: str) -> list[str]:
    """The days the engagement's reviews were held, in order."""
    return [str(row["held_on"]) for row in indexes(models).rows(reviews_of(engagement_id), tenant)]


class IndexProjection:
    """Adds each KPI, round, review and manager assignment to its list once."""

    def __init__(self, models: ReadModels) -> None:
        self._lists = indexes(models)

    def setup(self) -> None:
        """Nothing to index: every read is by `_id`."""

    def handle(self, envelope: dict[str, Any]) -> None:
        name, data, tenant = event_name(envelope["type"]), envelope["data"], envelope["tenant"]
        engagement, time = data.get("engagement_id", envelope["subject"]), envelope["time"]
        if name == "KpiProposed":
            self._add(kpis_of(engagement), tenant, data["kpi_id"], [time, data["kpi_id"]])
        elif name == "FeedbackRoundOpened":
            self._add(rounds_of(engagement), tenant, data["round_id"], [time, data["round_id"]])
        elif name == "ReviewHeld":
            self._add(reviews_of(engagement), tenant, data["review_id"],
                      [data["held_on"], data["review_id"]], held_on=data["held_on"])  # fmt: skip
        elif name in ("EngagementOpened", "ManagerAssigned"):
            owner = managed_by(tenant, data["manager"]["id"])
            self._add(owner, tenant, engagement, [engagement])

    def _add(self, owner: str, tenant: str, _id: str, key: list[Any], **fields: Any) -> None:
        self._lists.add(owner, tenant, {"_id": _id, "key": key, **fields})
