"""Idempotency-Key on writes, through the assessment API with in-memory stores."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.errors import AutoReconnect

from services.assessment.app import create_app
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.resources import Resources
from shared.web.idempotency_store import MemoryIdempotencyStore
from shared.worker import housekeeping_loop
from tests.unit.api_helpers import CONFIG, ENGAGEMENT, assert_problem, bearer

COACH = bearer("c1", roles=["coach"])


@pytest.fixture
def store() -> MemoryEventStore:
    return MemoryEventStore()


@pytest.fixture
def keys() -> MemoryIdempotencyStore:
    return MemoryIdempotencyStore()


@pytest.fixture
def client(store, keys) -> Any:
    resources = Resources(CONFIG, event_store=store, idempotency=keys)
    return create_app(CONFIG, resources).test_client()


def opened(store: MemoryEventStore) -> int:
    return sum(1 for c in store.unpublished(10_000) if ".EngagementOpened." in c.events[0]["type"])


def keyed(key: str, headers: dict[str, str] = COACH) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def test_a_retry_with_the_same_key_replays_the_first_answer(client, store):
    first = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    again = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers.get("ETag") == first.headers.get("ETag")
    assert "Idempotent-Replayed" not in first.headers
    assert opened(store) == 1


def test_without_a_key_each_request_is_its_own(client, store):
    client.post("/engagements", json=ENGAGEMENT, headers=COACH)
    client.post("/engagements", json=ENGAGEMENT, headers=COACH)
    assert opened(store) == 2


def test_the_same_key_with_another_request_is_refused_and_changes_nothing(client, store):
    client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    other = ENGAGEMENT | {"programme": "Another programme"}
    response = client.post("/engagements", json=other, headers=keyed("open-1"))
    assert_problem(response, 422, "idempotency-key-reused")
    assert opened(store) == 1


def test_keys_are_per_caller(client, store):
    client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    someone_else = bearer("c2", roles=["coach"])
    response = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1", someone_else))
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    other_tenant = bearer("c1", tenant="globex", roles=["coach"])
    assert client.post("/engagements", json=ENGAGEMENT,
                       headers=keyed("open-1", other_tenant)).status_code == 201  # fmt: skip
    assert opened(store) == 3


def test_a_refused_request_keeps_no_answer_so_the_corrected_retry_runs(client, store):
    bad = {k: v for k, v in ENGAGEMENT.items() if k != "programme"}
    assert client.post("/engagements", json=bad, headers=keyed("open-1")).status_code == 422
    response = client.post("/engagements", json=bad, headers=keyed("open-1"))
    assert response.status_code == 422 and "Idempotent-Replayed" not in response.headers
    assert opened(store) == 0


def test_a_request_still_running_answers_409_with_retry_after(client, keys):
    first = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    assert first.status_code == 201
    [record_id] = list(keys._records)
    keys._records[record_id]["state"] = "pending"  # as if the first were still running
    response = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    assert_problem(response, 409, "idempotency-key-in-use")
    assert response.headers["Retry-After"] == "1"


def test_a_pending_claim_of_a_dead_process_is_taken_over(client, keys, store):
    client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    [record] = list(keys._records.values())
    record.update(state="pending", created=datetime.now(UTC) - timedelta(minutes=5))
    response = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "naïve"])
def test_a_malformed_key_is_a_400(client, store, key):
    response = client.post("/engagements", json=ENGAGEMENT, headers=keyed(key))
    assert_problem(response, 400, "bad-request")
    assert opened(store) == 0


def test_without_a_valid_token_the_route_answers_401_and_no_key_is_held(client, keys):
    headers = {"Idempotency-Key": "k", "Authorization": "Bearer nope"}
    response = client.post("/engagements", json=ENGAGEMENT, headers=headers)
    assert_problem(response, 401, "unauthorized")
    assert keys._records == {}


def test_the_openapi_document_names_the_header_on_writes_only(client):
    spec = client.get("/openapi.json").get_json()
    assert "Idempotency-Key" in spec["components"]["parameters"]
    ref = {"$ref": "#/components/parameters/Idempotency-Key"}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method == "parameters":  # the path's own (its variables)
                continue
            named = ref in operation.get("parameters", [])
            assert named == (method in ("post", "put", "patch", "delete")), (method, path)


class Unreachable(MemoryIdempotencyStore):
    """The database went away between the command's write and keeping its answer."""

    def complete(self, record_id, owner, status, body, headers) -> None:
        raise AutoReconnect("connection closed")


def test_an_answer_that_cannot_be_kept_still_reaches_the_client(store):
    keys = Unreachable()
    app = create_app(CONFIG, Resources(CONFIG, event_store=store, idempotency=keys))
    client = app.test_client()
    response = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    assert response.status_code == 201 and opened(store) == 1
    retry = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    assert_problem(retry, 409, "idempotency-key-in-use")  # not run twice while held
    assert opened(store) == 1


def test_the_housekeeping_loop_purges_and_stops(store):
    keys = MemoryIdempotencyStore()
    old = datetime.now(UTC) - timedelta(days=2)
    keys.claim("old", "f", old, "o1")
    keys.complete("old", "o1", 201, b"{}", {})
    stop = threading.Event()
    loop = housekeeping_loop(Resources(CONFIG, event_store=store, idempotency=keys), 0.01)
    thread = threading.Thread(target=loop, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 5
    while keys._records and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=5)
    assert keys._records == {} and not thread.is_alive()


class Flaky(MemoryEventStore):
    """The database fails `failures` times on reads or on appends, then recovers."""

    def __init__(self, on: str, failures: int = 1) -> None:
        super().__init__()
        self.on, self.failures = on, failures

    def _fail(self, where: str) -> None:
        if self.on == where and self.failures:
            self.failures -= 1
            raise AutoReconnect("connection reset")

    def load(self, stream_id):
        self._fail("load")
        return super().load(stream_id)

    def append(self, commit) -> None:
        self._fail("append")
        super().append(commit)


def flaky_client(store: MemoryEventStore) -> Any:
    resources = Resources(CONFIG, event_store=store, idempotency=MemoryIdempotencyStore())
    return create_app(CONFIG, resources).test_client()


def test_a_5xx_before_any_write_frees_the_key_for_the_retry():
    store = Flaky("load", failures=0)
    client = flaky_client(store)
    engagement = client.post("/engagements", json=ENGAGEMENT, headers=COACH).get_json()["id"]
    store.failures = 1
    body = {"name": "Pat", "contact": "pat@example.org", "relationship": "peer"}
    url = f"/engagements/{engagement}/stakeholders"
    assert_problem(client.post(url, json=body, headers=keyed("add-1")), 503, "service-unavailable")
    retry = client.post(url, json=body, headers=keyed("add-1"))
    assert retry.status_code == 201, retry.get_json()


def test_a_5xx_after_a_write_started_refuses_the_retry_instead_of_running_it_twice():
    store = Flaky("append")
    client = flaky_client(store)
    first = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    assert_problem(first, 503, "service-unavailable")
    retry = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-1"))
    assert_problem(retry, 409, "idempotency-outcome-unknown")
    fresh = client.post("/engagements", json=ENGAGEMENT, headers=keyed("open-2"))
    assert fresh.status_code == 201 and opened(store) == 1
