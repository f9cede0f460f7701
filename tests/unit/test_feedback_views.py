from services.reporting.domain.feedback_views import (
    ROUND_EVENTS,
    apply_round_event,
    behaviour_shift,
    competency_trends,
)


def event(name: str, version: int, round_id: str, **data) -> dict:
    return {
        "type": f"mastery.assessment.{name}.v1", "tenant": "acme", "streamversion": version,
        "time": f"2026-0{version}-01T00:00:00.000Z",
        "data": {"engagement_id": "e1", "round_id": round_id} | data,
    }  # fmt: skip


def results(others: float, self_: float, flag: str | None) -> dict:
    return {"scale": {"minimum": 1, "maximum": 5}, "threshold": 3, "suppressed_groups": [],
            "comments": [], "competencies": [{
                "competency": "listening", "suppressed_groups": [],
                "groups": [{"group": "self", "count": 1, "mean": self_, "distribution": []}],
                "others": {"count": 5, "mean": others, "distribution": []},
                "gap": {"value": round(self_ - others, 2), "flag": flag}}]}  # fmt: skip


def round_doc(round_id: str, purpose: str, others: float, self_: float, flag=None) -> dict:
    opened = event("FeedbackRoundOpened", 1, round_id, purpose=purpose,
                   competencies=[{"id": "listening", "name": "Listening"}], scale_minimum=1,
                   scale_maximum=5, anonymity_threshold=3, closes_on="2026-09-01",
                   results_visible_to_manager=False)  # fmt: skip
    invited = event("RaterInvited", 2, round_id, invited=[{"group": "peer", "count": 5}])
    closed = event("FeedbackRoundClosed", 3, round_id, closed_by="coach",
                   responses=[{"group": "peer", "count": 5}],
                   results=results(others, self_, flag))  # fmt: skip
    doc = None
    for envelope in (opened, invited, invited, closed, opened):  # with replays
        doc = apply_round_event(doc, envelope)
    return doc


def test_a_round_document_follows_its_events_and_ignores_replays():
    doc = round_doc("r1", "baseline", 2.8, 4.6, "blind_spot")
    assert doc["status"] == "closed" and doc["invited"] == [{"group": "peer", "count": 5}]
    assert doc["scale"] == {"minimum": 1, "maximum": 5} and doc["version"] == 3


def test_deltas_run_from_baseline_to_final_whatever_order_the_rounds_arrive_in():
    final = round_doc("r2", "final", 3.6, 4.2)
    baseline = round_doc("r1", "baseline", 2.8, 4.6, "blind_spot")
    [trend] = competency_trends([final, baseline])
    assert [r["purpose"] for r in trend["rounds"]] == ["baseline", "final"]
    assert trend["others_delta"] == 0.8 and trend["self_delta"] == -0.4
    assert trend["rounds"][0]["flag"] == "blind_spot"


def test_behaviour_shift_per_development_area():
    rounds = [round_doc("r1", "baseline", 2.8, 4.6), round_doc("r2", "final", 3.6, 4.2)]
    areas = [{"capability": "listening", "rationale": "blind spot"},
             {"capability": "custom:Strategy", "rationale": "profile"}]  # fmt: skip
    shifts = behaviour_shift(areas, competency_trends(rounds), rounds)
    assert (shifts[0]["first"], shifts[0]["last"], shifts[0]["shift"]) == (2.8, 3.6, 0.8)
    assert shifts[1]["shift"] is None


def test_old_v1_events_leave_no_comment_and_no_response_count_in_the_read_model():
    opened = event("FeedbackRoundOpened", 1, "r1", purpose="pulse", competencies=[],
                   scale_minimum=-3, scale_maximum=3, anonymity_threshold=3,
                   closes_on="2026-09-01", results_visible_to_manager=True)  # fmt: skip
    v1_results = results(2.0, 3.0, None) | {"comments": [{"competency": None, "text": "Pat!"}]}
    closed = event("FeedbackRoundClosed", 3, "r1", closed_by="coach", responses=[],
                   results=v1_results)  # fmt: skip
    assert "FeedbackSubmitted" not in ROUND_EVENTS  # the projection ignores it
    doc = apply_round_event(apply_round_event(None, opened), closed)
    assert "submitted" not in doc
    assert "Pat!" not in repr(doc) and "comments" not in doc["results"]


def test_old_feedback_submitted_events_have_no_timeline_line_nor_audit_record():
    from services.reporting.projections.audit import AuditProjection, received
    from services.reporting.projections.timeline import TimelineProjection
    from tests.unit.memory_collection import MemoryCollection

    models = {n: MemoryCollection() for n in ("timeline_pages", "audit_pages", "received_pages")}
    submitted = event("FeedbackSubmitted", 2, "r1", submitted=[{"group": "peer", "count": 1}])
    submitted |= {"id": "evt-2", "subject": "e1", "streamid": "round-r1", "actor": "rater",
                  "correlationid": "c", "hash": "h" * 64}  # fmt: skip
    TimelineProjection(models).handle(submitted)
    AuditProjection(models).handle(submitted)
    assert models["timeline_pages"].documents == {} and models["audit_pages"].documents == {}
    stored = received(models).rows("e1", submitted["tenant"])  # verify still re-hashes it
    assert [row["_id"] for row in stored] == ["evt-2"]
