"""The reporting routes through the Flask test client over read models in memory: each JSON
answer is the query's answer whole (no field lost to a response schema), the errors, the
streamed export, the pages' headers, the OpenAPI answers, and a composition root that
connects nothing until the first request. No I/O."""

from __future__ import annotations

import json

import pytest

from services.reporting.api.audit import in_pieces
from services.reporting.app import create_app
from services.reporting.queries.audit import AuditSelection, audit_page
from services.reporting.queries.feedback import engagement_feedback
from services.reporting.queries.kpis import current_kpis, kpi_history, manager_kpis
from services.reporting.queries.overview import overview
from services.reporting.queries.summary import summary
from services.reporting.queries.timeline import timeline_page
from shared.config import ServiceConfig
from shared.resources import Resources
from tests.unit.api_helpers import assert_problem, bearer
from tests.unit.reporting_story import MemoryResources, projected
from tests.unit.test_reporting_queries import AUDITOR, COACH, MANAGER

CONFIG = ServiceConfig.from_env("reporting", env={})
HEADERS = {"c2": bearer("c2", roles=["coach"]), "m1": bearer("m1", roles=["manager"]),
           "u1": bearer("u1", roles=["auditor"])}  # fmt: skip


@pytest.fixture
def client():
    return create_app(CONFIG, MemoryResources(CONFIG, projected().database)).test_client()


@pytest.fixture
def read():
    return projected().read()


def plain(answer):
    return json.loads(json.dumps(answer))


def answers(read):
    """(route, caller, what the query answers) for every JSON route but the as-of."""
    e, kpi = projected().engagement, projected().kpis[0]
    return [
        (f"/engagements/{e}/kpis", "m1", current_kpis(read, MANAGER, e)),
        (f"/engagements/{e}/kpis", "c2", current_kpis(read, COACH, e)),
        (f"/engagements/{e}/kpis/{kpi}/history", "c2", kpi_history(read, COACH, e, kpi)),
        ("/managers/me/kpis", "m1", manager_kpis(read, MANAGER)),
        (f"/engagements/{e}/timeline?limit=7&offset=1", "c2", timeline_page(read, COACH, e, 7, 1)),
        (f"/engagements/{e}/feedback", "c2", engagement_feedback(read, COACH, e)),
        (f"/engagements/{e}/summary", "m1", summary(read, MANAGER, e)),
        ("/overview", "u1", overview(read, AUDITOR)),
        ("/audit?limit=5", "u1", audit_page(read, AUDITOR, AuditSelection(), 5, 0)),
    ]


def test_every_json_route_answers_what_its_query_answers_field_for_field(client, read):
    for route, caller, expected in answers(read):
        response = client.get(route, headers=HEADERS[caller])
        assert response.status_code == 200, (route, response.get_json())
        assert response.get_json() == plain(expected), route


def test_the_as_of_answer_keeps_every_field(client):
    e = projected().engagement
    route = f"/engagements/{e}/kpis?as_of=2999-01-01&known_at=2999-01-01"
    [kpi, *_] = client.get(route, headers=HEADERS["c2"]).get_json()["kpis"]
    assert set(kpi) == {"kpi_id", "state", "definition", "baseline_on", "valid_from",
                        "recorded_at", "latest", "status", "as_of", "known_at"}  # fmt: skip


def test_the_verification_answers_each_stream_with_its_break(client):
    body = client.get(f"/engagements/{projected().engagement}/audit/verify",
                      headers=HEADERS["c2"]).get_json()  # fmt: skip
    assert body["status"] == "intact"
    assert all(set(s) == {"stream_id", "events", "intact", "break"} for s in body["streams"])


def test_refusals_are_problems(client):
    e = projected().engagement
    assert_problem(client.get(f"/engagements/{e}/kpis"), 401, "unauthorized")
    other = bearer("c9", roles=["coach"])
    assert_problem(client.get(f"/engagements/{e}/summary", headers=other), 403, "forbidden")
    foreign = bearer("u1", "globex", ["auditor"])
    assert_problem(client.get(f"/engagements/{e}/feedback", headers=foreign), 404, "not-found")
    assert_problem(client.get("/audit", headers=HEADERS["c2"]), 403, "forbidden")
    bad = client.get(f"/engagements/{e}/timeline?limit=0", headers=HEADERS["c2"])
    assert_problem(bad, 422, "validation-error")


def test_the_export_streams_the_selection_as_an_attachment(client):
    e = projected().engagement
    ndjson = client.get(f"/audit/export?engagement={e}", headers=HEADERS["m1"])
    assert ndjson.mimetype == "application/x-ndjson"
    assert ndjson.headers["Content-Disposition"] == "attachment; filename=audit.ndjson"
    records = [json.loads(line) for line in ndjson.get_data(as_text=True).splitlines()]
    assert records and "MeasurementRecorded" not in {r["event"] for r in records[-3:]}
    csv = client.get(f"/audit/export?engagement={e}&format=csv", headers=HEADERS["m1"])
    assert csv.mimetype == "text/csv"
    assert len(csv.get_data(as_text=True).splitlines()) == len(records) + 1
    assert_problem(client.get("/audit/export", headers=HEADERS["m1"]), 403, "forbidden")


def test_the_pages_answer_html_with_their_headers(client):
    page = client.get(f"/engagements/{projected().engagement}/dashboard", headers=HEADERS["m1"])
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Organisation overview" in client.get("/dashboard", headers=HEADERS["u1"]).text


def test_openapi_describes_the_answer_of_every_json_route(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    reporting = {p: v["get"] for p, v in paths.items()
                 if p.startswith(("/engagements", "/managers", "/audit", "/overview"))}  # fmt: skip
    assert len(reporting) == 11  # 9 JSON routes, the export, the engagement page
    for path, operation in reporting.items():
        content = operation["responses"]["200"]["content"]
        if path.endswith(("/dashboard", "/audit/export")):
            assert "application/json" not in content, path
        else:
            assert "$ref" in content["application/json"]["schema"], path


class Unreachable(Resources):
    """Resources whose database cannot be opened."""

    @property
    def database(self):  # type: ignore[override]
        raise ConnectionError("no database here")


def test_building_the_app_connects_nothing():
    app = create_app(CONFIG, Unreachable(CONFIG))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200


def test_the_export_is_sent_in_pieces_of_many_lines_and_loses_none():
    lines = [f'{{"n": {n}}}\n' for n in range(1_000)]
    pieces = list(in_pieces(iter(lines), size=1_000))
    assert "".join(pieces) == "".join(lines)
    assert all(len(p) >= 1_000 for p in pieces[:-1]) and 1 < len(pieces) < 20
    assert list(in_pieces(iter([]))) == []
