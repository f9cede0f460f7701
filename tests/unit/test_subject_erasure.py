"""POST /subjects/{person_id}/erasure on the assessment app (in memory): personal fields are
stored sealed, an admin's erasure makes a person read as erased everywhere the service
answers, the stored events and their hash chain stay as they were, and bad requests change
nothing."""

from __future__ import annotations

import json

from shared.domain.subjects import subject_ref
from shared.events.envelope import verify_chain
from tests.unit.api_helpers import ENGAGEMENT, assert_problem, bearer

ADMIN = bearer("a1", roles=("admin",))
COACH = bearer("c1", roles=("coach",))
ERASURE = {"reason": "Art. 17 request of the stakeholder", "reference": "DSR-2026-17"}


def opened(client) -> tuple[str, str]:
    engagement = client.post("/engagements", json=ENGAGEMENT, headers=COACH).get_json()
    added = client.post(
        f"/engagements/{engagement['id']}/stakeholders",
        json={"name": "Priya Natarajan", "contact": "priya@example.org", "relationship": "peer"},
        headers=COACH,
    )
    assert added.status_code == 201, added.get_data(as_text=True)
    [stakeholder] = added.get_json()["stakeholders"]
    return engagement["id"], stakeholder["id"]


def stored_text(store) -> str:
    return json.dumps(
        [c.__dict__ for c in store.unpublished(limit=10_000)], default=str
    ) + json.dumps([store.load(s) for s in _streams(store)])


def _streams(store) -> list[str]:
    return sorted({c.stream_id for c in store.unpublished(limit=10_000)})


def test_names_and_contacts_are_stored_sealed(client, store):
    opened(client)
    text = stored_text(store)
    for plain in ("Priya", "Natarajan", "priya@example.org", "Alex", "Dana"):
        assert plain not in text
    assert '"sealed"' in text


def test_an_erased_stakeholder_reads_as_erased_and_the_chain_still_holds(client, store):
    engagement_id, stakeholder_id = opened(client)
    stream = f"engagement-{engagement_id}"
    before = store.load(stream)
    response = client.post(f"/subjects/{stakeholder_id}/erasure", json=ERASURE, headers=ADMIN)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    ref = subject_ref("acme", stakeholder_id)
    assert body == {"person_id": stakeholder_id, "subject": ref, "erased_at": body["erased_at"],
                    "reason": ERASURE["reason"], "reference": "DSR-2026-17",
                    "basis": "request"}  # fmt: skip
    read = client.get(f"/engagements/{engagement_id}", headers=COACH).get_json()
    [stakeholder] = read["stakeholders"]
    assert stakeholder["name"] == f"Erased person {ref[:6]}…"
    assert stakeholder.get("contact", "") == ""
    assert read["executive"]["name"] == "Alex"  # the others stay readable
    assert store.load(stream) == before  # nothing stored was rewritten
    published = [{k: v for k, v in e.items() if k != "private"} for e in before]
    assert verify_chain(published) is None


def test_erasure_is_idempotent(client, store):
    _, stakeholder_id = opened(client)
    first = client.post(f"/subjects/{stakeholder_id}/erasure", json=ERASURE, headers=ADMIN)
    again = client.post(f"/subjects/{stakeholder_id}/erasure",
                        json={"reason": "again", "reference": "DSR-2"}, headers=ADMIN)  # fmt: skip
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    erasures = [c for c in store.unpublished(limit=10_000) if c.stream_id.startswith("subject-")]
    assert len(erasures) == 1
    [event] = erasures[0].events
    assert event["type"] == "mastery.assessment.SubjectErased.v1"
    assert stakeholder_id not in json.dumps(event)  # the event names the ref, not the id


def test_an_erased_executive_reads_as_erased_in_new_facts_too(client):
    engagement_id, _ = opened(client)
    client.post("/subjects/x1/erasure", json=ERASURE, headers=ADMIN)
    barrier = client.post(
        f"/engagements/{engagement_id}/barriers",
        json={"description": "Avoids conflict with Alex's peers", "source": "peer",
              "impact": "high", "capability": "tough_conversations"},
        headers=COACH,
    )  # fmt: skip
    assert barrier.status_code == 201, barrier.get_data(as_text=True)
    read = client.get(f"/engagements/{engagement_id}/needs-assessment", headers=COACH)
    [stored] = read.get_json()["barriers"]
    assert stored["description"] == "[erased]"  # nothing about an erased person is kept


def test_only_an_admin_erases_and_refusals_change_nothing(client, store):
    _, stakeholder_id = opened(client)
    before = len(store.unpublished(limit=10_000))
    refused = client.post(f"/subjects/{stakeholder_id}/erasure", json=ERASURE, headers=COACH)
    assert_problem(refused, 403, "forbidden")
    for bad in ({}, {"reason": "x"}, {"reference": "x"}, {"reason": "", "reference": "r"},
                {"reason": "x", "reference": "r", "extra": 1}):  # fmt: skip
        assert_problem(client.post(f"/subjects/{stakeholder_id}/erasure", json=bad,
                                   headers=ADMIN), 422, "validation-error")  # fmt: skip
    no_token = client.post(f"/subjects/{stakeholder_id}/erasure", json=ERASURE)
    assert no_token.status_code == 401
    assert len(store.unpublished(limit=10_000)) == before


def test_an_erased_persons_id_cannot_be_given_to_a_new_engagement_or_role(client, store):
    engagement_id, _ = opened(client)
    erased = client.post("/subjects/m1/erasure", json=ERASURE, headers=ADMIN)
    assert erased.status_code == 201, erased.get_data(as_text=True)
    before = len(store.unpublished(limit=10_000))
    again = client.post("/engagements", json=ENGAGEMENT, headers=COACH)
    assert_problem(again, 409, "subject-erased")
    manager = client.put(
        f"/engagements/{engagement_id}/manager",
        json={"id": "m1", "name": "Morgan Back", "reason": "returned"},
        headers=COACH,
    )
    assert_problem(manager, 409, "subject-erased")
    assert len(store.unpublished(limit=10_000)) == before
    other = dict(ENGAGEMENT, manager={"id": "m2", "name": "Sam Other"})
    assert client.post("/engagements", json=other, headers=COACH).status_code == 201
