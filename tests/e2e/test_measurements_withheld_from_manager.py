"""A feedback round not shared with the manager measures a behavioural KPI: the manager sees
that measurement nowhere, the coach everywhere (issue 8, finding 2), on the real stack."""

from __future__ import annotations

from datetime import timedelta

from shared.clock import today
from tests.e2e.test_kpi_story import close_a_pulse_round_on_listening
from tests.e2e.test_walking_skeleton import open_engagement
from tests.integration.kafka_helpers import wait_until

TODAY = today()  # the services' clock (UTC), not the machine's local date
LISTENING = {"name": "Listening in 1:1s", "kind": "behavioural", "capability": "listening",
             "unit": "pulse", "baseline": -1, "target": 2, "direction": "increase",
             "weight": 100, "due_on": (TODAY + timedelta(days=60)).isoformat(),
             "measured_by": "feedback_rounds"}  # fmt: skip


def measured_kpi(system, http) -> tuple[str, str]:
    """An engagement whose behavioural KPI an unshared pulse round measured (seen by the
    coach in reporting); its engagement and KPI ids."""
    engagement = open_engagement(system, http)["id"]
    api = f"{system.urls['kpi']}/engagements/{engagement}"
    coach, manager = system.headers("coach-1", ["coach"]), system.headers("mgr-1", ["manager"])
    assert wait_until(lambda: http.get(f"{api}/kpis", headers=coach, timeout=5).ok, 30)
    kpi = http.post(f"{api}/kpis", json=LISTENING, headers=coach, timeout=10).json()["id"]
    aligned_on = {"aligned_on": (TODAY - timedelta(days=20)).isoformat()}
    assert http.post(f"{api}/kpis/{kpi}/approval", json=aligned_on, headers=manager).ok
    close_a_pulse_round_on_listening(system, http, engagement)  # results_visible_to_manager off
    report = f"{system.urls['reporting']}/engagements/{engagement}/kpis"

    def coach_sees_it() -> bool:
        kpis = http.get(report, headers=coach, timeout=10).json()["kpis"]
        return bool(kpis and kpis[0]["measurements"])

    assert wait_until(coach_sees_it, 30)
    return engagement, kpi


def test_the_manager_sees_no_measurement_from_a_round_not_shared_with_them(system, http):
    engagement, kpi = measured_kpi(system, http)
    coach, manager = system.headers("coach-1", ["coach"]), system.headers("mgr-1", ["manager"])
    kpi_api = f"{system.urls['kpi']}/engagements/{engagement}/kpis/{kpi}"
    reporting = system.urls["reporting"]
    report = f"{reporting}/engagements/{engagement}"

    assert (
        http.get(kpi_api, headers=coach, timeout=10).json()["latest"]["source"]["kind"] == "round"
    )
    mine = http.get(kpi_api, headers=manager, timeout=10).json()
    assert (mine["latest"], mine["status"], mine["measurements"]) == (None, None, [])

    for params in ({}, {"as_of": TODAY.isoformat() + "T23:59:59Z"}):
        [shown] = http.get(f"{report}/kpis", params=params, headers=manager, timeout=10).json()[
            "kpis"
        ]
        assert shown["latest"] is None and shown["status"] is None, params
    listed = http.get(f"{reporting}/managers/me/kpis", headers=manager, timeout=10).json()
    [mine_listed] = next(e for e in listed["engagements"] if e["engagement_id"] == engagement)[
        "kpis"
    ]
    assert mine_listed["measurements"] == [] and mine_listed["status"] is None
    summary = http.get(f"{report}/summary", headers=manager, timeout=10).json()
    assert all(k["status"] is None for k in summary["kpis"]["latest"]), summary["kpis"]

    def events(path: str, headers: dict, key: str) -> list[str]:
        body = http.get(f"{reporting}{path}", headers=headers, timeout=10).json()
        return [e["event"] for e in body[key]]

    timeline = f"/engagements/{engagement}/timeline?limit=500"
    audit = f"/audit?engagement={engagement}&limit=500"
    assert "MeasurementRecorded" in events(timeline, coach, "entries")
    assert "MeasurementRecorded" not in events(timeline, manager, "entries")
    assert "MeasurementRecorded" in events(audit, coach, "records")
    assert "MeasurementRecorded" not in events(audit, manager, "records")
    exported = http.get(f"{reporting}/audit/export", headers=manager, timeout=10,
                        params={"engagement": engagement}).text  # fmt: skip
    assert "MeasurementRecorded" not in exported

    page = http.get(f"{report}/dashboard", headers=manager, timeout=10).text
    coach_page = http.get(f"{report}/dashboard", headers=coach, timeout=10).text
    assert "1.67" in coach_page and "1.67" not in page
