"""Who may read what in the reporting service (the README's access matrix), as plain functions
of the caller: applied here and nowhere else. Another tenant's engagement is a 404 whoever asks.

The manager-visibility rule lives here once: a round's results are shown to whoever may read
them (the 360 table), and a measurement taken from a round not shared with the manager is
withheld from exactly those who may not read such a round's results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from services.reporting.projections.read_models import ReadModels
from shared.auth.access import PARTICIPANTS, READERS, Rule, roles_in, sees_results, tenant_wide
from shared.auth.tokens import Principal
from shared.domain.errors import Forbidden, NotFound

READ = Rule(READERS, "only the engagement's participants, HR and auditors may read it")
UNSHARED_ROUND = {"results_visible_to_manager": False}


def visible_engagement(read: ReadModels, caller: Principal, engagement_id: str) -> dict:
    """The engagement's directory entry, if the caller may read it (else 404 or 403)."""
    engagement = read["engagements"].find_one({"_id": engagement_id, "tenant": caller.tenant})
    if engagement is None:
        raise NotFound(f"engagement {engagement_id} not found")
    READ.require(_roles(caller, engagement))
    return dict(engagement)


def tenant_document(collection: Any, _id: str, tenant: str) -> dict[str, Any] | None:
    """The document with this `_id` if it is the tenant's. A filter of `_id` alone is the one
    FerretDB 1.24 pushes down (README, Performance), so the tenant is checked on the answer."""
    found = collection.find_one({"_id": _id})
    return dict(found) if found is not None and found.get("tenant") == tenant else None


def _roles(caller: Principal, engagement: Mapping[str, Any]) -> frozenset[str]:
    return roles_in(caller, {r: engagement[r]["id"] for r in PARTICIPANTS})


def role_in(caller: Principal, engagement: Mapping[str, Any]) -> str | None:
    """The caller's role in an engagement (None when they take no part)."""
    return next((r for r in PARTICIPANTS if engagement[r]["id"] == caller.subject), None)


def results_visible(
    caller: Principal, engagement: Mapping[str, Any], round_: Mapping[str, Any]
) -> bool:
    """Whether the caller sees a round's results (the 360 rule of both services)."""
    shared = bool(round_.get("results_visible_to_manager"))
    return sees_results(_roles(caller, engagement), shared)


def shown_rounds(
    caller: Principal, engagement: Mapping[str, Any], rounds: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rounds whose results the caller sees, in their order."""
    return [r for r in rounds if results_visible(caller, engagement, r)]


def withholds_unshared_rounds(caller: Principal, engagement: Mapping[str, Any]) -> bool:
    """Whether measurements taken from rounds not shared with the manager are withheld from
    the caller: exactly those who would not see such a round's results (the 360 rule)."""
    return not results_visible(caller, engagement, UNSHARED_ROUND)


def sees_tenant(caller: Principal) -> bool:
    """Whether the caller reads across their tenant (the audit, the overview)."""
    return tenant_wide(caller)


def require_tenant_wide(caller: Principal) -> None:
    """Forbidden (403) unless the caller reads across their tenant."""
    if not sees_tenant(caller):
        raise Forbidden("name an engagement you take part in, or ask an auditor")
