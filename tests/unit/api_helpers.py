"""What the API unit tests share: a config, tokens, an engagement body, problem checks."""

from __future__ import annotations

from typing import Any

from shared.auth.tokens import mint
from shared.config import ServiceConfig

CONFIG = ServiceConfig.from_env("assessment", env={}, max_body_bytes=8192)
ENGAGEMENT = {
    "executive": {"id": "x1", "name": "Alex"},
    "manager": {"id": "m1", "name": "Dana"},
    "programme": "Personal mastery",
    "start_date": "2026-01-05",
}


def bearer(
    subject: str = "c1", tenant: str = "acme", roles: Any = ("coach",), secret: str = ""
) -> dict[str, str]:
    """An Authorization header with a token minted for the test config."""
    token = mint(
        secret or CONFIG.jwt_secret,
        subject=subject,
        tenant=tenant,
        roles=list(roles),
        issuer=CONFIG.jwt_issuer,
        audience=CONFIG.jwt_audience,
    )
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is a problem+json of that status and type; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and body["type"].endswith(code)
    assert body["correlation_id"]
    return body


def engagement_opened(engagement_id: str = "e1", tenant: str = "acme") -> dict[str, Any]:
    """An EngagementOpened envelope as the assessment topic carries it (for directories)."""
    return {
        "type": "mastery.assessment.EngagementOpened.v1",
        "tenant": tenant,
        "time": "2026-01-05T09:00:00.000Z",
        "streamversion": 1,
        "data": {
            "engagement_id": engagement_id,
            "executive": {"id": "x1", "name": "Alex"},
            "coach": {"id": "c1", "name": "Casey"},
            "manager": {"id": "m1", "name": "Dana"},
            "programme": "Personal mastery",
            "start_date": "2026-01-05",
        },
    }
