"""The event store's per-process cache of recently used streams (no I/O)."""

from shared.eventstore.stream_cache import StreamCache


def commits(count: int) -> list[dict]:
    return [{"_id": f"s:{n:012d}", "start": n, "end": n + 1} for n in range(count)]


def test_the_least_recently_used_stream_is_dropped_first():
    cache = StreamCache(capacity=2)
    cache.put("a", commits(1))
    cache.put("b", commits(1))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", commits(1))
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.get("c") is not None


def test_a_shorter_list_never_replaces_a_longer_one():
    cache = StreamCache()
    cache.put("a", commits(3))
    cache.put("a", commits(2))  # a slower reader's older view
    assert len(cache.get("a") or []) == 3


def test_callers_get_their_own_list():
    cache = StreamCache()
    cache.put("a", commits(1))
    mine = cache.get("a") or []
    mine.append({"_id": "s:000000000001"})
    assert len(cache.get("a") or []) == 1


def with_events(count: int, per_commit: int) -> list[dict]:
    return [
        {"_id": f"s:{n:012d}", "start": n * per_commit, "end": (n + 1) * per_commit,
         "events": [{"id": f"{n}-{i}"} for i in range(per_commit)]}
        for n in range(count)
    ]  # fmt: skip


def test_streams_are_dropped_once_the_events_held_pass_the_bound():
    cache = StreamCache(capacity=100, max_events=10)
    cache.put("a", with_events(2, 2))  # 4 events
    cache.put("b", with_events(1, 4))  # 8
    assert cache.held_events == 8
    cache.put("c", with_events(1, 3))  # 11: the least recently used goes
    assert cache.get("a") is None and cache.get("b") is not None
    assert cache.held_events == 7
    cache.put("b", with_events(3, 4))  # b grows to 12 events: all others go, b stays
    assert cache.get("c") is None and len(cache.get("b") or []) == 3
    assert cache.held_events == 12


def test_the_bound_holds_under_a_long_run_of_growing_streams():
    cache = StreamCache(capacity=512, max_events=1_000)
    for n in range(5_000):
        stream = f"s{n % 300}"
        cache.put(stream, (cache.get(stream) or []) + with_events(1, 3))
        assert cache.held_events <= 1_000
    assert cache.held_events == sum(
        len(c["events"]) for s in range(300) for c in (cache.get(f"s{s}") or [])
    )
