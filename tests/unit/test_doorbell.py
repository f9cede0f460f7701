"""The relay's doorbell: UDP on the loopback interface, no broker or database."""

import socket
import time

import pytest

from shared.messaging.doorbell import Doorbell, DoorbellListener, parse_address
from shared.worker import _listen


@pytest.fixture
def listener():
    listening = DoorbellListener(("127.0.0.1", 0))
    yield listening
    listening.close()


def test_a_ring_wakes_the_listener_before_its_timeout(listener):
    bell = Doorbell(listener.address)
    bell.ring()
    assert listener.wait(30.0) is True  # True: woken by the ring (a timeout returns False)
    bell.close()


def test_without_a_ring_the_wait_times_out(listener):
    assert listener.wait(0.05) is False


def test_many_rings_wake_once_then_the_bell_is_quiet(listener):
    bell = Doorbell(listener.address)
    for _ in range(20):
        bell.ring()
    time.sleep(0.05)
    assert listener.wait(1.0) is True
    assert listener.wait(0.05) is False  # every waiting ring was consumed
    bell.close()


def test_ringing_nobody_or_no_address_never_raises():
    Doorbell(None).ring()
    closed = DoorbellListener(("127.0.0.1", 0))
    address = closed.address
    closed.close()
    bell = Doorbell(address)
    bell.ring()
    bell.ring()
    bell.close()


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("", None),
        ("127.0.0.1:7100", ("127.0.0.1", 7100)),
        ("kpi-worker:7100", ("kpi-worker", 7100)),
    ],
)
def test_addresses_are_host_and_port(raw, parsed):
    assert parse_address(raw) == parsed


@pytest.mark.parametrize("raw", ["7100", "host:", ":7100", "host:port", "host:70000"])
def test_a_bad_address_is_a_clear_error(raw):
    with pytest.raises(ValueError, match="host:port"):
        parse_address(raw)


def test_a_relay_whose_doorbell_address_is_taken_polls_instead(listener, caplog):
    assert _listen(listener.address) is None  # already bound by the fixture's listener
    assert "polling only" in caplog.text


def test_a_host_name_is_looked_up_once(listener, monkeypatch):
    lookups = []
    real = socket.getaddrinfo

    def counting(*args, **kwargs):
        lookups.append(args[0])
        return real("127.0.0.1", *args[1:], **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    bell = Doorbell(("relay-worker", listener.address[1]))
    for _ in range(3):
        bell.ring()
    assert lookups == ["relay-worker"]
    assert listener.wait(1.0) is True
    bell.close()
