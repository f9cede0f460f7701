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
