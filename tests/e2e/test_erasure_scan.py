"""Erasure on the running system (issue 12): after a full demo engagement, a rater, a
stakeholder and the executive are erased; then no API answer for any role, no export or
dashboard, no record on any topic from offset 0, no webhook body and no log line holds any of
their strings; what remains (KPI history, 360 aggregates, counts) reads as before; the hash
chains still verify; and a rebuild of the read models keeps them erased.

A person here is everyone they are to the APIs: the stakeholder Marco Rossi is also a rater
of both rounds, so his stakeholder id and his two invitations are erased; so are the
executive's id and their self-rating invitations."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

from deploy.demo import seed
from deploy.demo.assessment import BARRIERS
from deploy.demo.sessions import SESSIONS
from deploy.demo.story import contact
from deploy.local import infra
from shared.config import ServiceConfig
from tests.e2e import personal_scan as scan
from tests.e2e.webhook_receiver import Receiver
from tests.integration.kafka_helpers import wait_until

RATER, STAKEHOLDER, EXECUTIVE = "Lena Fischer", "Marco Rossi", "Alex Executive"
ERASURE = {"reason": "Art. 17 request", "reference": "DSR-e2e"}


def strings_of_each_person() -> dict[str, list[str]]:
    """The strings that are each person's data in the demo (long enough to be theirs alone)."""
    executive = [EXECUTIVE, "patience under pressure", "staying with conflict",
                 "commercial judgement", "Blind spot in the baseline 360",
                 *(description for description, *_ in BARRIERS)]  # fmt: skip
    for _, _, _, commitments, follow_ups, notes in SESSIONS:
        executive += [*commitments, *(note for _, note in follow_ups), notes]
    return {
        RATER: [RATER, contact(RATER), "Clear in writing, much sharper in person under pressure."],
        STAKEHOLDER: [STAKEHOLDER, contact(STAKEHOLDER)],
        EXECUTIVE: executive,
    }


def seeded(system, tenant: str, capsys) -> str:
    urls = [f"--{service}={url}" for service, url in system.urls.items()]
    assert seed.main(["--profile", "test", "--tenant", tenant, *urls], env=system.env) == 0
    found = re.search(r"^engagement\s+(\S+)$", capsys.readouterr().out, re.MULTILINE)
    assert found
    return found.group(1)


def ids_of(system, http, tenant: str, engagement_id: str) -> dict[str, list[str]]:
    """Every id a GET route takes, as the coach sees them; and each person's ids."""
    coach = system.headers("coach-1", ["coach"], tenant)
    assessment, kpi = system.urls["assessment"], system.urls["kpi"]
    base = f"{assessment}/engagements/{engagement_id}"
    rounds = [r["id"] for r in http.get(f"{base}/rounds", headers=coach).json()["rounds"]]
    invitations = [
        i
        for r in rounds
        for i in http.get(f"{base}/rounds/{r}", headers=coach).json()["invitations"]
    ]
    stakeholders = http.get(base, headers=coach).json()["stakeholders"]
    kpis = http.get(f"{kpi}/engagements/{engagement_id}/kpis", headers=coach).json()["kpis"]
    sessions = http.get(f"{kpi}/engagements/{engagement_id}/sessions", headers=coach).json()
    hr = system.headers("hr-1", ["hr"], tenant)
    hooks = http.get(f"{system.urls['reporting']}/webhooks", headers=hr).json()["webhooks"]

    def invited(name: str) -> list[str]:
        return [i["id"] for i in invitations if i["rater_name"] == name]

    [marco] = [s["id"] for s in stakeholders if s["name"] == STAKEHOLDER]
    return {
        "tenant": [tenant],
        "engagement_id": [engagement_id],
        "round_id": rounds,
        "kpi_id": [k["id"] for k in kpis],
        "session_id": [s["session_id"] for s in sessions["sessions"]],
        "subscription_id": [h["id"] for h in hooks],
        RATER: invited(RATER),
        STAKEHOLDER: [marco, *invited(STAKEHOLDER)],
        EXECUTIVE: ["exec-1", *invited(EXECUTIVE)],
        "person_id": ["exec-1", "mgr-1", marco, *invited(RATER)],
    }


def everything(system, http, ids, receiver) -> scan.Seen:
    seen = scan.Seen()
    scan.api_answers(system, http, ids, seen)
    config = ServiceConfig.from_env("reporting", env=system.env)
    assert scan.kafka_records(config.kafka_bootstrap_servers, config.topic_prefix, seen) > 100
    assert scan.webhook_bodies(receiver, seen) > 50
    scan.log_lines(infra.Profile.from_name("test").logs_dir, seen)
    assert seen.answered > 200, seen.answered  # routes x ids x roles that answered 2xx
    print(f"scanned {len(seen.texts)} sources, {seen.answered} answers 2xx")
    for route, statuses in sorted(seen.statuses.items()):
        print(f"  {route}: {sorted(statuses)}")
    return seen


