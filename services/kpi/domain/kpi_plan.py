"""The KpiPlan aggregate: every KPI of one engagement, its alignment, reviews and measurements.

One stream per engagement (not per KPI): the weights of an engagement's KPIs must sum
to 100 once aligned, and a review's measurements and changes land together, so the
invariants span KPIs. KPIs change monthly at most, so contention stays low; a
concurrent writer gets a conflict, never a lost update.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, cast

from services.kpi.domain.kpi_events import (
    FieldChange,
    KpiAligned,
    KpiDefinition,
    KpiProposed,
    KpiReproposed,
    KpiRetired,
    KpiRevised,
    KpiSentBack,
    MeasurementRecorded,
    MeasurementSource,
    Person,
    ReviewHeld,
    Value,
)
from services.kpi.domain.status import Direction, StatusThresholds, Trajectory, assess
from shared.domain.aggregate import Aggregate, sealed_since
from shared.domain.capabilities import is_known
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound

KINDS = ("performance", "behavioural")
CADENCES = ("weekly", "monthly", "quarterly")
MEASURED_BY = ("manual", "feedback_rounds")
REVISABLE = ("name", "description", "unit", "target", "tolerance", "weight", "due_on")
REPROPOSABLE = (*REVISABLE, "kind", "capability", "baseline", "direction", "cadence", "measured_by")


class KpiState(StrEnum):
    """Where a KPI stands in alignment."""

    PROPOSED = "proposed"
    SENT_BACK = "sent_back"
    ALIGNED = "aligned"
    RETIRED = "retired"


@dataclass
class Kpi:
    """One KPI as the plan knows it."""

    id: str
    definition: KpiDefinition
    state: KpiState = KpiState.PROPOSED
    baseline_on: str | None = None
    sent_back_comment: str = ""
    measurements: list[MeasurementRecorded] = field(default_factory=list)

    def trajectory(self) -> Trajectory:
        """Baseline (at alignment) to target (at the due date)."""
        return _trajectory(self.definition, _date(self.baseline_on or ""))


def validate_definition(definition: KpiDefinition, starts_on: date) -> None:
    """Refuse a KPI that is not well formed (InvalidCommand)."""
    d = definition
    if d.kind not in KINDS:
        raise InvalidCommand(f"kind must be one of {', '.join(KINDS)}")
    if d.kind == "behavioural" and not (d.capability and is_known(d.capability)):
        raise InvalidCommand("a behavioural KPI names a catalogue capability or 'custom:<name>'")
    if d.capability is not None and not is_known(d.capability):
        raise InvalidCommand(f"unknown capability {d.capability!r}")
    if d.measured_by not in MEASURED_BY:
        raise InvalidCommand(f"measured_by must be one of {', '.join(MEASURED_BY)}")
    if d.measured_by == "feedback_rounds" and d.kind != "behavioural":
        raise InvalidCommand("only a behavioural KPI is measured by feedback rounds")
    if d.cadence not in CADENCES:
        raise InvalidCommand(f"cadence must be one of {', '.join(CADENCES)}")
    if isinstance(d.weight, bool) or not isinstance(d.weight, int) or not 1 <= d.weight <= 100:
        raise InvalidCommand("weight must be a whole number from 1 to 100")
    if not d.name.strip():
        raise InvalidCommand("a KPI needs a name")
    _trajectory(d, starts_on)


def _trajectory(d: KpiDefinition, starts_on: date) -> Trajectory:
    # Trajectory checks the direction name itself and refuses an unknown one
    direction = cast(Direction, d.direction)
    return Trajectory(direction, d.baseline, d.target, starts_on, _date(d.due_on), d.tolerance)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidCommand(f"{value!r} is not a date (YYYY-MM-DD)") from None


class KpiPlan(Aggregate):
    """The KPIs of one engagement."""

    CONTEXT = "kpi"
    EVENTS = (KpiProposed, KpiSentBack, KpiReproposed, KpiAligned, KpiRevised, KpiRetired,
              ReviewHeld, MeasurementRecorded)  # fmt: skip
    UPCASTERS = {
        ("MeasurementRecorded", 1): lambda data: upcast_measurement_v1(data),
        **sealed_since("KpiSentBack", "ReviewHeld"),
        ("MeasurementRecorded", 2): dict,  # v3 only seals the evidence
    }

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.engagement_id = stream_id.removeprefix("kpi-plan-")
        self.kpis: dict[str, Kpi] = {}
        self.reviews: dict[str, ReviewHeld] = {}

    @staticmethod
    def stream_for(engagement_id: str) -> str:
        """The stream id of an engagement's KPI plan."""
        return f"kpi-plan-{engagement_id}"

    @property
    def subject(self) -> str:
        return self.engagement_id

    def propose(self, kpi_id: str, definition: KpiDefinition, today: date) -> None:
        """Propose a KPI for alignment; names are unique among live KPIs."""
        validate_definition(definition, today)
        if kpi_id in self.kpis:
            raise InvalidTransition(f"KPI {kpi_id} exists already")
        if any(k.definition.name.casefold() == definition.name.casefold() for k in self.live()):
            raise InvalidCommand(f"a KPI named {definition.name!r} exists already")
        self.record(KpiProposed(self.engagement_id, kpi_id, definition))

    def send_back(self, kpi_id: str, comment: str) -> None:
        """The manager returns a proposed KPI with a mandatory comment."""
        kpi = self._in_state(kpi_id, KpiState.PROPOSED)
        if not comment.strip():
            raise InvalidCommand("sending a KPI back needs a comment")
        self.record(KpiSentBack(self.engagement_id, kpi_id, comment, kpi.definition.name))

    def repropose(self, kpi_id: str, changes: Mapping[str, Value], today: date) -> None:
        """Revise a sent-back KPI and propose it again."""
        kpi = self._in_state(kpi_id, KpiState.SENT_BACK)
        diffs, definition = _apply(kpi.definition, changes, REPROPOSABLE)
        validate_definition(definition, today)
        self.record(KpiReproposed(self.engagement_id, kpi_id, diffs, definition))

    def approve(
        self, kpi_id: str, aligned_on: date, weights: Mapping[str, int], today: date
    ) -> None:
        """Align a proposed KPI, fixing its baseline as of the alignment session (which may be
        recorded late, never in the future); optionally re-weight aligned KPIs with it."""
        kpi = self._in_state(kpi_id, KpiState.PROPOSED)
        if aligned_on > today:
            raise InvalidCommand("an alignment session cannot be in the future")
        validate_definition(kpi.definition, aligned_on)
        self._check_weights_after(weights, aligning=kpi)
        self.record(KpiAligned(self.engagement_id, kpi_id, kpi.definition.baseline,
                               aligned_on.isoformat(), kpi.definition.weight,
                               kpi.definition.name))  # fmt: skip
        self._reweight(weights, None)

    def revise(self, kpi_id: str, changes: Mapping[str, Value], review_id: str | None,
               reason: str) -> None:  # fmt: skip
        """Change an aligned KPI (target, weight, wording, due date): a reason is required."""
        kpi = self._in_state(kpi_id, KpiState.ALIGNED)
        _require_reason(reason)
        self._known_review(review_id)
        diffs, definition = _apply(kpi.definition, changes, REVISABLE)
        validate_definition(definition, _date(kpi.baseline_on or ""))
        if "weight" in changes:
            self._check_weights_after({kpi_id: definition.weight})
        self.record(KpiRevised(self.engagement_id, kpi_id, review_id, diffs, definition))

    def reweight(self, weights: Mapping[str, int], review_id: str | None, reason: str) -> None:
        """Set several aligned KPIs' weights at once (they must still sum to 100)."""
        _require_reason(reason)
        self._known_review(review_id)
        if not weights:
            raise InvalidCommand("name at least one KPI's weight")
        self._check_weights_after(weights)
        self._reweight(weights, review_id)

    def retire(self, kpi_id: str, review_id: str | None, reason: str,
               weights: Mapping[str, int]) -> None:  # fmt: skip
        """Retire a KPI (re-weighting the rest in the same change): a reason is required."""
        kpi = self._kpi(kpi_id)
        if kpi.state is KpiState.RETIRED:
            raise InvalidTransition(f"KPI {kpi_id} is already retired")
        _require_reason(reason)
        self._known_review(review_id)
        self._check_weights_after(weights, retiring=kpi)
        self.record(
            KpiRetired(
                self.engagement_id, kpi_id, review_id, kpi.definition.weight, kpi.definition.name
            )
        )
        self._reweight(weights, review_id)

    def hold_review(self, review_id: str, held_on: date, attendees: tuple[Person, ...],
                    today: date) -> None:  # fmt: skip
        """Record a results-management review (it may be recorded late, never in the future)."""
        if review_id in self.reviews:
            raise InvalidTransition(f"review {review_id} exists already")
        if held_on > today:
            raise InvalidCommand("a review cannot be held in the future")
        if not attendees:
            raise InvalidCommand("a review has attendees")
        self.record(ReviewHeld(self.engagement_id, review_id, held_on.isoformat(), attendees))

    def measure(self, kpi_id: str, measurement_id: str, value: float, measured_on: date,
                evidence: str, review_id: str | None, source: MeasurementSource, today: date,
                thresholds: StatusThresholds) -> None:  # fmt: skip
        """Record a measurement of an aligned KPI, graded against its expected progress."""
        kpi = self._kpi(kpi_id)
        if kpi.state is not KpiState.ALIGNED:
            raise InvalidTransition(
                f"KPI {kpi_id} is {kpi.state.value}: only aligned KPIs are measured"
            )
        if any(m.measurement_id == measurement_id for m in kpi.measurements):
            raise InvalidTransition(f"measurement {measurement_id} exists already")
        self._known_review(review_id)
        if not _date(kpi.baseline_on or "") <= measured_on <= today:
            raise InvalidCommand("a measurement is dated between the KPI's alignment and today")
        graded = assess(kpi.trajectory(), value, measured_on, thresholds)
        self.record(MeasurementRecorded(
            self.engagement_id, kpi_id, measurement_id, review_id, value, measured_on.isoformat(),
            evidence, source, graded.status.value, graded.expected, kpi.definition.name,
        ))  # fmt: skip

    def live(self) -> list[Kpi]:
        """KPIs not retired."""
        return [k for k in self.kpis.values() if k.state is not KpiState.RETIRED]

    def _check_weights_after(
        self, weights: Mapping[str, int], aligning: Kpi | None = None, retiring: Kpi | None = None
    ) -> None:
        """Before recording: aligned weights never exceed 100, and sum to exactly 100 once
        nothing awaits alignment. `weights` re-weights aligned KPIs in the same change."""
        live = [k for k in self.live() if k is not retiring]
        aligned = {k.id: k.definition.weight for k in live if k.state is KpiState.ALIGNED}
        if aligning is not None:
            aligned[aligning.id] = aligning.definition.weight
        for kpi_id, weight in weights.items():
            if kpi_id not in aligned or (aligning is not None and kpi_id == aligning.id):
                raise InvalidCommand(f"{kpi_id} is not an aligned KPI to re-weight")
            aligned[kpi_id] = weight
        pending = any(k.state is not KpiState.ALIGNED for k in live if k is not aligning)
        total = sum(aligned.values())
        if total > 100 or (not pending and aligned and total != 100):
            raise InvalidCommand(
                f"the aligned KPIs' weights would sum to {total}; they must sum to 100"
                " once every KPI is aligned (send new weights with the change)"
            )

    def _reweight(self, weights: Mapping[str, int], review_id: str | None) -> None:
        for kpi_id, weight in weights.items():
            kpi = self._in_state(kpi_id, KpiState.ALIGNED)
            diffs, definition = _apply(kpi.definition, {"weight": weight}, ("weight",))
            validate_definition(definition, _date(kpi.baseline_on or ""))
            if diffs:
                self.record(KpiRevised(self.engagement_id, kpi_id, review_id, diffs, definition))

    def _kpi(self, kpi_id: str) -> Kpi:
        if kpi_id not in self.kpis:
            raise NotFound(f"KPI {kpi_id} not found")
        return self.kpis[kpi_id]

    def _in_state(self, kpi_id: str, state: KpiState) -> Kpi:
        kpi = self._kpi(kpi_id)
        if kpi.state is not state:
            raise InvalidTransition(f"KPI {kpi_id} is {kpi.state.value}, not {state.value}")
        return kpi

    def _known_review(self, review_id: str | None) -> None:
        if review_id is not None and review_id not in self.reviews:
            raise NotFound(f"review {review_id} not found")

    def on_KpiProposed(self, event: KpiProposed) -> None:
        self.kpis[event.kpi_id] = Kpi(event.kpi_id, event.definition)

    def on_KpiSentBack(self, event: KpiSentBack) -> None:
        kpi = self.kpis[event.kpi_id]
        kpi.state, kpi.sent_back_comment = KpiState.SENT_BACK, event.comment

    def on_KpiReproposed(self, event: KpiReproposed) -> None:
        kpi = self.kpis[event.kpi_id]
        kpi.state, kpi.definition = KpiState.PROPOSED, event.definition

    def on_KpiAligned(self, event: KpiAligned) -> None:
        kpi = self.kpis[event.kpi_id]
        kpi.state, kpi.baseline_on = KpiState.ALIGNED, event.baseline_on

    def on_KpiRevised(self, event: KpiRevised) -> None:
        self.kpis[event.kpi_id].definition = event.definition

    def on_KpiRetired(self, event: KpiRetired) -> None:
        self.kpis[event.kpi_id].state = KpiState.RETIRED

    def on_ReviewHeld(self, event: ReviewHeld) -> None:
        self.reviews[event.review_id] = event

    def on_MeasurementRecorded(self, event: MeasurementRecorded) -> None:
        self.kpis[event.kpi_id].measurements.append(event)


def _apply(
    definition: KpiDefinition, changes: Mapping[str, Value], allowed: tuple[str, ...]
) -> tuple[tuple[FieldChange, ...], KpiDefinition]:
    if not changes:
        raise InvalidCommand("name at least one field to change")
    unknown = set(changes) - set(allowed)
    if unknown:
        raise InvalidCommand(f"these fields cannot change here: {', '.join(sorted(unknown))}")
    current = dataclasses.asdict(definition)
    diffs = tuple(
        FieldChange(name, current[name], value)
        for name, value in changes.items()
        if current[name] != value
    )
    if not diffs:
        raise InvalidCommand("the change leaves the KPI as it was")
    updated = dataclasses.replace(definition, **{d.field: d.after for d in diffs})  # type: ignore[arg-type]
    return diffs, updated


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidCommand("a reason is required for every KPI change")


def upcast_measurement_v1(data: Mapping[str, Any]) -> dict[str, Any]:
    """MeasurementRecorded v1 -> v2: v1 did not say whether a round shared its results with
    the manager, so a round's measurement is taken as not shared (withheld), a manual one as
    shared."""
    source = dict(data["source"])
    return {**data, "source": source | {"shared_with_manager": source["kind"] != "round"}}
