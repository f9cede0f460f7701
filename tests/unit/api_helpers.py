"""What the API unit tests share: a config, tokens, an engagement body, problem checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.auth.tokens import mint
from shared.config import ServiceConfig
from tests.access_matrix import CALLERS, Call, bracket, cell, expected

CONFIG = ServiceConfig.from_env("assessment", env={}, max_body_bytes=8192)
# The subject of each caller of tests/access_matrix.py: the engagement's people are c1, m1, x1.
SUBJECTS = {"admin": "a1", "coach": "c1", "other-coach": "c9", "manager": "m1",
            "other-manager": "m9", "executive": "x1", "hr": "h1", "auditor": "u1"}  # fmt: skip
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


def check_matrix_call(
    client: Any, store: Any, table: dict[str, tuple[str, ...]], call: Call, caller: str,
    foreign: bool, ids: dict[str, str], shows: Callable[[Call, dict[str, Any]], str],
) -> None:  # fmt: skip
    """Make one call of a route-by-route access test as `caller` (from another tenant when
    `foreign`) and check what the matrix says: the status, nothing stored when refused, and
    what a read holds (`shows` puts it in the words of the cell's brackets)."""
    before = len(store.unpublished(limit=10_000))
    ids = ids | {"self": SUBJECTS[caller]}  # a route about the caller themselves
    headers = bearer(SUBJECTS[caller], "globex" if foreign else "acme", CALLERS[caller][1])
    body = call.json(ids)
    method = getattr(client, call.method.lower())
    response = method(call.url(ids), headers=headers, **({"json": body} if body else {}))
    status = expected(table, call, caller, foreign)
    if status in (403, 404):
        assert_problem(response, status, "forbidden" if status == 403 else "not-found")
        assert len(store.unpublished(limit=10_000)) == before
        return
    assert response.status_code == status, response.get_json()
    if call.method == "GET":
        assert shows(call, response.get_json()) == bracket(cell(table, call.route, caller))
