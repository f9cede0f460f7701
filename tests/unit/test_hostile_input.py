"""Hostile input on every route of every service: a clear 4xx problem, never a 5xx, nothing
written. The routes come from the apps' url_maps, so a new route is covered unasked."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from services.assessment.app import create_app as assessment_app
from services.kpi.app import create_app as kpi_app
from services.reporting.app import create_app as reporting_app
from shared.config import ServiceConfig
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.projections.engagement_directory import MemoryEngagementDirectory
from shared.resources import Resources
from shared.web import input_limits
from tests.unit.api_helpers import CONFIG, ENGAGEMENT, assert_problem, bearer, engagement_opened

FACTORIES: dict[str, Callable[..., Flask]] = {
    "assessment": assessment_app, "kpi": kpi_app, "reporting": reporting_app,
}  # fmt: skip
WRITES = ("POST", "PUT", "PATCH", "DELETE")
CALLER = bearer("c1", roles=["admin", "coach", "manager"])
TOO_DEEP = {"json": [input_limits.TOO_DEEP.format(CONFIG.max_json_depth)]}
OUT_OF_RANGE = [input_limits.OUT_OF_RANGE]
HOSTILE_BODIES = {
    "surrogate": ('{"name": "x\\ud800y"}', 422, {"name": [input_limits.NOT_TEXT]}),
    "surrogate-in-a-name": ('{"x\\udfffy": 1}', 422, {"x\\udfffy": [input_limits.NOT_A_NAME]}),
    "deep-arrays": ('{"name": ' + "[" * 1000 + "]" * 1000 + "}", 400, TOO_DEEP),
    "deep-objects": ('{"a":' * 1000 + "1" + "}" * 1000, 400, TOO_DEEP),
    "5000-digit-integer": ('{"weight": ' + "9" * 5000 + "}", 422, {"weight": OUT_OF_RANGE}),
    "beyond-64-bits": ('{"weight": 9223372036854775808}', 422, {"weight": OUT_OF_RANGE}),
    "huge-exponent": ('{"baseline": 1e400}', 422, {"baseline": OUT_OF_RANGE}),
    "5000-digit-float": ('{"target": 0.' + "3" * 5000 + "}", 422, {"target": OUT_OF_RANGE}),
    "nan": ('{"items": [1, NaN]}', 422, {"items": {"1": OUT_OF_RANGE}}),
}


def routes(methods: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(service, method, rule) of every route of every app answering one of `methods`."""
    found = []
    for service, factory in FACTORIES.items():
        app = factory(ServiceConfig.from_env(service, env={}))
        for rule in app.url_map.iter_rules():
            found += [(service, m, rule.rule) for m in methods if m in (rule.methods or ())]
    return sorted(found)


def named(table: list[tuple[str, str, str]]) -> list[str]:
    return [f"{service} {method} {rule}" for service, method, rule in table]


WRITE_ROUTES = routes(WRITES)
EVERY_ROUTE = routes(("GET", *WRITES))


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    """A client and an event store per service, and one engagement opened (kpi knows it);
    shared by the module's tests, which each check that they wrote nothing."""
    stores = {service: MemoryEventStore() for service in FACTORIES}
    configs = {service: replace(CONFIG, service=service) for service in FACTORIES}
    assessment = assessment_app(
        configs["assessment"], Resources(configs["assessment"], event_store=stores["assessment"])
    )
    opened = assessment.test_client().post("/engagements", json=ENGAGEMENT, headers=CALLER)
    assert opened.status_code == 201, opened.get_json()
    known = MemoryEngagementDirectory()
    known.handle(engagement_opened(opened.get_json()["id"]))
    apps = {"assessment": assessment} | {
        s: FACTORIES[s](configs[s], Resources(configs[s], event_store=stores[s], directory=known))
        for s in ("kpi", "reporting")
    }
    clients = {s: app.test_client() for s, app in apps.items()}
    return {"clients": clients, "stores": stores, "engagement": opened.get_json()["id"]}


def url(state: dict[str, Any], rule: str) -> str:
    """The rule with the opened engagement's id, and a placeholder for any other id."""
    rule = rule.replace("<string:engagement_id>", state["engagement"])
    return re.sub(r"<[^>]+>", "x1", rule)


def written(state: dict[str, Any]) -> list[int]:
    return [len(store.unpublished(limit=10_000)) for store in state["stores"].values()]


def test_the_table_holds_the_routes_named_in_the_issue():
    assert {
        ("assessment", "POST", "/engagements"),
        ("assessment", "POST", "/engagements/<string:engagement_id>/stakeholders"),
        ("kpi", "POST", "/engagements/<string:engagement_id>/kpis"),
        ("kpi", "PATCH", "/engagements/<string:engagement_id>/kpis/<string:kpi_id>"),
    } <= set(WRITE_ROUTES)
    assert any(service == "reporting" for service, _, _ in EVERY_ROUTE)


@pytest.mark.parametrize("hostile", HOSTILE_BODIES)
@pytest.mark.parametrize(("service", "method", "rule"), WRITE_ROUTES, ids=named(WRITE_ROUTES))
def test_a_hostile_body_is_a_4xx_problem_and_writes_nothing(
    services, service, method, rule, hostile
):
    body, status, errors = HOSTILE_BODIES[hostile]
    before = written(services)
    response = services["clients"][service].open(
        url(services, rule), method=method, data=body, content_type="application/json",
        headers=CALLER,
    )  # fmt: skip
    problem = assert_problem(
        response, status, "validation-error" if status == 422 else "bad-request"
    )
    assert problem["errors"] == errors
    assert written(services) == before


@pytest.mark.parametrize("query", ["actor=\xff", "actor=%ED%A0%80", "%ff=1"])
@pytest.mark.parametrize(("service", "method", "rule"), EVERY_ROUTE, ids=named(EVERY_ROUTE))
def test_a_query_string_that_is_not_utf8_is_a_400(services, service, method, rule, query):
    response = services["clients"][service].open(
        url(services, rule),
        method=method,
        headers=CALLER,
        environ_overrides={"QUERY_STRING": query},
    )
    problem = assert_problem(response, 400, "bad-request")
    assert problem["errors"] == {"query": [input_limits.NOT_UTF8]}


HEADERS = ("Authorization", "Idempotency-Key", "If-Match", "X-Correlation-ID", "X-Invitation-Token")


@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize(("service", "method", "rule"), WRITE_ROUTES, ids=named(WRITE_ROUTES))
def test_a_header_that_is_not_text_is_a_400_and_writes_nothing(
    services, service, method, rule, header
):
    before = written(services)
    headers = CALLER | {header: "Bearer x\ud800y"}
    response = services["clients"][service].open(
        url(services, rule), method=method, json={"name": "Sam"}, headers=headers
    )
    problem = assert_problem(response, 400, "bad-request")
    assert {name.lower(): errors for name, errors in problem["errors"].items()} == {
        header.lower(): [input_limits.NOT_TEXT]
    }
    assert written(services) == before


def test_bodies_within_the_limits_still_reach_the_schema(services):
    nested = '{"name": ' + "[" * 31 + "]" * 31 + ', "weight": -9223372036854775808, "x": 1e308}'
    response = services["clients"]["kpi"].post(
        url(services, "/engagements/<string:engagement_id>/kpis"),
        data=nested, content_type="application/json", headers=CALLER,
    )  # fmt: skip
    problem = assert_problem(response, 422, "validation-error")
    assert input_limits.OUT_OF_RANGE not in str(problem["errors"])
    assert "Unknown field." in problem["errors"]["x"]
