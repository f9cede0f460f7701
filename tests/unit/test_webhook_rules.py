"""Webhook rules without I/O: the Standard Webhooks signature (checked by the official
`standardwebhooks` library, not this project's code), the secret's form, the retry schedule,
the disabling, which targets may be called, the sealing of secrets, and the subscription's
decisions."""

from __future__ import annotations

import base64
import ipaddress
import json
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.reporting.domain import webhook_delivery as rules
from services.reporting.domain.webhook_subscription import (
    ACTIVE,
    DELETED,
    DISABLED,
    PAUSED,
    WebhookSubscription,
    WebhookSubscriptionCreated,
    origin,
    wants,
)
from shared.crypto.secret_box import SealedValueError, SecretBox
from shared.domain.errors import InvalidCommand, InvalidTransition

SECRET = rules.new_secret(bytes(range(32)))
BODY = json.dumps({"id": "ev-1", "type": "mastery.kpi.KpiAligned.v1"}).encode()


def test_the_signature_verifies_with_the_standard_webhooks_library():
    now = int(time.time())
    header = rules.signature_header([SECRET], "ev-1", now, BODY)
    headers = {"webhook-id": "ev-1", "webhook-timestamp": str(now), "webhook-signature": header}
    assert Webhook(SECRET).verify(BODY, headers) == json.loads(BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY + b" ", headers)  # the body changed
    other = rules.new_secret(bytes(32))
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(BODY, headers)


def test_during_a_rotation_both_secrets_sign_and_each_verifies():
    now, new = int(time.time()), rules.new_secret(bytes(range(1, 33)))
    header = rules.signature_header([new, SECRET], "ev-2", now, BODY)
    assert header.count("v1,") == 2 and " " in header
    headers = {"webhook-id": "ev-2", "webhook-timestamp": str(now), "webhook-signature": header}
    for secret in (new, SECRET):
        Webhook(secret).verify(BODY, headers)


def test_a_secret_is_whsec_and_the_base64_of_at_least_24_random_bytes():
    assert SECRET.startswith("whsec_") and len(base64.b64decode(SECRET[6:])) == 32
    with pytest.raises(ValueError):
        rules.new_secret(bytes(23))


def test_retries_wait_per_the_schedule_within_its_jitter_then_the_delivery_fails():
    assert [rules.retry_delay(n, 0.5) for n in range(1, 8)] == list(rules.RETRY_SCHEDULE)
    assert rules.retry_delay(1, 0.0) == pytest.approx(4.0)
    assert rules.retry_delay(2, 0.999999) == pytest.approx(360.0, rel=1e-5)
    assert not rules.exhausted(7) and rules.exhausted(8)
    assert rules.exhausted(3, (1, 1)) and not rules.exhausted(2, (1, 1))


def test_a_subscription_failing_for_the_whole_window_is_disabled():
    assert not rules.should_disable(None, 1e9)
    assert not rules.should_disable(1000.0, 1000.0 + rules.DISABLE_AFTER_SECONDS - 1)
    assert rules.should_disable(1000.0, 1000.0 + rules.DISABLE_AFTER_SECONDS)


@pytest.mark.parametrize(
    "url",
    [
        "http://hr.example.com/hook",  # not https
        "ftp://hr.example.com/hook",
        "https://user:pw@hr.example.com/hook",  # credentials
        "https:///hook",  # no host
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://hr.example.com:99999/hook",
        "https://hr.example.com/" + "x" * 2100,
    ],
)
def test_a_target_that_is_not_public_https_is_refused(url):
    with pytest.raises(InvalidCommand):
        rules.checked_url(url, allow_private=False)


def test_where_the_operator_allows_private_targets_http_and_loopback_pass_but_not_metadata():
    assert rules.checked_url("http://127.0.0.1:8080/hook", allow_private=True)
    assert rules.checked_url("https://hr.example.com/hook?x=1", allow_private=False)
    with pytest.raises(InvalidCommand):
        rules.checked_url("http://169.254.169.254/", allow_private=True)


@pytest.mark.parametrize(
    ("address", "public"),
    [("8.8.8.8", True), ("2606:4700:4700::1111", True), ("127.0.0.1", False),
     ("10.0.0.1", False), ("172.16.5.4", False), ("100.64.0.1", False), ("fe80::1", False),
     ("fd00:ec2::254", False), ("::ffff:10.0.0.1", False), ("224.0.0.1", False)],
)  # fmt: skip
def test_resolved_addresses_are_checked_as_the_literal_ones(address, public):
    assert rules.address_allowed(ipaddress.ip_address(address), False) is public


