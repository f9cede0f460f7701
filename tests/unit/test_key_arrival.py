"""The reporting worker's wait for subject keys before it projects an event, without I/O."""

from __future__ import annotations

from shared.privacy.key_arrival import KeyArrival


class Keys:
    """Key ids that become known after a number of lookups each."""

    def __init__(self, arrives_after: dict[str, int]) -> None:
        self.arrives_after = dict(arrives_after)
        self.lookups: list[str] = []

    def known(self, kid: str) -> bool:
        self.lookups.append(kid)
        left = self.arrives_after.get(kid, 0)
        self.arrives_after[kid] = left - 1
        return left <= 0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def sealed(kid: str) -> dict:
    return {"sealed": kid, "as": "name", "box": "v1:x"}


def envelope(*kids: str) -> dict:
    return {"id": "ev-1", "data": {"people": [{"name": sealed(k)} for k in kids], "n": 1}}


def arrival(keys: Keys, clock: Clock) -> KeyArrival:
    return KeyArrival(keys, timeout_seconds=1.0, poll_seconds=0.1,
                      monotonic=clock.monotonic, sleep=clock.sleep)  # fmt: skip


def test_an_event_waits_until_its_keys_arrive_then_known_keys_are_not_looked_up_again():
    keys, clock = Keys({"assessment.a": 3, "assessment.b": 0}), Clock()
    wait = arrival(keys, clock)
    assert wait.wait_for(envelope("assessment.a", "assessment.b", "assessment.a")) == []
    assert len(clock.slept) == 3  # three polls until a arrived
    looked = len(keys.lookups)
    assert wait.wait_for(envelope("assessment.a", "assessment.b")) == []
    assert len(keys.lookups) == looked and len(clock.slept) == 3


def test_a_key_that_never_comes_is_waited_for_once_and_reported():
    keys, clock = Keys({"kpi.lost": 10**6}), Clock()
    wait = arrival(keys, clock)
    assert wait.wait_for(envelope("kpi.lost")) == ["kpi.lost"]
    assert 0.9 <= clock.now <= 1.2
    waited = clock.now
    assert wait.wait_for(envelope("kpi.lost")) == []  # given up: no second wait
    assert clock.now == waited


def test_an_event_with_nothing_sealed_does_not_wait():
    keys, clock = Keys({}), Clock()
    assert arrival(keys, clock).wait_for({"id": "ev", "data": {"name": "plain"}}) == []
    assert keys.lookups == [] and clock.slept == []
