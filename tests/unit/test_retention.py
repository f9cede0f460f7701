"""The tenant's retention period: the setting (domain, handlers, access), the list of closed
engagements kept from the topic, and the policy erasing an expired engagement's executive,
stakeholders and raters as a request would (no I/O: the in-memory store, a movable clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.assessment import policies
from services.assessment.commands import (
    AddStakeholder,
    AdvancePhase,
    CancelEngagement,
    InviteRater,
    OpenEngagement,
    OpenRound,
    Rater,
    RemoveStakeholder,
    SetRetentionPeriod,
)
from services.assessment.domain.engagement import Person, Phase
from services.assessment.domain.retention import (
    MAX_DAYS,
    TenantRetention,
    expired,
    retention_stream,
)
from services.assessment.domain.subject_record import SubjectRecord
from services.assessment.handlers import AssessmentHandlers
from services.assessment.handlers.base import Services
from services.assessment.handlers.subjects import is_erased
from services.assessment.retention_due import MemoryRetentionDue
from shared.auth.caller import Caller
from shared.auth.tokens import Principal
from shared.clock import Clock
from shared.domain.errors import Forbidden, InvalidCommand
from shared.domain.subjects import subject_ref
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.privacy.subject_index import MemorySubjectIndex
from tests.privacy import memory_keys

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def caller(subject: str, *roles: str, tenant: str = "acme") -> Caller:
    return Caller(Principal(subject, tenant, frozenset(roles), subject.upper()), f"k-{subject}")


COACH, ADMIN, HR = caller("c1", "coach"), caller("a1", "admin"), caller("h1", "hr")
OTHER_ADMIN = caller("a2", "admin", tenant="globex")


@dataclass
class MovableClock:
    at: datetime = START

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def world():
    """The handlers, the store and the retention list, fed from the store's events as the
    worker's consumer would be, on a clock the test moves."""
    store, moment = MemoryEventStore(), MovableClock()
    adapters = SimpleNamespace(event_store=store, subject_keys=memory_keys("assessment"),
                               subject_index=MemorySubjectIndex())  # fmt: skip
    services = Services(adapters, Clock(moment.now))
    return SimpleNamespace(handlers=AssessmentHandlers(services), services=services,
                           store=store, clock=moment, due=MemoryRetentionDue())  # fmt: skip


def feed(world) -> None:
    """Apply every stored event to the retention list (redelivering is harmless)."""
    for commit in world.store.unpublished(10_000):
        for envelope in commit.events:
            world.due.handle(envelope)


def closed_at(world) -> datetime:
    """When the latest engagement closed (its event's time: the store's clock)."""
    return max(datetime.fromisoformat(e["closed_at"]) for e in world.due.entries())


def set_days(world, days, by: Caller = ADMIN):
    return world.handlers.handle(SetRetentionPeriod(days=days, reason="policy v2"), by)


def engagement(world, executive: str = "x1") -> tuple[str, list[str]]:
    """An engagement with two stakeholders (one removed later) and a round of two raters;
    its id and the ids of its stakeholders and raters."""
    h = world.handlers
    people_ = {"executive": Person(executive, "Alex"), "manager": Person("m1", "Dana")}
    opened = OpenEngagement(**people_, coach=None, programme="Mastery", start_date=date(2026, 1, 5))
    e = h.handle(opened, COACH).created_id
    people = []
    for name in ("Pat", "Lee"):
        added = AddStakeholder(engagement_id=e, name=name, contact=f"{name}@example.org",
                               relationship="peer")  # fmt: skip
        people.append(h.handle(added, COACH).body["stakeholders"][-1]["id"])
    h.handle(RemoveStakeholder(engagement_id=e, stakeholder_id=people[0]), COACH)
    r = h.handle(OpenRound(engagement_id=e, purpose="pulse", competencies=(("listening", ""),),
                           closes_on=date(2026, 3, 20)), COACH).created_id  # fmt: skip
    for n in range(2):
        rater = Rater(group="peer", name=f"Rater {n}", contact=f"r{n}@example.org")
        invited = h.handle(InviteRater(engagement_id=e, round_id=r, rater=rater), COACH)
        people.append(invited.created_id)
    return e, people


