"""Decisions of the NeedsAssessment aggregate: profiles, barriers, development areas (no I/O)."""

import dataclasses
from datetime import date

import pytest

from services.assessment.domain.needs_assessment import (
    BarrierIdentified,
    BarrierResolved,
    DevelopmentArea,
    DevelopmentAreasSelected,
    IdentifyBarrier,
    NeedsAssessment,
    ProfileRecorded,
    RecordProfile,
    Reference,
    ScaleScore,
)
from shared.domain.errors import InvalidCommand, InvalidTransition, NotFound

TODAY = date(2026, 2, 1)
PROFILE = RecordProfile(
    instrument="Hogan HPI",
    scales=(ScaleScore("Adjustment", 72, "high"), ScaleScore("Ambition", 41.5)),
    administered_on=date(2026, 1, 20),
    administered_by="Casey Coach",
    strengths=("Calm under pressure",),
    development_needs=("Delegation",),
)
BARRIER = IdentifyBarrier(
    description="Avoids conflict with peers", source="peer", impact="high", capability="listening"
)


def assessment(*, profile: bool = False, barrier: bool = False) -> NeedsAssessment:
    subject = NeedsAssessment.of("e1")
    if profile:
        subject.record_profile("p1", PROFILE, TODAY)
    if barrier:
        subject.identify_barrier("b1", BARRIER)
    subject.pending.clear()
    return subject


def area(
    capability: str = "listening", *links: Reference, rationale: str = "why"
) -> DevelopmentArea:
    return DevelopmentArea(capability, rationale, links)


def keys_and_nested_arrays(value) -> tuple[set[str], bool]:
    """Every dict key in event data, and whether an array sits directly inside an array."""
    keys: set[str] = set()
    nested = False
    if isinstance(value, dict):
        for key, item in value.items():
            inner_keys, inner_nested = keys_and_nested_arrays(item)
            keys |= {key} | inner_keys
            nested = nested or inner_nested
    elif isinstance(value, list):
        for item in value:
            inner_keys, inner_nested = keys_and_nested_arrays(item)
            keys |= inner_keys
            nested = nested or inner_nested or isinstance(item, list)
    return keys, nested


def test_the_stream_and_subject_name_the_engagement():
    subject = NeedsAssessment.of("e1")
    assert subject.stream_id == "needs-assessment-e1" and subject.subject == "e1"
    assert (subject.version, subject.profiles, subject.barriers) == (0, {}, {})
    with pytest.raises(ValueError):
        NeedsAssessment("engagement-e1")


def test_recording_a_profile_records_profile_recorded():
    subject = NeedsAssessment.of("e1")
    subject.record_profile("p1", PROFILE, TODAY)
    [event] = subject.pending
    assert isinstance(event, ProfileRecorded)
    assert event.to_data() == {
        "engagement_id": "e1",
        "profile_id": "p1",
        "instrument": "Hogan HPI",
        "scales": [
            {"name": "Adjustment", "score": 72, "band": "high"},
            {"name": "Ambition", "score": 41.5, "band": None},
        ],
        "strengths": ["Calm under pressure"],
        "development_needs": ["Delegation"],
        "administered_on": "2026-01-20",
        "administered_by": "Casey Coach",
    }
    assert subject.profiles["p1"].instrument == "Hogan HPI"


def test_several_profiles_may_be_recorded_even_of_one_instrument():
    subject = assessment(profile=True)
    subject.record_profile("p2", PROFILE, TODAY)
    assert list(subject.profiles) == ["p1", "p2"]


def test_text_is_trimmed_and_a_profile_may_be_administered_today():
    subject = NeedsAssessment.of("e1")
    command = dataclasses.replace(PROFILE, instrument="  DISC  ", administered_on=TODAY)
    subject.record_profile("p1", command, TODAY)
    assert subject.profiles["p1"].instrument == "DISC"


