"""Bitemporal KPI history: the paged as-of answer of the live projection equals a brute-force
fold of the changes (applied in effective-time order, ties in stream order, those recorded by
K and effective by T), over random stories with late, back-dated and same-instant changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.domain import kpi_versions
from services.reporting.projections.kpis import KpiProjection, current_kpis, kpi_history
from services.reporting.queries.kpis import version_as_of
from tests.unit.memory_collection import MemoryCollection


def history_rows(models, kpi_id: str) -> list:
    """A KPI's change rows as the history route reads them (its pages, by _id)."""
    head = models["kpi_history"].find_one({"_id": kpi_id})
    return list(kpi_history(models).rows(kpi_id, head["tenant"])) if head else []


START = datetime(2026, 7, 1, 9, tzinfo=UTC)
KPI = "kpi-1"
DEFINITION = {"name": "Revenue", "description": "Quarterly revenue", "kind": "performance",
              "capability": None, "unit": "kEUR", "baseline": 150, "target": 200,
              "direction": "increase", "tolerance": 0, "weight": 50, "cadence": "monthly",
              "due_on": "2027-06-30"}  # fmt: skip


def instant(hours: float) -> str:
    moment = START + timedelta(hours=hours)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def day(hours: float) -> str:
    return (START + timedelta(hours=hours)).date().isoformat()


@dataclass
class Story:
    """The kpi events of one KPI, and the changes they make, as the oracle sees them."""

    events: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # eff, rec, seq, kind, fields
    clock: float = 0.0

    def event(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        envelope = {"id": f"evt-{len(self.events) + 1}", "type": f"mastery.kpi.{name}.v1",
                    "tenant": "acme", "time": instant(self.clock),
                    "streamversion": len(self.events) + 1, "actor": "mgr-1",
                    "data": {"engagement_id": "eng-1", "kpi_id": KPI, **data}}  # fmt: skip
        self.events.append(envelope)
        return envelope

    def change(self, kind: str, effective: str, fields: dict[str, Any]) -> None:
        seq = self.events[-1]["streamversion"]
        self.changes.append({"eff": effective, "rec": instant(self.clock), "seq": seq,
                             "kind": kind, "fields": fields})  # fmt: skip


def propose_and_align(story: Story, align_after: float, aligned_days_before: int) -> None:
    story.event("KpiProposed", {"definition": DEFINITION})
    story.change("proposed", instant(story.clock), DEFINITION)
    story.clock += align_after
    aligned_on = day(story.clock - 24 * aligned_days_before)
    story.event("KpiAligned", {"baseline": 150, "baseline_on": aligned_on, "weight": 50})
    story.change("aligned", f"{aligned_on}T00:00:00.000Z", {"baseline": 150, "weight": 50})


def revise(story: Story, fields: dict[str, Any], held_days_before: int | None) -> None:
    data: dict[str, Any] = {"review_id": None}
    effective = instant(story.clock)
    if held_days_before is not None:
        review, held = f"r-{len(story.events)}", day(story.clock - 24 * held_days_before)
        story.event("ReviewHeld", {"review_id": review, "held_on": held, "attendees": []})
        data["review_id"], effective = review, f"{held}T00:00:00.000Z"
    changes = [{"field": k, "before": None, "after": v} for k, v in fields.items()]
    story.event("KpiRevised", data | {"changes": changes, "definition": DEFINITION | fields})
    story.change("revised", effective, fields)


def oracle(story: Story, at: str, known_at: str) -> dict[str, Any] | None:
    """The definition, written out: fold, in effective order, what was recorded by K."""
    known = [c for c in story.changes if c["rec"] <= known_at]
    aligned = next((c["eff"] for c in known if c["kind"] == "aligned"), None)

    def effective(c: dict[str, Any]) -> str:
        return min(c["eff"], aligned) if aligned and c["kind"] == "proposed" else c["eff"]

    state: dict[str, Any] | None = None
    for c in sorted(known, key=lambda c: (effective(c), c["seq"])):
        if effective(c) <= at:
            state = state or {"state": "proposed", "definition": {}}
            if c["kind"] != "revised":
                state["state"] = c["kind"]
            state["definition"] = {**state["definition"], **c["fields"]}
    return state


def project(story: Story, redeliver: set[int]) -> tuple[dict[str, Any], dict[str, Any]]:
    names = ("kpis", "kpi_history", "kpi_versions", "reviews")
    models = {name: MemoryCollection() for name in names}
    projection = KpiProjection(models)  # type: ignore[arg-type]
    for n, event in enumerate(story.events):
        projection.handle(event)
        if n in redeliver:
            projection.handle(event)
    return models, current_kpis(models).find_one({"_id": KPI})


def answer(models: dict[str, Any], kpi: dict[str, Any], at: str, known_at: str) -> Any:
    row = version_as_of(models, kpi, at, known_at)  # type: ignore[arg-type]
    return row and {"state": row["state"], "definition": row["definition"]}


FIELDS = st.dictionaries(st.sampled_from(["target", "weight", "description"]),
                         st.integers(1, 99), min_size=1)  # fmt: skip
REVISION = st.tuples(FIELDS, st.one_of(st.none(), st.integers(0, 90)),
                     st.sampled_from([0.0, 0.0, 1.0, 30.0, 24 * 20.0]))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    align_after=st.sampled_from([0.0, 2.0, 24 * 15.0]),
    aligned_days_before=st.integers(0, 20),
    revisions=st.lists(REVISION, max_size=14),
    redeliver=st.sets(st.integers(0, 40)),
    probes=st.lists(st.tuples(st.floats(-24 * 100, 24 * 400), st.floats(-24, 24 * 400)),
                    min_size=5, max_size=25),
)  # fmt: skip
def test_paged_as_of_equals_the_brute_force_fold(align_after, aligned_days_before, revisions,
                                                 redeliver, probes):  # fmt: skip
    story = Story()
    propose_and_align(story, align_after, aligned_days_before)
    for fields, held_days_before, pause in revisions:
        story.clock += pause
        revise(story, fields, held_days_before)
    models, kpi = project(story, redeliver)
    instants = sorted({c["eff"] for c in story.changes} | {c["rec"] for c in story.changes})
    questions = [(instant(t), instant(k)) for t, k in probes]
    questions += [(t, k) for t in instants for k in instants]  # every boundary, both axes
    for at, known_at in questions:
        assert answer(models, kpi, at, known_at) == oracle(story, at, known_at), (at, known_at)
    now = oracle(story, kpi_versions.END_OF_TIME, kpi_versions.END_OF_TIME)
    assert {"state": kpi["state"], "definition": kpi["definition"]} == now


