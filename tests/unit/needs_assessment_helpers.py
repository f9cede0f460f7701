"""What the needs-assessment API tests share: bodies, callers, a seeded engagement, the
write routes."""

from tests.unit.api_helpers import ENGAGEMENT, bearer

PROFILE = {
    "instrument": "Hogan HPI",
    "scales": [
        {"name": "Adjustment", "score": 72, "band": "high"},
        {"name": "Ambition", "score": 41.5},
    ],
    "strengths": ["Calm under pressure"],
    "development_needs": ["Delegation"],
    "administered_on": "2026-01-20",
    "administered_by": "Casey Coach",
}
BARRIER = {
    "description": "Avoids conflict with peers",
    "source": "peer",
    "impact": "high",
    "capability": "listening",
}
COACH = {"subject": "c1", "roles": ["coach"]}
ADMIN = {"subject": "a1", "roles": ["admin"]}
EXECUTIVE = {"subject": "x1", "roles": ["executive"]}
MANAGER = {"subject": "m1", "roles": ["manager"]}


def stored(store) -> list:
    """Every commit in the store (nothing is published in these tests)."""
    return store.unpublished(limit=10_000)


def assessment_events(store, engagement_id: str) -> list[dict]:
    return store.load(f"needs-assessment-{engagement_id}")


def open_engagement(client) -> str:
    """A new engagement, opened by its coach; its id."""
    response = client.post("/engagements", json=ENGAGEMENT, headers=bearer())
    assert response.status_code == 201
    return response.get_json()["id"]


def seed(client) -> dict:
    """An engagement with a profile, an open barrier and a resolved barrier: its ids."""
    engagement_id = open_engagement(client)
    base = f"/engagements/{engagement_id}"
    profile = client.post(f"{base}/profiles", json=PROFILE, headers=bearer())
    client.post(f"{base}/barriers", json=BARRIER, headers=bearer())
    barriers = client.post(f"{base}/barriers", json=BARRIER, headers=bearer()).get_json()
    resolved_id = barriers["barriers"][1]["id"]
    resolved = client.post(
        f"{base}/barriers/{resolved_id}/resolution", json={"note": "done"}, headers=bearer()
    )
    assert resolved.status_code == 200, resolved.get_json()
    return {
        "engagement": engagement_id,
        "base": base,
        "profile": profile.get_json()["profiles"][0]["id"],
        "open": barriers["barriers"][0]["id"],
        "resolved": resolved_id,
    }


def writes(ids: dict) -> list[tuple[str, str, dict]]:
    """One valid call of each write route."""
    areas = {"areas": [{"capability": "listening", "rationale": "Peers feel unheard"}]}
    return [
        ("post", f"{ids['base']}/profiles", PROFILE),
        ("post", f"{ids['base']}/barriers", BARRIER),
        ("post", f"{ids['base']}/barriers/{ids['open']}/resolution", {"note": "done"}),
        ("put", f"{ids['base']}/development-areas", areas),
    ]


WRITE_IDS = ["profile", "barrier", "resolution", "development-areas"]