@pytest.mark.parametrize(
    "changes",
    [
        {"instrument": "  "},
        {"instrument": "x" * 201},
        {"instrument": "two\nlines"},
        {"administered_by": ""},
        {"administered_on": date(2026, 2, 2)},
        {"administered_on": "2026-01-20"},
        {"scales": ()},
        {"scales": tuple(ScaleScore(f"s{i}", i) for i in range(51))},
        {"scales": (ScaleScore("Ambition", 1), ScaleScore(" ambition ", 2))},
        {"scales": (ScaleScore("", 1),)},
        {"scales": (ScaleScore("A", "high"),)},
        {"scales": (ScaleScore("A", True),)},
        {"scales": (ScaleScore("A", float("nan")),)},
        {"scales": (ScaleScore("A", float("inf")),)},
        {"scales": (ScaleScore("A", 10**400),)},
        {"scales": (ScaleScore("A", 1, " "),)},
        {"strengths": ("",)},
        {"strengths": "Calm"},
        {"strengths": ("x",) * 51},
        {"development_needs": ("y" * 2001,)},
    ],
    ids=[
        "blank-instrument", "long-instrument", "multiline-instrument", "no-administrator",
        "future-date", "date-as-text", "no-scales", "too-many-scales", "duplicate-scale",
        "unnamed-scale", "text-score", "bool-score", "nan-score", "infinite-score", "huge-score",
        "blank-band", "blank-strength", "strengths-not-a-list", "too-many-strengths",
        "long-need",
    ],
)  # fmt: skip
def test_an_invalid_profile_is_refused(changes):
    subject = NeedsAssessment.of("e1")
    with pytest.raises(InvalidCommand):
        subject.record_profile("p1", dataclasses.replace(PROFILE, **changes), TODAY)
    assert subject.pending == [] and subject.profiles == {}


def test_a_profile_id_is_used_once():
    subject = assessment(profile=True)
    with pytest.raises(InvalidTransition):
        subject.record_profile("p1", PROFILE, TODAY)


def test_identifying_a_barrier_records_it_open():
    subject = NeedsAssessment.of("e1")
    subject.identify_barrier("b1", BARRIER)
    assert subject.pending == [
        BarrierIdentified("e1", "b1", "Avoids conflict with peers", "peer", "high", "listening")
    ]
    assert subject.barriers["b1"].status == "open"


@pytest.mark.parametrize(
    ("given", "stored"),
    [("integrity", "integrity"), ("custom:Delegation", "custom:Delegation"),
     ("custom:  Managing up ", "custom:Managing up")],
)  # fmt: skip
def test_a_barrier_links_a_catalogue_or_custom_capability(given, stored):
    subject = NeedsAssessment.of("e1")
    subject.identify_barrier("b1", dataclasses.replace(BARRIER, capability=given))
    assert subject.barriers["b1"].capability == stored


@pytest.mark.parametrize(
    "changes",
    [
        {"capability": "charisma"},
        {"capability": "Listening"},
        {"capability": "custom:"},
        {"capability": "custom:   "},
        {"capability": "custom:a\nb"},
        {"capability": "custom:" + "x" * 200},
        {"source": "board"},
        {"impact": "critical"},
        {"description": " "},
        {"description": "d" * 2001},
    ],
    ids=["unknown", "wrong-case", "empty-custom", "blank-custom", "multiline-custom",
         "long-custom", "source", "impact", "blank-description", "long-description"],
)  # fmt: skip
def test_an_invalid_barrier_is_refused(changes):
    subject = NeedsAssessment.of("e1")
    with pytest.raises(InvalidCommand):
        subject.identify_barrier("b1", dataclasses.replace(BARRIER, **changes))
    assert subject.pending == [] and subject.barriers == {}


def test_every_rater_group_and_self_may_be_the_source():
    subject = NeedsAssessment.of("e1")
    for i, source in enumerate(("manager", "peer", "direct_report", "other", "self")):
        subject.identify_barrier(f"b{i}", dataclasses.replace(BARRIER, source=source))
    assert len(subject.barriers) == 5


def test_resolving_a_barrier_keeps_its_note():
    subject = assessment(barrier=True)
    subject.resolve_barrier("b1", " Talked it through ")
    assert subject.pending == [BarrierResolved("e1", "b1", "Talked it through")]
    barrier = subject.barriers["b1"]
    assert barrier.status == "resolved" and barrier.resolution_note == "Talked it through"


def test_resolving_an_unknown_barrier_is_not_found():
    with pytest.raises(NotFound):
        assessment().resolve_barrier("b9", "note")


def test_resolving_twice_is_an_invalid_transition():
    subject = assessment(barrier=True)
    subject.resolve_barrier("b1", "done")
    with pytest.raises(InvalidTransition):
        subject.resolve_barrier("b1", "again")
    assert len(subject.pending) == 1


@pytest.mark.parametrize("note", ["", "   ", "n" * 2001])
def test_a_resolution_needs_a_note(note):
    subject = assessment(barrier=True)
    with pytest.raises(InvalidCommand):
        subject.resolve_barrier("b1", note)
    assert subject.barriers["b1"].status == "open"


