from services.reporting.domain.timeline_lines import describe


def envelope(name: str, data: dict, reason: str = "") -> dict:
    event = {"type": f"mastery.assessment.{name}.v1", "data": data}
    return event | ({"reason": reason} if reason else {})


def test_a_change_reads_with_its_reason():
    line = describe(
        envelope(
            "ManagerAssigned",
            {"manager": {"id": "m2", "name": "Morgan"}, "previous": {"id": "m1", "name": "Dana"}},
            reason="reorganisation",
        )
    )
    assert line == "Manager changed Dana → Morgan: reorganisation"


def test_a_closed_round_names_the_groups_withheld_for_anonymity():
    data = {
        "closed_by": "coach",
        "responses": [{"group": "peer", "count": 4}, {"group": "direct_report", "count": 2}],
        "results": {"suppressed_groups": ["direct_report"]},
    }
    assert describe(envelope("FeedbackRoundClosed", data)) == (
        "Feedback round closed by coach with 4 peer, 2 direct report;"
        " withheld for anonymity: direct report"
    )


def test_an_unknown_event_still_gets_a_line():
    assert describe(envelope("SomethingNew", {})) == "SomethingNew recorded"


def test_missing_data_does_not_break_a_line():
    assert describe(envelope("RaterInvited", {})) == "Rater invited; invitations now none"


def test_a_kpi_change_reads_field_by_field_with_the_reason():
    data = {
        "definition": {"name": "Net revenue retention"},
        "changes": [{"field": "target", "before": 92, "after": 95}],
    }
    event = envelope("KpiRevised", data, reason="market expansion") | {
        "type": "mastery.kpi.KpiRevised.v1"
    }
    assert describe(event) == (
        "Target of 'Net revenue retention' changed 92 → 95: market expansion"
    )


def test_a_measurement_reads_with_its_status():
    data = {"kpi_name": "NRR", "value": 91.5, "measured_on": "2026-03-01", "expected": 92.456,
            "status": "at_risk", "source": {"kind": "manual"}}  # fmt: skip
    assert describe(envelope("MeasurementRecorded", data)) == (
        "'NRR' measured 91.5 on 2026-03-01 (expected 92.46): at risk"
    )


def test_a_session_line_counts_commitments_and_never_shows_notes():
    data = {
        "kind": "leadership_development",
        "held_on": "2026-03-02",
        "duration_minutes": 90,
        "capabilities": ["listening"],
        "commitments": [{"text": "x"}],
        "follow_ups": [],
    }
    assert describe(envelope("SessionRecorded", data)) == (
        "Leadership development session on 2026-03-02 (90 min) on listening:"
        " 1 commitment made, 0 followed up"
    )