def close(world, e: str, cancel: bool = True) -> None:
    if cancel:
        world.handlers.handle(CancelEngagement(engagement_id=e, reason="ended early"), COACH)
    else:
        for phase in ("kpi_alignment", "results_management", "completed"):
            world.handlers.handle(AdvancePhase(engagement_id=e, phase=Phase(phase)), COACH)
    feed(world)


def erasures(world) -> list[dict]:
    """Every SubjectErased stored, as (subject, basis, actor, reference)."""
    found = []
    for commit in world.store.unpublished(10_000):
        for envelope in commit.events:
            if envelope["type"].endswith("SubjectErased.v1"):
                found.append({**envelope["data"], "actor": envelope["actor"],
                              "reason": envelope["reason"]})  # fmt: skip
    return found


# The setting


def test_a_period_is_whole_days_from_zero_to_a_hundred_years_or_none():
    settings = TenantRetention(retention_stream("acme"))
    for bad in (-1, MAX_DAYS + 1, True, 1.5, "30"):
        with pytest.raises(InvalidCommand):
            settings.set_days(bad)
    settings.set_days(30)
    settings.set_days(30)
    settings.set_days(None)
    assert [e.days for e in settings.pending] == [30, None]
    assert [e.previous_days for e in settings.pending] == [None, 30]


def test_expiry_is_the_closing_time_plus_the_period_and_none_never_expires():
    assert not expired(START, 30, START + timedelta(days=30) - timedelta(seconds=1))
    assert expired(START, 30, START + timedelta(days=30))
    assert expired(START, 0, START)
    assert not expired(START, None, START + timedelta(days=365_000))


def test_admins_set_the_period_tenant_wide_readers_read_it_and_tenants_are_apart(world):
    assert world.handlers.read_retention(HR).body["days"] is None
    with pytest.raises(Forbidden):
        set_days(world, 30, by=HR)
    with pytest.raises(Forbidden):
        world.handlers.read_retention(COACH)
    with pytest.raises(InvalidCommand):
        world.handlers.handle(SetRetentionPeriod(days=30, reason=" "), ADMIN)
    answer = set_days(world, 30)
    assert answer.body == {"days": 30, "applies_to": ["executive", "stakeholders", "raters"],
                           "kept": ["coach", "manager"]} and answer.version == 1  # fmt: skip
    assert set_days(world, 30).version == 1  # the same period again records nothing
    assert world.handlers.read_retention(HR).body["days"] == 30
    assert world.handlers.read_retention(OTHER_ADMIN).body["days"] is None


# The list of closed engagements


def test_the_list_holds_closed_engagements_once_with_their_first_closing_time(world):
    e, _ = engagement(world)
    feed(world)
    assert world.due.entries() == []
    close(world, e, cancel=False)
    feed(world)
    [entry] = world.due.entries()
    assert entry["_id"] == f"engagement-{e}" and entry["engagement_id"] == e
    assert entry["tenant"] == "acme" and entry["closed_at"].endswith("Z")
    closing = [env for c in world.store.unpublished(10_000) for env in c.events][-1]
    world.due.handle({**closing, "time": "2027-01-01T00:00:00.000Z"})  # redelivered, later
    assert world.due.entries() == [entry]


# The policy


def test_nothing_is_erased_before_the_period_has_run_out_or_without_a_period(world):
    e, people = engagement(world)
    close(world, e)
    world.clock.at = closed_at(world) + timedelta(days=400)
    assert policies.erase_expired(world.services, world.due) == 0  # no period set: kept
    set_days(world, 30)
    world.clock.at = closed_at(world) + timedelta(days=30) - timedelta(seconds=1)
    assert policies.erase_expired(world.services, world.due) == 0
    assert not any(is_erased(world.services, "acme", p) for p in [*people, "x1"])