@settings(max_examples=5, deadline=None)
@given(seed_revisions=st.lists(REVISION, min_size=150, max_size=200))
def test_long_histories_span_pages_and_still_answer_exactly(seed_revisions):
    story = Story()
    propose_and_align(story, 2.0, 0)
    for fields, held_days_before, pause in seed_revisions:
        story.clock += pause + 1
        revise(story, fields, held_days_before if held_days_before and held_days_before < 3
               else None)  # fmt: skip
    models, kpi = project(story, set())
    pages = models["kpi_versions"].documents
    assert len(pages) > 2
    assert all(isinstance(page["versions"], bytes) for page in pages.values())  # stored packed
    span = story.clock + 48
    for at, known_at in [(instant(span * t / 30), instant(span * k / 30)) for t in range(-1, 31)
                         for k in range(-1, 31)]:  # fmt: skip
        assert answer(models, kpi, at, known_at) == oracle(story, at, known_at), (at, known_at)


def hours_until(moment: str) -> float:
    return (datetime.fromisoformat(moment).replace(tzinfo=UTC) - START).total_seconds() / 3600


def back_dated_story() -> Story:
    """The acceptance finding: target and weight changed in September and October, then a
    review held on 19 July is recorded in October with a change of the description only."""
    story = Story()
    propose_and_align(story, 2.0, 0)  # aligned on 1 July: target 200, weight 50
    story.clock = hours_until("2026-09-02T15:00")
    revise(story, {"target": 160}, held_days_before=0)
    story.clock = hours_until("2026-10-01T15:00")
    revise(story, {"weight": 70}, held_days_before=0)
    story.clock = hours_until("2026-10-10T15:00")
    revise(story, {"description": "Revenue, net of refunds"}, held_days_before=83)  # 19 July
    return story


def test_a_back_dated_change_leaves_later_effective_changes_where_they_took_effect():
    story = back_dated_story()
    models, kpi = project(story, set())
    now = kpi_versions.END_OF_TIME

    def definition(at: str, known_at: str = now) -> dict[str, Any]:
        return answer(models, kpi, at, known_at)["definition"]

    july, september = definition("2026-07-24"), definition("2026-09-17")
    assert (july["target"], july["weight"], july["description"]) == (
        200, 50, "Revenue, net of refunds"
    )  # fmt: skip
    assert (september["target"], september["weight"]) == (160, 50)
    assert (definition("2026-10-05")["target"], definition("2026-10-05")["weight"]) == (160, 70)
    before_it_was_recorded = definition("2026-07-24", known_at="2026-10-05")
    assert before_it_was_recorded["description"] == "Quarterly revenue"
    assert (kpi["definition"]["target"], kpi["definition"]["weight"]) == (160, 70)


def test_the_history_shows_both_times_and_what_a_late_change_restated():
    story = back_dated_story()
    models, _kpi = project(story, set())
    rows = history_rows(models, KPI)
    versions = {v["seq"]: v for v in kpi_versions.history(rows)}
    late = versions[max(versions)]
    assert late["valid_from"] == "2026-07-19T00:00:00.000Z"
    assert late["valid_to"] == "2026-09-02T00:00:00.000Z"
    assert late["recorded_at"].startswith("2026-10-10")
    target_change = next(v for v in versions.values() if v["changes"][:1] and
                         v["changes"][0]["field"] == "target")  # fmt: skip
    assert target_change["definition"]["description"] == "Revenue, net of refunds"
    assert target_change["as_recorded"]["definition"]["description"] == "Quarterly revenue"
