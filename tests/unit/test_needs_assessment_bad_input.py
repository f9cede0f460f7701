"""Bad input to the needs-assessment routes: each case is refused with its 4xx and stores
nothing (Flask's test client, the in-memory store)."""

import pytest

from tests.unit.api_helpers import assert_problem, bearer
from tests.unit.needs_assessment_helpers import BARRIER, PROFILE, seed, stored


@pytest.fixture
def seeded(client) -> dict:
    return seed(client)


def _scales(*scales: dict) -> dict:
    return PROFILE | {"scales": list(scales)}


def _areas(*areas: dict) -> dict:
    return {"areas": list(areas)}


def _area(**changes) -> dict:
    return {"capability": "listening", "rationale": "why"} | changes


BAD_INPUT = [
    # profiles
    ("profile-unknown-field", "post", "/profiles", PROFILE | {"surprise": 1}, 422,
     "validation-error"),
    ("profile-instrument-type", "post", "/profiles", PROFILE | {"instrument": 7}, 422,
     "validation-error"),
    ("profile-score-as-text", "post", "/profiles", _scales({"name": "A", "score": "7"}), 422,
     "validation-error"),
    ("profile-score-as-bool", "post", "/profiles", _scales({"name": "A", "score": True}), 422,
     "validation-error"),
    ("profile-score-out-of-range", "post", "/profiles", _scales({"name": "A", "score": 1e7}), 422,
     "validation-error"),
    ("profile-scale-unknown-field", "post", "/profiles",
     _scales({"name": "A", "score": 1, "colour": "red"}), 422, "validation-error"),
    ("profile-scales-not-a-list", "post", "/profiles", PROFILE | {"scales": {"A": 1}}, 422,
     "validation-error"),
    ("profile-no-scales", "post", "/profiles", _scales(), 422, "validation-error"),
    ("profile-strength-type", "post", "/profiles", PROFILE | {"strengths": [["nested"]]}, 422,
     "validation-error"),
    ("profile-missing-date", "post", "/profiles",
     {k: v for k, v in PROFILE.items() if k != "administered_on"}, 422, "validation-error"),
    ("profile-bad-date", "post", "/profiles", PROFILE | {"administered_on": "last week"}, 422,
     "validation-error"),
    ("profile-future-date", "post", "/profiles", PROFILE | {"administered_on": "2999-01-01"},
     422, "invalid-command"),
    ("profile-blank-instrument", "post", "/profiles", PROFILE | {"instrument": "   "}, 422,
     "invalid-command"),
    ("profile-duplicate-scale", "post", "/profiles",
     _scales({"name": "A", "score": 1}, {"name": "a", "score": 2}), 422, "invalid-command"),
    ("profile-body-not-an-object", "post", "/profiles", ["Hogan"], 422, "validation-error"),
    # barriers
    ("barrier-unknown-field", "post", "/barriers", BARRIER | {"owner": "x1"}, 422,
     "validation-error"),
    ("barrier-impact-type", "post", "/barriers", BARRIER | {"impact": 3}, 422,
     "validation-error"),
    ("barrier-unknown-source", "post", "/barriers", BARRIER | {"source": "board"}, 422,
     "validation-error"),
    ("barrier-unknown-impact", "post", "/barriers", BARRIER | {"impact": "critical"}, 422,
     "validation-error"),
    ("barrier-missing-description", "post", "/barriers",
     {k: v for k, v in BARRIER.items() if k != "description"}, 422, "validation-error"),
    ("barrier-unknown-capability", "post", "/barriers", BARRIER | {"capability": "charisma"},
     422, "invalid-command"),
    ("barrier-empty-custom-capability", "post", "/barriers", BARRIER | {"capability": "custom:"},
     422, "invalid-command"),
    # resolution
    ("resolve-unknown-barrier", "post", "/barriers/nobody/resolution", {"note": "n"}, 404,
     "not-found"),
    ("resolve-resolved-barrier", "post", "/barriers/{resolved}/resolution", {"note": "n"}, 409,
     "invalid-transition"),
    ("resolve-without-note", "post", "/barriers/{open}/resolution", {}, 422, "validation-error"),
    ("resolve-note-type", "post", "/barriers/{open}/resolution", {"note": ["n"]}, 422,
     "validation-error"),
    ("resolve-unknown-field", "post", "/barriers/{open}/resolution", {"note": "n", "by": "c1"},
     422, "validation-error"),
    ("resolve-blank-note", "post", "/barriers/{open}/resolution", {"note": "  "}, 422,
     "invalid-command"),
    ("resolve-long-note", "post", "/barriers/{open}/resolution", {"note": "n" * 2001}, 422,
     "validation-error"),
    # development areas
    ("areas-unknown-field", "put", "/development-areas", _areas(_area()) | {"all": True}, 422,
     "validation-error"),
    ("areas-area-unknown-field", "put", "/development-areas", _areas(_area(weight=2)), 422,
     "validation-error"),
    ("areas-not-a-list", "put", "/development-areas", {"areas": "listening"}, 422,
     "validation-error"),
    ("areas-none", "put", "/development-areas", _areas(), 422, "validation-error"),
    ("areas-ten", "put", "/development-areas",
     _areas(*(_area(capability=f"custom:area {i}") for i in range(10))), 422,
     "validation-error"),
    ("areas-missing-rationale", "put", "/development-areas", _areas({"capability": "listening"}),
     422, "validation-error"),
    ("areas-blank-rationale", "put", "/development-areas", _areas(_area(rationale=" ")), 422,
     "invalid-command"),
    ("areas-capability-type", "put", "/development-areas", _areas(_area(capability=5)), 422,
     "validation-error"),
    ("areas-unknown-capability", "put", "/development-areas",
     _areas(_area(capability="charisma")), 422, "invalid-command"),
    ("areas-duplicate-capability", "put", "/development-areas", _areas(_area(), _area()), 422,
     "invalid-command"),
    ("areas-unknown-profile", "put", "/development-areas",
     _areas(_area(linked_to=[{"kind": "profile", "id": "p-none"}])), 422, "invalid-command"),
    ("areas-unknown-barrier", "put", "/development-areas",
     _areas(_area(linked_to=[{"kind": "barrier", "id": "{profile}"}])), 422, "invalid-command"),
    ("areas-unknown-reference-kind", "put", "/development-areas",
     _areas(_area(linked_to=[{"kind": "session", "id": "s1"}])), 422, "validation-error"),
    ("areas-reference-unknown-field", "put", "/development-areas",
     _areas(_area(linked_to=[{"kind": "round", "id": "r1", "at": 1}])), 422,
     "validation-error"),
    ("areas-reference-id-type", "put", "/development-areas",
     _areas(_area(linked_to=[{"kind": "round", "id": 1}])), 422, "validation-error"),
]  # fmt: skip


def _fill(value, ids: dict):
    """Put the seeded ids into {placeholders} of a path or body."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_is_refused_and_stores_nothing(
    client, store, seeded, method, path, body, status, code
):
    before = stored(store)
    response = getattr(client, method)(
        seeded["base"] + _fill(path, seeded), json=_fill(body, seeded), headers=bearer()
    )
    assert_problem(response, status, code)
    assert stored(store) == before
