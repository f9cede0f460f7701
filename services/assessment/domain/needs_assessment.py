"""The needs assessment of an engagement: profiling results, barriers to success, development areas.

One aggregate per engagement, on its own stream (`needs-assessment-<engagement_id>`), so
recording assessment facts never contends with the engagement's lifecycle stream. Every
event keys its data by fixed field names only (user text is always a value, never a key)
and never nests an array directly inside an array.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from shared.domain.aggregate import Aggregate, DomainEvent, sealed_since
from shared.domain.capabilities import CUSTOM_PREFIX, is_known
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound
from shared.domain.personal import Personal

CONTEXT = "assessment"
STREAM_PREFIX = "needs-assessment-"

MAX_NAME = 200
MAX_TEXT = 2000
MAX_ITEMS = 50
MAX_DEVELOPMENT_AREAS = 9
# Scores are instrument-specific (stens, T-scores, percentiles, raw totals): any finite
# number within this magnitude, which also keeps them storable as BSON numbers.
MAX_SCORE = 1_000_000

BARRIER_SOURCES = ("manager", "peer", "direct_report", "other", "self")
IMPACTS = ("low", "medium", "high")
REFERENCE_KINDS = ("round", "profile", "barrier")
OPEN = "open"
RESOLVED = "resolved"


@dataclass(frozen=True)
class ScaleScore:
    """One scale of a profiling instrument and the executive's score on it."""

    name: str
    score: float
    band: str | None = None


@dataclass(frozen=True)
class Reference:
    """What a development area rests on: a feedback round, a profile or a barrier."""

    kind: str
    id: str


@dataclass(frozen=True)
class DevelopmentArea:
    """A capability the executive will develop, why, and the evidence behind it."""

    capability: str
    rationale: str
    linked_to: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class RecordProfile:
    """Command: record the results of a profiling instrument."""

    instrument: str
    scales: tuple[ScaleScore, ...]
    administered_on: date
    administered_by: str
    strengths: tuple[str, ...] = ()
    development_needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class IdentifyBarrier:
    """Command: name a barrier to the executive's success."""

    description: str
    source: str
    impact: str
    capability: str


@dataclass(frozen=True)
class ProfileRecorded(DomainEvent):
    """A profiling instrument's results were recorded for the executive."""

    NAME: ClassVar[str] = "ProfileRecorded"
    VERSION: ClassVar[int] = 2
    PERSONAL: ClassVar[tuple[Personal, ...]] = (
        Personal("scales", "@executive", "empty"),
        Personal("strengths", "@executive", "empty"),
        Personal("development_needs", "@executive", "empty"),
        Personal("administered_by", "@executive", "text"),
    )
    engagement_id: str
    profile_id: str
    instrument: str
    scales: tuple[ScaleScore, ...]
    strengths: tuple[str, ...]
    development_needs: tuple[str, ...]
    administered_on: str
    administered_by: str


@dataclass(frozen=True)
class BarrierIdentified(DomainEvent):
    """A barrier to the executive's success was identified."""

    NAME: ClassVar[str] = "BarrierIdentified"
    VERSION: ClassVar[int] = 2
    PERSONAL: ClassVar[tuple[Personal, ...]] = (Personal("description", "@executive", "text"),)
    engagement_id: str
    barrier_id: str
    description: str
    source: str
    impact: str
    capability: str


@dataclass(frozen=True)
class BarrierResolved(DomainEvent):
    """A barrier was resolved; the note says how."""

    NAME: ClassVar[str] = "BarrierResolved"
    VERSION: ClassVar[int] = 2
    PERSONAL: ClassVar[tuple[Personal, ...]] = (Personal("note", "@executive", "text"),)
    engagement_id: str
    barrier_id: str
    note: str


@dataclass(frozen=True)
class DevelopmentAreasSelected(DomainEvent):
    """The development areas were selected, replacing any earlier selection."""

    NAME: ClassVar[str] = "DevelopmentAreasSelected"
    VERSION: ClassVar[int] = 2
    PERSONAL: ClassVar[tuple[Personal, ...]] = (
        Personal("areas[].rationale", "@executive", "text"),
    )
    engagement_id: str
    areas: tuple[DevelopmentArea, ...]


@dataclass(frozen=True)
class Profile:
    """A recorded profile as the needs assessment knows it."""

    id: str
    instrument: str
    scales: tuple[ScaleScore, ...]
    strengths: tuple[str, ...]
    development_needs: tuple[str, ...]
    administered_on: str
    administered_by: str