def leaks(seen: scan.Seen, people: dict[str, list[str]]) -> dict[str, list[str]]:
    return {s: seen.where(s)[:5] for strings in people.values() for s in strings if seen.where(s)}


def remaining(system, http, ids) -> dict:
    """What must read the same after the erasure: KPI history, 360 aggregates, counts."""
    tenant, [engagement_id] = scan.system_tenant(ids), ids["engagement_id"]
    coach = system.headers("coach-1", ["coach"], tenant)
    reporting = f"{system.urls['reporting']}/engagements/{engagement_id}"
    assessment = f"{system.urls['assessment']}/engagements/{engagement_id}"

    def read(url: str):
        return http.get(url, headers=coach, timeout=30).json()

    return {
        "kpis": without_evidence(read(f"{reporting}/kpis")),
        "history": [without_evidence(read(f"{reporting}/kpis/{k}/history")) for k in ids["kpi_id"]],
        "results": [read(f"{assessment}/rounds/{r}/results") for r in ids["round_id"]],
        "timeline": read(f"{reporting}/timeline?limit=1")["total"],
    }


def without_evidence(value):
    """A KPI answer without its measurements' evidence (the executive's words, erased)."""
    if isinstance(value, dict):
        return {k: without_evidence(v) for k, v in value.items() if k != "evidence"}
    if isinstance(value, list):
        return [without_evidence(v) for v in value]
    return value


def verified(system, http, ids) -> str:
    tenant, [engagement_id] = scan.system_tenant(ids), ids["engagement_id"]
    url = f"{system.urls['reporting']}/engagements/{engagement_id}/audit/verify"
    return http.get(url, headers=system.headers("aud-1", ["auditor"], tenant)).json()["status"]


def test_erased_people_leave_no_string_anywhere_and_the_rest_reads_as_before(system, http, capsys):
    tenant = f"gdpr{uuid.uuid4().hex[:8]}"
    receiver = Receiver()
    hr = system.headers("hr-1", ["hr"], tenant)
    subscribed = http.post(f"{system.urls['reporting']}/webhooks", headers=hr, timeout=10,
                           json={"url": receiver.url, "event_types": ["*"]})  # fmt: skip
    assert subscribed.status_code == 201, subscribed.text
    receiver.secrets.append(subscribed.json()["secret"])
    engagement_id = seeded(system, tenant, capsys)
    ids = ids_of(system, http, tenant, engagement_id)
    assert len(ids[RATER]) == 2 and len(ids[STAKEHOLDER]) == 3 and len(ids[EXECUTIVE]) == 3
    total = remaining(system, http, ids)["timeline"]
    assert wait_until(lambda: len(set(receiver.acknowledged_ids(engagement_id))) >= total, 120)
    people = strings_of_each_person()
    export = f"{system.urls['assessment']}/subjects/exec-1/export"
    executive = system.headers("exec-1", ["executive"], tenant)

    def exported_kpi_fields() -> list[str]:
        records = http.get(export, headers=executive, timeout=30).json()["records"]
        return [f["value"] for r in records if r["service"] == "kpi" for f in r["fields"]]

    commitment = SESSIONS[0][3][0]  # a commitment of the first session, on the kpi topic
    assert wait_until(lambda: commitment in exported_kpi_fields(), 60)

    before = everything(system, http, ids, receiver)
    for person, strings in people.items():  # the scan sees each person before: it can fail
        assert before.where(person), f"{person} is in no answer before the erasure"
        assert any(before.where(s) for s in strings[1:]), f"nothing else of {person} is"
    published = {p: w for p, w in leaks(before, people).items()
                 if any(not place.startswith("GET ") for place in w)}  # fmt: skip
    assert published == {}, "personal data on a topic, in a webhook or a log before erasure"
    kept = remaining(system, http, ids)

    admin = system.headers("admin-1", ["admin"], tenant)
    for person in people:
        for person_id in ids[person]:
            erased = http.post(f"{system.urls['assessment']}/subjects/{person_id}/erasure",
                               json=ERASURE, headers=admin, timeout=10)  # fmt: skip
            assert erased.status_code == 201, erased.text
    timeline = (f"{system.urls['reporting']}/engagements/{engagement_id}/timeline"
                "?limit=500")  # fmt: skip
    coach = system.headers("coach-1", ["coach"], tenant)
    assert wait_until(lambda: EXECUTIVE not in http.get(timeline, headers=coach).text, 30)

    after = everything(system, http, ids, receiver)
    assert leaks(after, people) == {}
    assert any("Erased person" in text for text in after.texts.values())
    assert remaining(system, http, ids) == kept
    assert verified(system, http, ids) == "intact"

    rebuild = subprocess.run(
        [sys.executable, "-m", "services.reporting.rebuild"], cwd=infra.REPO_ROOT,
        env=system.env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert rebuild.returncode == 0, rebuild.stderr
    rebuilt = everything(system, http, ids, receiver)
    assert leaks(rebuilt, people) == {}
    assert remaining(system, http, ids) == kept
    assert verified(system, http, ids) == "intact"
