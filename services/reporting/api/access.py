"""Who may read what in the reporting service, against the active read models."""

from __future__ import annotations

from typing import Any

from services.reporting.projections.read_models import ReadModels
from shared.domain.errors import Forbidden, NotFound
from shared.web.app_factory import resources
from shared.web.auth import current_principal

TENANT_READERS = ("admin", "hr", "auditor")
PARTICIPANTS = ("executive", "coach", "manager")


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
    participants = {engagement[role]["id"] for role in PARTICIPANTS}
    if not caller.has_any(*TENANT_READERS) and caller.subject not in participants:
        raise Forbidden("only the engagement's participants, HR and auditors may read it")
    return engagement


def role_in(engagement: dict[str, Any]) -> str | None:
    """The caller's role in an engagement (None when they take no part)."""
    caller = current_principal()
    return next((r for r in PARTICIPANTS if engagement[r]["id"] == caller.subject), None)