def test_development_areas_link_rounds_profiles_and_barriers():
    subject = assessment(profile=True, barrier=True)
    links = (
        Reference("round", "r-anything"),
        Reference("profile", "p1"),
        Reference("barrier", "b1"),
    )
    subject.select_development_areas([area("listening", *links), area("custom:Delegation")])
    [event] = subject.pending
    assert isinstance(event, DevelopmentAreasSelected)
    assert event.to_data() == {
        "engagement_id": "e1",
        "areas": [
            {
                "capability": "listening",
                "rationale": "why",
                "linked_to": [
                    {"kind": "round", "id": "r-anything"},
                    {"kind": "profile", "id": "p1"},
                    {"kind": "barrier", "id": "b1"},
                ],
            },
            {"capability": "custom:Delegation", "rationale": "why", "linked_to": []},
        ],
    }


def test_a_new_selection_replaces_the_previous_one():
    subject = assessment()
    subject.select_development_areas([area("listening"), area("integrity")])
    subject.select_development_areas([area("company_values")])
    assert [a.capability for a in subject.development_areas] == ["company_values"]
    assert len(subject.pending) == 2


def test_selecting_the_same_areas_again_records_nothing():
    subject = assessment()
    subject.select_development_areas([area("listening")])
    subject.select_development_areas([area(" listening ", rationale=" why ")])
    assert len(subject.pending) == 1


def test_a_resolved_barrier_may_still_be_linked():
    subject = assessment(barrier=True)
    subject.resolve_barrier("b1", "done")
    subject.select_development_areas([area("listening", Reference("barrier", "b1"))])
    assert subject.development_areas[0].linked_to == (Reference("barrier", "b1"),)


@pytest.mark.parametrize(
    "areas",
    [
        [],
        [area(f"custom:area {i}") for i in range(10)],
        [area("listening"), area("listening")],
        [area("custom:Delegation"), area("custom: delegation")],
        [area("charisma")],
        [area("listening", rationale="  ")],
        [area("listening", rationale="r" * 2001)],
        [area("listening", Reference("profile", "p9"))],
        [area("listening", Reference("barrier", "b9"))],
        [area("listening", Reference("barrier", "p1"))],
        [area("listening", Reference("session", "s1"))],
        [area("listening", Reference("round", " "))],
        [area("listening", Reference("round", "r1"), Reference("round", "r1"))],
        [area("listening", *(Reference("round", f"r{i}") for i in range(51)))],
    ],
    ids=["none", "ten", "duplicate", "duplicate-custom", "unknown-capability", "no-rationale",
         "long-rationale", "unknown-profile", "unknown-barrier", "wrong-kind-for-id",
         "unknown-kind", "blank-round", "duplicate-reference", "too-many-references"],
)  # fmt: skip
def test_an_invalid_selection_is_refused(areas):
    subject = assessment(profile=True, barrier=True)
    subject.select_development_areas([area("integrity")])
    subject.pending.clear()
    with pytest.raises(InvalidCommand):
        subject.select_development_areas(areas)
    assert subject.pending == []
    assert [a.capability for a in subject.development_areas] == ["integrity"]


def test_nine_areas_are_allowed():
    subject = assessment()
    subject.select_development_areas([area(f"custom:area {i}") for i in range(9)])
    assert len(subject.development_areas) == 9


def test_event_data_has_fixed_keys_and_no_array_inside_an_array():
    subject = assessment(profile=True, barrier=True)
    subject.record_profile("p.2", dataclasses.replace(PROFILE, instrument="$where"), TODAY)
    subject.identify_barrier("b.$", dataclasses.replace(BARRIER, capability="custom:a.b$c"))
    subject.resolve_barrier("b.$", "n")
    link = Reference("barrier", "b.$")
    subject.select_development_areas([area("custom:x.y", link, rationale="$set")])
    for event in subject.pending:
        keys, nested = keys_and_nested_arrays(event.to_data())
        assert not nested
        assert not any("." in key or "$" in key for key in keys), keys


def test_replaying_the_events_rebuilds_the_state():
    subject = assessment()
    subject.record_profile("p1", PROFILE, TODAY)
    subject.identify_barrier("b1", BARRIER)
    subject.identify_barrier("b2", dataclasses.replace(BARRIER, impact="low"))
    subject.resolve_barrier("b1", "done")
    subject.select_development_areas([area("listening", Reference("profile", "p1"))])
    envelopes = [
        {
            "type": f"mastery.assessment.{event.NAME}.v1",
            "data": event.to_data(),
            "streamversion": version,
            "hash": f"h{version}",
            "tenant": "acme",
        }
        for version, event in enumerate(subject.pending, start=1)
    ]
    replayed = NeedsAssessment.replay(subject.stream_id, envelopes)
    assert replayed.version == 5 and replayed.engagement_id == "e1"
    assert replayed.profiles == subject.profiles
    assert replayed.barriers == subject.barriers
    assert replayed.development_areas == subject.development_areas
