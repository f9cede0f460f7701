"""Retention on the running system (issue 12, item 4): a tenant whose period is 0 days
cancels an engagement; the assessment worker erases its executive, stakeholder and rater by
itself, each with a SubjectErased of basis retention, and keeps the coach and manager. The
assessment and reporting answers then read them as erased, the exports say why, the
tenant's audit trail shows it, and the chain still verifies."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from tests.integration.kafka_helpers import wait_until

EXECUTIVE, STAKEHOLDER, RATER = "Rowan Retained", "Quentin Kept-Short", "Rita Expiring"


def test_an_expired_engagement_loses_its_subjects_by_itself_and_keeps_its_staff(system, http):
    tenant = f"ret-{uuid.uuid4().hex[:8]}"
    admin = system.headers("admin-1", ["admin"], tenant)
    coach = system.headers("coach-1", ["coach"], tenant)
    assessment, reporting = system.urls["assessment"], system.urls["reporting"]
    body = {"days": 0, "reason": "erase subjects as engagements close"}
    setting = http.put(f"{assessment}/settings/retention", headers=admin, timeout=10, json=body)
    assert setting.status_code == 200 and setting.json()["days"] == 0, setting.text

    opened = http.post(f"{assessment}/engagements", headers=coach, timeout=10, json={
        "executive": {"id": "exec-r", "name": EXECUTIVE},
        "manager": {"id": "mgr-r", "name": "Morgan Staff"},
        "programme": "Personal mastery", "start_date": "2026-01-05"})  # fmt: skip
    assert opened.status_code == 201, opened.text
    base = f"{assessment}/engagements/{opened.json()['id']}"
    added = http.post(f"{base}/stakeholders", headers=coach, timeout=10, json={
        "name": STAKEHOLDER, "contact": "quentin@example.org", "relationship": "peer"})  # fmt: skip
    [stakeholder] = added.json()["stakeholders"]
    closes_on = (date.today() + timedelta(days=14)).isoformat()
    round_ = http.post(
        f"{base}/rounds",
        headers=coach,
        timeout=10,
        json={"purpose": "baseline", "competencies": [{"id": "listening"}], "closes_on": closes_on},
    )
    assert round_.status_code == 201, round_.text
    invited = http.post(f"{base}/rounds/{round_.json()['id']}/invitations", headers=coach,
                        timeout=10, json={"group": "peer", "name": RATER,
                                          "contact": "rita@example.org"})  # fmt: skip
    assert invited.status_code == 201, invited.text
    invitation = invited.json()["invitation_id"]
    cancelled = http.post(f"{base}/cancellation", headers=coach, timeout=10,
                          json={"reason": "the executive left the company"})  # fmt: skip
    assert cancelled.status_code in (200, 201), cancelled.text

    def read() -> dict:
        return http.get(base, headers=admin, timeout=10).json()

    assert wait_until(lambda: read()["executive"]["name"].startswith("Erased person "), 60)
    engagement = read()
    assert engagement["stakeholders"][0]["name"].startswith("Erased person ")
    assert engagement["stakeholders"][0]["contact"] == ""
    assert engagement["manager"] == {"id": "mgr-r", "name": "Morgan Staff"}
    assert engagement["coach"]["id"] == "coach-1" and "Erased" not in engagement["coach"]["name"]
    for person_id in ("exec-r", stakeholder["id"], invitation):
        export = http.get(f"{assessment}/subjects/{person_id}/export", headers=admin, timeout=10)
        assert export.status_code == 200, export.text
        erasure = export.json()["erasure"]
        assert erasure and erasure["basis"] == "retention", (person_id, erasure)
        assert erasure["reference"] == f"retention {opened.json()['id']}"
    staff = http.get(f"{assessment}/subjects/mgr-r/export", headers=admin, timeout=10).json()
    assert staff["erasure"] is None

    engagement_id = opened.json()["id"]
    reporting_admin = system.headers("admin-1", ["admin"], tenant)

    def reporting_text() -> str:
        timeline = http.get(f"{reporting}/engagements/{engagement_id}/timeline",
                            headers=reporting_admin, timeout=10)  # fmt: skip
        audit = http.get(f"{reporting}/audit", headers=reporting_admin, timeout=10)
        return timeline.text + audit.text

    personal = (EXECUTIVE, STAKEHOLDER, RATER, "quentin@example.org", "rita@example.org")

    def erased_in_reporting() -> bool:  # the reporting worker destroys its keys as it reads
        text = reporting_text()  # the erasures on the keys topic: within seconds
        return text.count("retention period") >= 3 and not any(p in text for p in personal)

    assert wait_until(erased_in_reporting, 60)
    text = reporting_text()
    assert "Morgan Staff" in text
    verify = http.get(f"{reporting}/engagements/{engagement_id}/audit/verify",
                      headers=reporting_admin, timeout=10)  # fmt: skip
    assert verify.status_code == 200 and "intact" in verify.text, verify.text
