"""The TTL cache: expiry on the injected clock, single-flight loads, stale entries kept, LRU bound."""

import asyncio

import pytest

from wheeld.marketdata.cache import Missing, TTLCache

TTLS = {"quote": 300.0, "chain": 900.0, "history": 86_400.0}


@pytest.fixture
def cache(clock) -> TTLCache:
    return TTLCache(clock, TTLS, max_entries=100)


async def test_expiry_follows_each_kinds_ttl(cache, clock):
    cache.put("quote", "AAPL", 1.0)
    cache.put("chain", "AAPL", 2.0)
    clock.advance(299)
    assert cache.get_fresh("quote", "AAPL") == 1.0
    clock.advance(1)
    assert cache.get_fresh("quote", "AAPL") is None
    assert cache.get_fresh("chain", "AAPL") == 2.0
    expired = cache.peek("quote", "AAPL")
    assert expired is not None and not expired.fresh
    assert expired.value == 1.0 and expired.age_seconds == 300
    clock.advance(600)
    assert cache.get_fresh("chain", "AAPL") is None


async def test_ten_concurrent_requests_make_one_upstream_call(cache):
    calls = 0
    gate = asyncio.Event()

    async def loader():
        nonlocal calls
        calls += 1
        await gate.wait()
        return "chain"

    waiters = [asyncio.create_task(cache.get_or_load("chain", "AAPL", loader)) for _ in range(10)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*waiters) == ["chain"] * 10
    assert calls == 1
    assert await cache.get_or_load("chain", "AAPL", loader) == "chain"
    assert calls == 1  # now fresh in the cache


async def test_reload_after_expiry(cache, clock):
    calls = []

    async def loader():
        calls.append(1)
        return len(calls)

    assert await cache.get_or_load("quote", "X", loader) == 1
    clock.advance(300)
    assert await cache.get_or_load("quote", "X", loader) == 2


async def test_overlapping_batches_share_keys_in_flight(cache):
    batches = []
    gate = asyncio.Event()

    async def loader(keys):
        batches.append(sorted(keys))
        await gate.wait()
        return {key: f"q-{key}" for key in keys if key != "ZZZZ"}

    first = asyncio.create_task(cache.get_many_or_load("quote", ["A", "B"], loader))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.get_many_or_load("quote", ["B", "C", "ZZZZ"], loader))
    await asyncio.sleep(0)
    gate.set()
    assert await first == {"A": "q-A", "B": "q-B"}
    got = await second
    assert got["B"] == "q-B" and got["C"] == "q-C"
    assert isinstance(got["ZZZZ"], Missing)
    assert batches == [["A", "B"], ["C", "ZZZZ"]]


async def test_a_failed_load_reaches_every_waiter_and_caches_nothing(cache):
    calls = 0
    gate = asyncio.Event()

    async def failing():
        nonlocal calls
        calls += 1
        await gate.wait()
        raise RuntimeError("upstream down")

    waiters = [asyncio.create_task(cache.get_or_load("quote", "X", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    outcomes = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert calls == 1
    assert cache.peek("quote", "X") is None
    with pytest.raises(RuntimeError):
        await cache.get_or_load("quote", "X", failing)
    assert calls == 2


async def test_a_cancelled_caller_does_not_cancel_the_load_for_others(cache):
    gate = asyncio.Event()

    async def loader():
        await gate.wait()
        return 42

    impatient = asyncio.create_task(cache.get_or_load("quote", "X", loader))
    patient = asyncio.create_task(cache.get_or_load("quote", "X", loader))
    await asyncio.sleep(0)
    impatient.cancel()
    await asyncio.sleep(0)
    gate.set()
    assert await patient == 42
    assert impatient.cancelled()
    assert cache.get_fresh("quote", "X") == 42


async def test_size_bound_evicts_least_recently_used(clock):
    cache = TTLCache(clock, TTLS, max_entries=2)
    cache.put("quote", "A", 1)
    cache.put("quote", "B", 2)
    assert cache.get_fresh("quote", "A") == 1  # A is now the most recently used
    cache.put("quote", "C", 3)
    assert cache.peek("quote", "B") is None
    assert cache.get_fresh("quote", "A") == 1 and cache.get_fresh("quote", "C") == 3
    assert len(cache) == 2


async def test_close_cancels_loads_in_flight(cache):
    async def forever():
        await asyncio.Event().wait()

    waiter = asyncio.create_task(cache.get_or_load("quote", "X", forever))
    await asyncio.sleep(0)
    await cache.close()
    with pytest.raises(ConnectionAbortedError):
        await waiter


def test_unknown_kind_is_an_error(cache):
    cache.put("weather", "NYC", 1)
    with pytest.raises(KeyError, match="weather"):
        cache.peek("weather", "NYC")


async def test_refresh_reloads_fresh_entries() -> None:
    """A scheduled refresh loads again even when the cached values are still fresh."""
    from datetime import UTC, datetime

    from wheeld.clock import FrozenClock
    from wheeld.marketdata.cache import TTLCache

    clock = FrozenClock(datetime(2026, 11, 24, 15, tzinfo=UTC))
    cache = TTLCache(clock, {"quote": 300})
    calls: list[list[str]] = []

    async def loader(keys: list) -> dict:
        calls.append(list(keys))
        return {k: len(calls) for k in keys}

    assert (await cache.get_many_or_load("quote", ["A"], loader))["A"] == 1
    assert (await cache.get_many_or_load("quote", ["A"], loader))["A"] == 1
    assert (await cache.get_many_or_load("quote", ["A"], loader, refresh=True))["A"] == 2
    assert calls == [["A"], ["A"]]
