"""Reporting answers from Kafka-fed read models: as-of, history, manager view, audit, verify."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import date, timedelta

from services.reporting.projections.audit import RECEIVED
from services.reporting.projections.packed import pack, unpack
from services.reporting.projections.read_models import ReadModels
from shared.config import ServiceConfig
from tests.e2e.test_walking_skeleton import open_engagement
from tests.integration.kafka_helpers import wait_until

TODAY = date.today()
ALIGNED = TODAY - timedelta(days=100)
REVIEWS = [ALIGNED + timedelta(days=30 * n) for n in (1, 2, 3)]
DUE = (TODAY + timedelta(days=60)).isoformat()


def run_story(system, http) -> tuple[str, str, str, str]:
    """An engagement with two aligned KPIs, three reviews, a target change at review 2 and a
    wording change recorded last; returns the engagement and KPI ids and the instants just
    before each change was recorded."""
    engagement = open_engagement(system, http)["id"]
    api = f"{system.urls['kpi']}/engagements/{engagement}"
    coach, manager = system.headers("coach-1", ["coach"]), system.headers("mgr-1", ["manager"])
    assert wait_until(lambda: http.get(f"{api}/kpis", headers=coach, timeout=5).ok, 30)
    ids = []
    for name, weight in (("Net revenue retention", 60), ("Board confidence", 40)):
        body = {"name": name, "kind": "performance", "unit": "%", "baseline": 90, "target": 96,
                "direction": "increase", "weight": weight, "due_on": DUE}  # fmt: skip
        ids.append(http.post(f"{api}/kpis", json=body, headers=coach, timeout=10).json()["id"])
    for kpi_id in ids:
        response = http.post(f"{api}/kpis/{kpi_id}/approval", headers=manager, timeout=10,
                             json={"aligned_on": ALIGNED.isoformat()})  # fmt: skip
        assert response.ok, response.text
    for n, held in enumerate(REVIEWS, start=1):
        body = {"held_on": held.isoformat(), "attendees": [{"id": "mgr-1", "name": "Dana"}],
                "measurements": [{"kpi_id": ids[0], "value": 90 + n, "measured_on":
                                  held.isoformat()}]}  # fmt: skip
        review = http.post(f"{api}/reviews", json=body, headers=manager, timeout=10).json()
        if n == 2:
            before_target = _now()
            time.sleep(0.01)
            change = {"changes": {"target": 95}, "reason": "market contraction",
                      "review_id": review["review_id"]}  # fmt: skip
            assert http.patch(f"{api}/kpis/{ids[0]}", json=change, headers=manager).ok
    before_wording = _now()
    time.sleep(0.01)
    change = {"changes": {"description": "Gross NRR"}, "reason": "clarity", "outside_review": True}
    assert http.patch(f"{api}/kpis/{ids[0]}", json=change, headers=manager, timeout=10).ok
    return engagement, ids[0], before_target, before_wording


def _now() -> str:
    from shared.web.instants import now

    return now()


def test_reporting_answers_history_questions_and_proves_integrity(system, http):
    engagement, kpi_id, before_target, before_wording = run_story(system, http)
    report = f"{system.urls['reporting']}/engagements/{engagement}"
    auditor = system.headers("aud-1", ["auditor"])
    assert wait_until(lambda: _history_size(http, report, kpi_id, auditor) == 4, 30)

    def target(as_of: date, known_at: str | None = None) -> float:
        params = {"as_of": as_of.isoformat()} | ({"known_at": known_at} if known_at else {})
        kpis = http.get(f"{report}/kpis", params=params, headers=auditor, timeout=10).json()
        return next(k["definition"]["target"] for k in kpis["kpis"] if k["kpi_id"] == kpi_id)

    assert target(REVIEWS[0] + timedelta(days=1)) == 96
    assert target(REVIEWS[1] + timedelta(days=1)) == 95
    assert target(REVIEWS[1] + timedelta(days=1), known_at=before_target) == 96
    as_of_now = http.get(f"{report}/kpis", params={"as_of": TODAY.isoformat() + "T23:59:59Z",
                         "known_at": before_wording}, headers=auditor).json()  # fmt: skip
    mine = next(k for k in as_of_now["kpis"] if k["kpi_id"] == kpi_id)
    assert mine["definition"]["description"] == "" and mine["latest"]["value"] == 93

    history = http.get(f"{report}/kpis/{kpi_id}/history", headers=auditor, timeout=10).json()
    events = [v["event"] for v in history["versions"]]
    assert events == ["KpiProposed", "KpiAligned", "KpiRevised", "KpiRevised"]
    proposal, alignment, target_change, wording = history["versions"]
    assert proposal["superseded"]  # recorded after its back-dated alignment took effect
    assert alignment["valid_to"] == target_change["valid_from"] == f"{REVIEWS[1]}T00:00:00.000Z"
    assert target_change["changes"] == [{"field": "target", "before": 96, "after": 95}]
    assert wording["valid_to"] is None

    mine = http.get(f"{system.urls['reporting']}/managers/me/kpis",
                    headers=system.headers("mgr-1", ["manager"]), timeout=10).json()  # fmt: skip
    listed = next(e for e in mine["engagements"] if e["engagement_id"] == engagement)
    assert {k["status"] for k in listed["kpis"]} >= {"on_track"} or listed["kpis"]

    audit = http.get(f"{system.urls['reporting']}/audit", headers=auditor, timeout=10,
                     params={"engagement": engagement, "type": "KpiRevised"}).json()  # fmt: skip
    change = next(r for r in audit["records"] if r["reason"] == "market contraction")
    assert change["actor"] == "mgr-1" and change["role"] == "manager"
    assert change["changes"] == [{"field": "target", "before": 96, "after": 95}]
    exported = http.get(f"{system.urls['reporting']}/audit/export", headers=auditor, timeout=10,
                        params={"engagement": engagement, "format": "csv"})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert len(rows) == _audit_total(http, system, engagement, auditor)
    ndjson = http.get(f"{system.urls['reporting']}/audit/export", headers=auditor, timeout=10,
                      params={"engagement": engagement}).text.splitlines()  # fmt: skip
    assert len(ndjson) == len(rows) and json.loads(ndjson[0])["engagement_id"] == engagement

    verify = http.get(f"{report}/audit/verify", headers=auditor, timeout=10).json()
    assert verify["status"] == "intact" and len(verify["streams"]) == 2
    tampered, restore = tamper_with_a_received_event(system, engagement)
    try:
        verify = http.get(f"{report}/audit/verify", headers=auditor, timeout=10).json()
        assert verify["status"] == "broken"
        [broken] = [s for s in verify["streams"] if not s["intact"]]
        assert broken["break"]["event_id"] == tampered
    finally:
        restore()  # other tests compare the read models with a rebuild from Kafka
    assert http.get(f"{report}/audit/verify", headers=auditor).json()["status"] == "intact"


def tamper_with_a_received_event(system, engagement: str):
    """Alter one stored event; returns its id and a function putting it back."""
    config = ServiceConfig.from_env("reporting", env=system.env)
    pages = ReadModels.active(system.mongo[config.database])[RECEIVED]
    options = pages.codec_options
    held = [*pages.find({"_id": engagement}), *pages.find({"owner": engagement})]  # head, pages
    found = [(page, row) for page in held for row in unpack(page, options)["rows"]
             if row["envelope"]["type"] == "mastery.kpi.KpiRevised.v1"]  # fmt: skip
    if found:
        page, row = found[0]
        tampered = unpack(page, options)
        victim = next(r for r in tampered["rows"] if r["_id"] == row["_id"])
        victim["envelope"]["data"]["changes"][0]["after"] = 99
        pages.replace_one({"_id": page["_id"]}, pack(tampered, options))
        return str(row["_id"]), lambda: pages.replace_one({"_id": page["_id"]}, page)
    raise AssertionError("no KpiRevised event received")


def _history_size(http, report: str, kpi_id: str, headers: dict) -> int:
    response = http.get(f"{report}/kpis/{kpi_id}/history", headers=headers, timeout=10)
    return len(response.json().get("versions", [])) if response.ok else 0


def _audit_total(http, system, engagement: str, headers: dict) -> int:
    response = http.get(f"{system.urls['reporting']}/audit", headers=headers, timeout=10,
                        params={"engagement": engagement, "limit": 1})  # fmt: skip
    return int(response.json()["total"])