@dataclass(frozen=True)
class Barrier:
    """A barrier to success; open until resolved with a note."""

    id: str
    description: str
    source: str
    impact: str
    capability: str
    resolution_note: str | None = None

    @property
    def status(self) -> str:
        """Either "open" or "resolved"."""
        return OPEN if self.resolution_note is None else RESOLVED


class NeedsAssessment(Aggregate):
    """State rebuilt from an engagement's needs-assessment stream."""

    CONTEXT = CONTEXT
    EVENTS = (ProfileRecorded, BarrierIdentified, BarrierResolved, DevelopmentAreasSelected)
    UPCASTERS = sealed_since("ProfileRecorded", "BarrierIdentified", "BarrierResolved",
                             "DevelopmentAreasSelected")  # fmt: skip

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        if not stream_id.startswith(STREAM_PREFIX) or stream_id == STREAM_PREFIX:
            raise ValueError(f"{stream_id!r} is not a needs-assessment stream")
        self.engagement_id = stream_id.removeprefix(STREAM_PREFIX)
        self.profiles: dict[str, Profile] = {}
        self.barriers: dict[str, Barrier] = {}
        self.development_areas: tuple[DevelopmentArea, ...] = ()

    @staticmethod
    def stream_for(engagement_id: str) -> str:
        """The stream id of an engagement's needs assessment."""
        return f"{STREAM_PREFIX}{engagement_id}"

    @classmethod
    def of(cls, engagement_id: str) -> NeedsAssessment:
        """The (still empty) needs assessment of an engagement."""
        return cls(cls.stream_for(engagement_id))

    @property
    def subject(self) -> str:
        return self.engagement_id

    def record_profile(self, profile_id: str, command: RecordProfile, today: date) -> None:
        """Record an instrument's results; administered no later than `today`.

        At least one scale; scale names unique (ignoring case); scores finite numbers.
        """
        profile_id = _name(profile_id, "profile id")
        if profile_id in self.profiles:
            raise InvalidTransition(f"profile {profile_id} is already recorded")
        if not isinstance(command.administered_on, date):
            raise InvalidCommand("the date administered must be a date")
        if command.administered_on > today:
            raise InvalidCommand("a profile cannot be administered in the future")
        self.record(
            ProfileRecorded(
                engagement_id=self.engagement_id,
                profile_id=profile_id,
                instrument=_name(command.instrument, "instrument"),
                scales=_scales(command.scales),
                strengths=_texts(command.strengths, "strengths"),
                development_needs=_texts(command.development_needs, "development needs"),
                administered_on=command.administered_on.isoformat(),
                administered_by=_name(command.administered_by, "administered by"),
            )
        )

    def identify_barrier(self, barrier_id: str, command: IdentifyBarrier) -> None:
        """Name a barrier: where it shows up, how much it weighs, the capability it touches."""
        barrier_id = _name(barrier_id, "barrier id")
        if barrier_id in self.barriers:
            raise InvalidTransition(f"barrier {barrier_id} is already identified")
        self.record(
            BarrierIdentified(
                engagement_id=self.engagement_id,
                barrier_id=barrier_id,
                description=_text(command.description, "description", MAX_TEXT),
                source=_one_of(command.source, BARRIER_SOURCES, "source"),
                impact=_one_of(command.impact, IMPACTS, "impact"),
                capability=_capability(command.capability),
            )
        )

    def resolve_barrier(self, barrier_id: str, note: str) -> None:
        """Resolve an open barrier; a resolution needs a note."""
        barrier = self.barriers.get(barrier_id)
        if barrier is None:
            raise NotFound(f"barrier {barrier_id} is not in the needs assessment")
        if barrier.status == RESOLVED:
            raise InvalidTransition(f"barrier {barrier_id} is already resolved")
        self.record(BarrierResolved(self.engagement_id, barrier_id, _text(note, "note", MAX_TEXT)))

    def select_development_areas(self, areas: Sequence[DevelopmentArea]) -> None:
        """Replace the selection with 1..9 areas, each capability once, each link known.

        Profile and barrier links must name this needs assessment's own profiles and
        barriers (resolved ones too); round ids are taken as given. Selecting exactly
        the current selection again records nothing.
        """
        if not isinstance(areas, Sequence) or not 1 <= len(areas) <= MAX_DEVELOPMENT_AREAS:
            raise InvalidCommand(f"select from 1 to {MAX_DEVELOPMENT_AREAS} development areas")
        selected = tuple(self._area(area) for area in areas)
        _refuse_duplicates((a.capability for a in selected), "capability")
        if selected != self.development_areas:
            self.record(DevelopmentAreasSelected(self.engagement_id, selected))

    def _area(self, area: DevelopmentArea) -> DevelopmentArea:
        capability = _capability(area.capability)
        links = area.linked_to
        if not isinstance(links, Sequence) or len(links) > MAX_ITEMS:
            raise InvalidCommand(f"an area links to at most {MAX_ITEMS} references")
        references = tuple(self._reference(r) for r in links)
        _refuse_duplicates(
            (f"{r.kind} {r.id}" for r in references), f"links of {capability}", fold=False
        )
        return DevelopmentArea(
            capability, _text(area.rationale, f"rationale of {capability}", MAX_TEXT), references
        )

    def _reference(self, reference: Reference) -> Reference:
        kind = _one_of(reference.kind, REFERENCE_KINDS, "reference kind")
        ref_id = _name(reference.id, f"{kind} id")
        unknown_profile = kind == "profile" and ref_id not in self.profiles
        unknown_barrier = kind == "barrier" and ref_id not in self.barriers
        if unknown_profile or unknown_barrier:
            raise InvalidCommand(f"{kind} {ref_id} is not in the needs assessment")
        return Reference(kind, ref_id)

    def on_ProfileRecorded(self, event: ProfileRecorded) -> None:
        self.profiles[event.profile_id] = Profile(
            event.profile_id,
            event.instrument,
            event.scales,
            event.strengths,
            event.development_needs,
            event.administered_on,
            event.administered_by,
        )

    def on_BarrierIdentified(self, event: BarrierIdentified) -> None:
        self.barriers[event.barrier_id] = Barrier(
            event.barrier_id, event.description, event.source, event.impact, event.capability
        )

    def on_BarrierResolved(self, event: BarrierResolved) -> None:
        barrier = self.barriers[event.barrier_id]
        self.barriers[event.barrier_id] = dataclasses.replace(barrier, resolution_note=event.note)

    def on_DevelopmentAreasSelected(self, event: DevelopmentAreasSelected) -> None:
        self.development_areas = event.areas


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidCommand(f"{what} must be text")
    text = value.strip()
    if not text:
        raise InvalidCommand(f"{what} is required")
    if len(text) > limit:
        raise InvalidCommand(f"{what} may be at most {limit} characters")
    return text


