"""The AsyncAPI document: valid against the official AsyncAPI 3.0.0 JSON Schema (npm
@asyncapi/specs, installed by make install), which rejects a broken copy; every reference
lands in the document; every catalogued type is a message whose payload real events fit."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.validators import validator_for
from referencing import Registry
from referencing.jsonschema import DRAFT7

from shared.events import catalogue
from shared.events.asyncapi import asyncapi_document
from tests.unit.api_helpers import CONFIG, ENGAGEMENT, bearer

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / ".cache/asyncapi/node_modules/@asyncapi/specs"
PINNED = json.loads((ROOT / "deploy/asyncapi/package.json").read_text())["dependencies"]


def official_schema() -> dict[str, Any]:
    """schemas/3.0.0.json of the pinned @asyncapi/specs; fails (never skips) without it."""
    package = SPECS / "package.json"
    if not package.exists():
        pytest.fail(f"{SPECS.relative_to(ROOT)} is missing: run make install", pytrace=False)
    installed, pinned = json.loads(package.read_text())["version"], PINNED["@asyncapi/specs"]
    if installed != pinned:
        pytest.fail(f"@asyncapi/specs {installed} is installed, {pinned} pinned: run make install")
    return json.loads((SPECS / "schemas/3.0.0.json").read_text())


@pytest.fixture(scope="module")
def official() -> Draft7Validator:
    """The official schema is draft-07; its parts are in `definitions`, each under its $id,
    which every $ref names: a registry of them, and nothing fetched from the network."""
    schema = official_schema()
    assert validator_for(schema) is Draft7Validator
    Draft7Validator.check_schema(schema)
    parts = schema["definitions"].items()
    assert all(uri == part["$id"] for uri, part in parts) and len(parts) > 100
    registry = Registry().with_resources((uri, DRAFT7.create_resource(p)) for uri, p in parts)
    return Draft7Validator(schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi_document(CONFIG)


def test_the_document_is_valid_against_the_official_asyncapi_3_schema(official, document):
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in official.iter_errors(document)]
    assert errors == []


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split("/")

    def change(doc: dict[str, Any]) -> None:
        target = doc
        for key in parents:
            target = target[key]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return change


_DELETE = object()
BROKEN = {
    "an operation without action": _set("operations/deliver-webhooks/action", _DELETE),
    "an unknown action": _set("operations/receive-kpi-events/action", "publish"),
    "a channel address that is no string": _set("channels/kpi-events/address", 42),
    "a topic of no partitions": _set("channels/kpi-events/bindings/kafka/partitions", 0),
    "a server without protocol": _set("servers/webhook-endpoint/protocol", _DELETE),
    "another AsyncAPI version": _set("asyncapi", "2.6.0"),
    "a correlation id at no runtime expression": _set(
        "components/messageTraits/cloudEvent/correlationId", {"location": "correlationid"}
    ),
}


@pytest.mark.parametrize("breakage", BROKEN.values(), ids=list(BROKEN))
def test_the_same_validator_rejects_a_broken_copy(official, document, breakage):
    broken = copy.deepcopy(document)
    breakage(broken)
    assert not official.is_valid(broken)


def _refs(node: Any) -> Iterator[str]:
    """Every document $ref, not those inside payload schemas (relative to their own $id)."""
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for key, value in node.items():
            if key != "schema" or "schemaFormat" not in node:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    target: Any = document
    for key in ref[2:].split("/"):
        target = target[key.replace("~1", "/").replace("~0", "~")]
    return target


def test_every_reference_lands_in_the_document(document):
    refs = set(_refs(document))
    assert len(refs) > 60
    for ref in refs:
        _resolve(document, ref)
    for name, operation in document["operations"].items():
        channel = operation["channel"]["$ref"]
        assert all(m["$ref"].startswith(f"{channel}/messages/") for m in operation["messages"]), (
            name
        )


def test_each_payload_is_a_2020_12_schema(document):
    for name, message in document["components"]["messages"].items():
        payload = message["payload"]
        assert payload["schemaFormat"] == "application/schema+json;version=draft-2020-12", name
        Draft202012Validator.check_schema(payload["schema"])


def test_the_events_the_api_stores_fit_their_messages_payload(client, store, document):
    engagement = client.post("/engagements", json=ENGAGEMENT, headers=bearer()).get_json()
    url = f"/engagements/{engagement['id']}/cancellation"
    assert client.post(url, json={"reason": "budget"}, headers=bearer()).status_code == 200
    events = [event for commit in store.unpublished() for event in commit.events]
    assert {"reason", "actorroles"} <= {key for event in events for key in event}
    messages = document["components"]["messages"]
    for event in events:
        payload = Draft202012Validator(messages[event["type"]]["payload"]["schema"])
        payload.validate(event)
        assert not payload.is_valid({k: v for k, v in event.items() if k != "hash"})
        assert not payload.is_valid(event | {"data": event["data"] | {"unexpected": 1}})


NEW_TYPE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "SubscriptionCreated v1",
    "description": "A webhook subscription was created.",
    "type": "object",
    "required": ["subscription_id"],
    "properties": {"subscription_id": {"type": "string", "minLength": 1}},
}


@pytest.fixture
def schema_dir(tmp_path, monkeypatch):
    """A copy of the catalogue's schema folder, read by catalogue() instead of the real one."""
    for path in catalogue.SCHEMA_DIR.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    monkeypatch.setattr(catalogue, "SCHEMA_DIR", tmp_path)
    catalogue.catalogue.cache_clear()
    yield tmp_path
    catalogue.catalogue.cache_clear()


def test_a_schema_file_added_to_the_catalogue_appears_unedited(official, schema_dir):
    (schema_dir / "webhooks.SubscriptionCreated.v1.json").write_text(json.dumps(NEW_TYPE))
    document = asyncapi_document(CONFIG)
    new = "mastery.webhooks.SubscriptionCreated.v1"
    events, dead = (
        document["channels"]["webhooks-events"],
        document["channels"]["webhooks-dead-letters"],
    )
    assert events["address"] == "mastery.webhooks.events" and new in events["messages"]
    assert dead["address"] == "mastery.webhooks.events.dlt"
    assert document["operations"]["receive-webhooks-events"]["action"] == "receive"
    data = document["components"]["messages"][new]["payload"]["schema"]["properties"]["data"]
    assert data["required"] == ["subscription_id"]
    assert official.is_valid(document)
