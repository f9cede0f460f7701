"""Who may read what in the reporting service (the README's access matrix), against the active
read models: applied here and nowhere else. Another tenant's engagement is a 404 whoever asks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.projections.read_models import ReadModels
from shared.auth.access import PARTICIPANTS, READERS, Rule, roles_in, sees_results, tenant_wide
from shared.domain.errors import Forbidden, NotFound
from shared.web.app_factory import resources
from shared.web.auth import current_principal

READ = Rule(READERS, "only the engagement's participants, HR and auditors may read it")


def models() -> ReadModels:
    """The generation of read models queries answer from."""
    return ReadModels.active(resources().database)


def visible_engagement(engagement_id: str, read: ReadModels | None = None) -> dict[str, Any]:
    """The engagement's directory entry, if the caller may read it (else 404 or 403)."""
    caller = current_principal()
    read = read or models()
    engagement = read["engagements"].find_one({"_id": engagement_id, "tenant": caller.tenant})
    if engagement is None:
        raise NotFound(f"engagement {engagement_id} not found")
    READ.require(_roles(engagement))
    return engagement


def _roles(engagement: Mapping[str, Any]) -> frozenset[str]:
    return roles_in(current_principal(), {r: engagement[r]["id"] for r in PARTICIPANTS})


def role_in(engagement: Mapping[str, Any]) -> str | None:
    """The caller's role in an engagement (None when they take no part)."""
    caller = current_principal()
    return next((r for r in PARTICIPANTS if engagement[r]["id"] == caller.subject), None)


def results_visible(engagement: Mapping[str, Any], round_: Mapping[str, Any]) -> bool:
    """Whether the caller sees a round's results (the 360 rule of both services)."""
    return sees_results(_roles(engagement), bool(round_.get("results_visible_to_manager")))


def withholds_unshared_rounds(engagement: Mapping[str, Any]) -> bool:
    """Whether measurements taken from rounds not shared with the manager are withheld from
    the caller: exactly those who would not see such a round's results (the 360 rule)."""
    return not results_visible(engagement, {"results_visible_to_manager": False})


def sees_tenant() -> bool:
    """Whether the caller reads across their tenant (the audit, the overview)."""
    return tenant_wide(current_principal())


def require_tenant_wide() -> None:
    """Forbidden (403) unless the caller reads across their tenant."""
    if not sees_tenant():
        raise Forbidden("name an engagement you take part in, or ask an auditor")
