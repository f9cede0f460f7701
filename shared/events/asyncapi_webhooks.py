"""The webhook side of the AsyncAPI document: each event POSTed to a subscription's URL as a
structured CloudEvent, signed as the Standard Webhooks specification says.

Pure: plain dicts. The document's Kafka operations are the subscriber's (receive); this one
is the service's own (send), since the service calls the subscriber's endpoint.
"""

from __future__ import annotations

from typing import Any

SERVER = "webhook-endpoint"
CHANNEL = "webhook-deliveries"
OPERATION = "deliver-webhooks"
SECURITY_SCHEME = "webhookSignature"

SIGNATURE = (
    "A space-separated list of `v1,<signature>`: the base64 HMAC-SHA256 of "
    '"{webhook-id}.{webhook-timestamp}.{body}" (the raw body as sent), keyed by the '
    "base64-decoded part of the subscription's secret after `whsec_`. While a secret is "
    "rotated, the old and the new secret each sign, so two signatures come; accept the "
    "request when one of them matches (compare in constant time)."
)
HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type"],
    "properties": {
        "webhook-id": {
            "type": "string",
            "description": "The event's `id`, the same on every retry: drop a delivery "
            "whose id you have already handled.",
        },
        "webhook-timestamp": {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "When this attempt was made, in Unix seconds (new on each "
            "retry): refuse one too far from your clock, against replays.",
        },
        "webhook-signature": {
            "type": "string",
            "pattern": "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$",
            "description": SIGNATURE,
        },
        "content-type": {"const": "application/cloudevents+json"},
    },
}


def server() -> dict[str, Any]:
    """The subscriber's HTTPS endpoint: the URL given when subscribing."""
    return {
        "host": "{host}",
        "pathname": "{path}",
        "protocol": "https",
        "title": "A webhook subscriber's endpoint",
        "description": "The subscription's URL; the service POSTs each event to it.",
        "variables": {
            "host": {"description": "Host (and port) of the subscription's URL."},
            "path": {"description": "Path (and query) of the subscription's URL."},
        },
        "security": [{"$ref": f"#/components/securitySchemes/{SECURITY_SCHEME}"}],
    }


def security_scheme() -> dict[str, Any]:
    """How a subscriber knows a delivery came from the service: the signature header."""
    return {
        "type": "httpApiKey",
        "name": "webhook-signature",
        "in": "header",
        "description": "Not a fixed key but a signature of each request (Standard Webhooks, "
        f"symmetric). {SIGNATURE} The secret (`whsec_` then base64) is the subscription's.",
    }


def channel(message_ids: list[str]) -> dict[str, Any]:
    """The deliveries to one subscription: every event message, each a POST."""
    return {
        "address": None,
        "title": "Webhook deliveries",
        "description": "The subscription's URL (known per subscription, not in advance). "
        "The body is one event as on the topics: a structured CloudEvent, "
        "`application/cloudevents+json`.",
        "servers": [{"$ref": f"#/servers/{SERVER}"}],
        "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in message_ids},
    }


def operation(message_ids: list[str]) -> dict[str, Any]:
    """The service's delivery of each event to a subscriber, retried until acknowledged."""
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{CHANNEL}"},
        "title": "Deliver events to a webhook subscriber",
        "summary": "POST each event to the subscription's URL.",
        "description": "A 2xx answer acknowledges the delivery. Any other answer, a timeout "
        "or a connection error is retried with backoff, with the same `webhook-id`, a new "
        "`webhook-timestamp` and new signatures; so a subscriber may get an event more "
        "than once.",
        "messages": [{"$ref": f"#/channels/{CHANNEL}/messages/{m}"} for m in message_ids],
        "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
    }
