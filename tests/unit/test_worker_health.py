"""A worker's readiness (shared/observability/health.py): every loop started, making progress
and ready; a loop that stops, stalls or waits makes the worker unready and says why."""

from __future__ import annotations

from shared.observability.health import Health


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_loop_yet_is_not_ready():
    assert Health().report() == (False, {})


def test_loops_that_beat_are_ready_while_their_beats_are_fresh():
    clock = Clock()
    health = Health(stale_seconds=30, monotonic=clock)
    health.started("consumer:g")
    health.started("housekeeping")  # never beats: ready while its thread runs
    health.beat("consumer:g")
    assert health.report() == (True, {"consumer:g": "ok", "housekeeping": "ok"})
    clock.now += 31
    ready, checks = health.report()
    assert not ready and checks["consumer:g"] == "stale: no progress for 31 s"
    health.beat("consumer:g")
    assert health.report()[0]


def test_a_loop_waiting_for_its_partitions_is_not_ready_until_it_has_them():
    health = Health()
    health.started("consumer:g")
    health.beat("consumer:g", ready=False, waiting_for="partitions from the consumer group")
    assert health.report() == (False, {"consumer:g": "waiting: partitions from the consumer group"})
    health.beat("consumer:g", ready=True)
    assert health.report() == (True, {"consumer:g": "ok"})


def test_a_stopped_loop_makes_the_worker_unready_for_good():
    health = Health()
    health.started("relay:assessment")
    health.beat("relay:assessment")
    health.stopped("relay:assessment", "crashed: RuntimeError")
    health.beat("relay:assessment")
    assert health.report() == (False, {"relay:assessment": "stopped: crashed: RuntimeError"})