def test_an_expired_engagement_loses_its_executive_stakeholders_and_raters_not_its_staff(world):
    set_days(world, 30)
    e, people = engagement(world)
    close(world, e)
    world.clock.at = closed_at(world) + timedelta(days=30)
    assert policies.erase_expired(world.services, world.due) == 5
    assert all(is_erased(world.services, "acme", p) for p in [*people, "x1"])
    assert not any(is_erased(world.services, "acme", p) for p in ("c1", "m1"))
    found = erasures(world)
    assert {f["subject"] for f in found} == {subject_ref("acme", p) for p in [*people, "x1"]}
    assert {(f["basis"], f["actor"], f["reference"]) for f in found} == {
        ("retention", "retention", f"retention {e}")
    }
    assert "30 days" in found[0]["reason"] and "Pat" not in str(found)
    read = world.handlers.read_engagement(e, ADMIN).body
    assert read["executive"].name.startswith("Erased person ")
    assert read["stakeholders"][0]["name"].startswith("Erased person ")
    assert read["manager"] == Person("m1", "Dana")
    assert world.due.entries() == []
    feed(world)  # the closing redelivered: found again, nobody erased twice
    assert policies.erase_expired(world.services, world.due) == 0
    assert len(erasures(world)) == 5


def test_an_executive_with_an_engagement_still_open_is_kept_until_it_expires_too(world):
    set_days(world, 0)
    first, people = engagement(world)
    second, others = engagement(world)
    close(world, first)
    world.clock.at = closed_at(world)
    assert policies.erase_expired(world.services, world.due) == 4
    assert all(is_erased(world.services, "acme", p) for p in people)
    assert not is_erased(world.services, "acme", "x1")
    assert not any(is_erased(world.services, "acme", p) for p in others)
    assert world.due.entries()[0]["people_erased"] is True
    close(world, second, cancel=False)
    world.clock.at = closed_at(world)
    assert policies.erase_expired(world.services, world.due) == 5
    assert is_erased(world.services, "acme", "x1") and world.due.entries() == []
    stream = SubjectRecord.stream_for(subject_ref("acme", "x1"))
    record = world.services.subjects().get("acme", stream)
    assert record.erasure.basis == "retention"


# The route (the assessment app, in memory)


def test_the_route_sets_and_reads_the_period_and_refuses_bad_bodies_changing_nothing(client):
    from tests.unit.api_helpers import assert_problem, bearer

    admin, hr = bearer("a1", roles=("admin",)), bearer("h1", roles=("hr",))
    assert client.get("/settings/retention", headers=hr).get_json()["days"] is None
    for bad in ({"days": -1, "reason": "r"}, {"days": MAX_DAYS + 1, "reason": "r"},
                {"days": "30", "reason": "r"}, {"days": 1.5, "reason": "r"},
                {"days": True, "reason": "r"}, {"days": 30}, {"days": 30, "reason": ""},
                {"reason": "r"}, {"days": 30, "reason": "r", "extra": 1}, [30]):  # fmt: skip
        answer = client.put("/settings/retention", json=bad, headers=admin)
        assert answer.status_code == 422, bad
        assert answer.get_json()["type"].endswith(("validation-error", "invalid-command"))
    assert client.get("/settings/retention", headers=hr).get_json()["days"] is None
    assert_problem(client.put("/settings/retention", json={"days": 9, "reason": "r"},
                              headers=hr), 403, "forbidden")  # fmt: skip
    assert_problem(client.get("/settings/retention"), 401, "unauthorized")
    done = client.put("/settings/retention", json={"days": 0, "reason": "policy"}, headers=admin)
    assert done.status_code == 200 and done.get_json()["days"] == 0 and done.headers["ETag"]
    kept = client.put("/settings/retention", json={"days": None, "reason": "hold"}, headers=admin)
    assert kept.get_json()["days"] is None
    assert client.get("/settings/retention", headers=hr).get_json()["days"] is None
