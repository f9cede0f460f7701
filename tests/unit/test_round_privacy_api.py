"""What a round lets out (issue 8): answers are stored but publish nothing until the closing,
the closing publishes aggregates without comments, the comments are served by the assessment
service alone, and only the coach and admin follow the responses of an open round."""

from types import SimpleNamespace

import pytest

from services.assessment.handlers.base import Services
from services.assessment.handlers.round_results import seal_and_close
from services.assessment.handlers.rounds import round_for
from shared.auth.caller import Caller
from shared.auth.tokens import Principal
from shared.clock import SYSTEM_CLOCK
from shared.domain.errors import ConcurrencyConflict
from shared.events.envelope import EventContext
from shared.privacy.subject_index import MemorySubjectIndex
from tests.privacy import memory_keys
from tests.unit.api_helpers import ENGAGEMENT, assert_problem, bearer
from tests.unit.test_rounds_api import ROUND, invite, submit

GROUPS = ["self", "manager"] + ["peer"] * 3 + ["direct_report"] * 2
PEOPLE = {"executive": ("x1", ["executive"]), "manager": ("m1", ["manager"]),
          "hr": ("h1", ["hr"]), "auditor": ("u1", ["auditor"])}  # fmt: skip


def published(store) -> list[dict]:
    return [e for c in store.unpublished(limit=10_000) for e in c.events]


def open_round(client, shared: bool = False) -> str:
    engagement = client.post("/engagements", json=ENGAGEMENT, headers=bearer()).get_json()["id"]
    body = ROUND | {"results_visible_to_manager": shared}
    opened = client.post(f"/engagements/{engagement}/rounds", json=body, headers=bearer())
    return f"/engagements/{engagement}/rounds/{opened.get_json()['id']}"


def answered(client, round_url: str) -> None:
    """Every group invited, then each rater answers with a comment naming them."""
    tokens = [invite(client, round_url, g, n) for n, g in enumerate(GROUPS)]
    for n, token in enumerate(tokens):
        said = {"listening": f"said by {GROUPS[n]} {n}"}
        assert submit(client, token, comments=said, overall_comment=f"all {n}").status_code == 201


def test_answers_publish_nothing_and_the_closing_publishes_no_comment(client, store):
    round_url = open_round(client)
    tokens = [invite(client, round_url, g, n) for n, g in enumerate(GROUPS)]
    before = published(store)
    for n, token in enumerate(tokens):
        assert submit(client, token, comments={"listening": f"said {n}"}).status_code == 201
        assert published(store) == before
    assert client.post(f"{round_url}/closure", headers=bearer()).status_code == 200
    [closing] = published(store)[len(before) :]
    assert closing["type"] == "mastery.assessment.FeedbackRoundClosed.v2"
    assert "said" not in repr(closing) and "comments" not in closing["data"]["results"]
    assert closing["data"]["results_visible_to_manager"] is False
    assert {c["group"]: c["count"] for c in closing["data"]["responses"]}["peer"] == 3


def test_only_the_coach_and_admin_follow_the_responses_of_an_open_round(client):
    round_url = open_round(client)
    answered(client, round_url)
    for who in ("c1", "a1"):
        roles = ["admin"] if who == "a1" else ["coach"]
        state = client.get(round_url, headers=bearer(who, roles=roles)).get_json()
        assert {c["group"]: c["count"] for c in state["submitted"]}["direct_report"] == 2
    listing_url = round_url.rsplit("/", 1)[0]
    for subject, roles in PEOPLE.values():
        state = client.get(round_url, headers=bearer(subject, roles=roles)).get_json()
        [listed] = client.get(listing_url, headers=bearer(subject, roles=roles)).get_json()[
            "rounds"
        ]
        assert "submitted" not in state and "submitted" not in listed
        assert state["invited"] == listed["invited"] != []
    client.post(f"{round_url}/closure", headers=bearer())
    closed = client.get(round_url, headers=bearer("x1", roles=["executive"])).get_json()
    assert {c["group"]: c["count"] for c in closed["submitted"]}["peer"] == 3


@pytest.mark.parametrize("shared", [True, False])
def test_comments_come_from_their_own_route_by_its_rule(client, shared):
    round_url = open_round(client, shared)
    answered(client, round_url)
    assert_problem(client.get(f"{round_url}/comments", headers=bearer()), 409, "invalid-transition")
    client.post(f"{round_url}/closure", headers=bearer())
    results = client.get(f"{round_url}/results", headers=bearer()).get_json()
    assert "comments" not in results["results"] and "said" not in repr(results)
    comments = client.get(f"{round_url}/comments", headers=bearer()).get_json()["comments"]
    texts = sorted(c["text"] for c in comments)
    assert texts == [
        "all 2",
        "all 3",
        "all 4",
        "said by peer 2",
        "said by peer 3",
        "said by peer 4",
    ]
    executive = client.get(f"{round_url}/comments", headers=bearer("x1", roles=["executive"]))
    assert executive.get_json()["comments"] == comments
    manager = client.get(f"{round_url}/comments", headers=bearer("m1", roles=["manager"]))
    assert manager.status_code == (200 if shared else 403)
    for subject, roles in (PEOPLE["hr"], PEOPLE["auditor"]):
        refused = client.get(f"{round_url}/comments", headers=bearer(subject, roles=roles))
        assert_problem(refused, 403, "forbidden")


def test_a_closing_that_conflicts_leaves_the_answers_sealed_and_its_retry_closes(client, store):
    round_url = open_round(client)
    token = invite(client, round_url, "peer", 1)
    engagement_id, round_id = round_url.split("/")[2], round_url.split("/")[4]
    services = Services(
        SimpleNamespace(
            event_store=store, subject_keys=memory_keys(), subject_index=MemorySubjectIndex()
        ),
        SYSTEM_CLOCK,
    )
    coach = Caller(Principal("c1", "acme", frozenset({"coach"})), "k")
    _, stale = round_for(services, coach, engagement_id, round_id)
    invite(client, round_url, "peer", 2)  # the round moves on after the closer loaded it
    with pytest.raises(ConcurrencyConflict):
        seal_and_close(services, stale, "coach", EventContext("acme", "c1", "k"))
    assert_problem(submit(client, token), 409, "invalid-transition")  # sealed: no late answer
    assert client.post(f"{round_url}/closure", headers=bearer()).status_code == 200
    sealed = store.load(f"responses-{round_id}")
    assert [e["type"].split(".")[2] for e in sealed] == ["ResponsesSealed"]