def _name(value: object, what: str) -> str:
    """A short single-line text: names, ids."""
    text = _text(value, what, MAX_NAME)
    if not text.isprintable():
        raise InvalidCommand(f"{what} must be a single line without control characters")
    return text


def _texts(values: Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise InvalidCommand(f"{what} must be a list of texts")
    if len(values) > MAX_ITEMS:
        raise InvalidCommand(f"{what} may have at most {MAX_ITEMS} items")
    return tuple(_text(v, what, MAX_TEXT) for v in values)


def _one_of(value: object, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InvalidCommand(f"{what} must be one of {', '.join(allowed)}")
    return str(value)


def _capability(value: object) -> str:
    """A catalogue id as is, or `custom:<text>` with its text trimmed."""
    capability = _name(value, "capability")
    if capability.startswith(CUSTOM_PREFIX):
        capability = CUSTOM_PREFIX + capability.removeprefix(CUSTOM_PREFIX).strip()
    if not is_known(capability):
        raise InvalidCommand(
            f"capability {capability!r} is neither in the catalogue nor '{CUSTOM_PREFIX}<text>'"
        )
    return capability


def _scales(scales: Sequence[ScaleScore]) -> tuple[ScaleScore, ...]:
    if not isinstance(scales, Sequence) or not 1 <= len(scales) <= MAX_ITEMS:
        raise InvalidCommand(f"a profile has from 1 to {MAX_ITEMS} scales")
    checked = tuple(
        ScaleScore(
            name=_name(s.name, "scale name"),
            score=_score(s.score),
            band=None if s.band is None else _name(s.band, "band"),
        )
        for s in scales
    )
    _refuse_duplicates((s.name for s in checked), "scale")
    return checked


def _score(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidCommand("a score must be a number")
    if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > MAX_SCORE:
        raise InvalidCommand(f"a score must be a finite number from -{MAX_SCORE} to {MAX_SCORE}")
    return value


def _refuse_duplicates(labels: Iterable[str], what: str, *, fold: bool = True) -> None:
    """InvalidCommand when a label repeats (ignoring case and spacing when `fold`)."""
    seen: set[str] = set()
    for label in labels:
        key = " ".join(label.casefold().split()) if fold else label
        if key in seen:
            raise InvalidCommand(f"{what}: {label!r} appears more than once")
        seen.add(key)