def test_a_sealed_secret_opens_only_with_its_key_and_its_subscription():
    box = SecretBox(bytes(32))
    sealed = box.seal(SECRET, "sub-1")
    assert SECRET not in sealed and box.open(sealed, "sub-1") == SECRET
    assert box.seal(SECRET, "sub-1") != sealed  # a fresh nonce each time
    for wrong in (lambda: box.open(sealed, "sub-2"),
                  lambda: SecretBox(bytes([1]) * 32).open(sealed, "sub-1"),
                  lambda: box.open(sealed[:-4] + "AAAA", "sub-1")):  # fmt: skip
        with pytest.raises(SealedValueError):
            wrong()


def created(types=("*",)) -> WebhookSubscription:
    return WebhookSubscription.create(WebhookSubscriptionCreated(
        subscription_id="s1", endpoint="https://hr.example.com", event_types=types,
        description="HR", created_at="2026-12-01T00:00:00.000Z",
        url="https://hr.example.com/hook?token=abc", sealed_secret="v1:first",
    ))  # fmt: skip


def test_only_the_origin_of_the_url_is_published():
    subscription = created()
    published, private = subscription.pending[0].split_data()
    assert published["endpoint"] == "https://hr.example.com" and "url" not in published
    assert "sealed_secret" not in published and private["url"].endswith("token=abc")
    assert origin("https://a:b@hr.example.com:8443/x?y") == "https://hr.example.com:8443"


def test_a_change_records_only_what_differs():
    subscription = created()
    subscription.change(None, ("*",), "HR")
    assert len(subscription.pending) == 1
    subscription.change("https://hr.example.com/v2", None, None)
    change = subscription.pending[-1]
    assert (change.endpoint, change.event_types, change.description) == (
        "https://hr.example.com", None, None)  # fmt: skip
    assert subscription.url == "https://hr.example.com/v2"


def test_the_previous_secret_signs_until_the_overlap_ends():
    subscription = created()
    subscription.rotate_secret("v1:second", "2026-12-02T00:00:00.000Z")
    assert subscription.signing_secrets("2026-12-01T12:00:00.000Z") == ["v1:second", "v1:first"]
    assert subscription.signing_secrets("2026-12-02T00:00:00.000Z") == ["v1:second"]
    subscription.rotate_secret("v1:third", "2026-12-03T00:00:00.000Z")
    assert subscription.signing_secrets("2026-12-01T12:00:00.000Z") == ["v1:third", "v1:second"]


def test_pause_resume_disable_and_delete():
    subscription = created()
    subscription.pause()
    subscription.pause()
    assert subscription.status == PAUSED and len(subscription.pending) == 2
    subscription.disable("2026-11-01T00:00:00.000Z")  # only an active one is disabled
    assert subscription.status == PAUSED
    subscription.resume()
    subscription.disable("2026-11-01T00:00:00.000Z")
    assert subscription.status == DISABLED
    subscription.resume()
    assert subscription.status == ACTIVE
    subscription.delete()
    assert subscription.status == DELETED and subscription.signing_secrets("2000") == []
    for act in (
        subscription.pause,
        subscription.delete,
        lambda: subscription.change("x", None, None),
    ):
        with pytest.raises(InvalidTransition):
            act()


def test_a_replay_names_an_event_or_an_ordered_range():
    subscription = created()
    with pytest.raises(InvalidCommand):
        subscription.replay_failed(None, None, None)
    with pytest.raises(InvalidCommand):
        subscription.replay_failed(None, "2026-12-02", "2026-12-01")
    subscription.replay_failed("ev-1", None, None)
    subscription.replay_failed(None, "2026-12-01", None)
    assert len(subscription.pending) == 3


def test_a_subscription_takes_all_types_named_types_or_bare_names():
    assert wants(["*"], "mastery.kpi.KpiAligned.v1")
    assert wants(["mastery.kpi.KpiAligned.v1"], "mastery.kpi.KpiAligned.v1")
    assert wants(["KpiAligned"], "mastery.kpi.KpiAligned.v2")
    assert not wants(["KpiAligned"], "mastery.kpi.KpiRevised.v1")
