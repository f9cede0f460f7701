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
