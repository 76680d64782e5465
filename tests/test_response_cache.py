"""The positions response cache: one build per key and bucket, shared by concurrent readers."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import START
from wheeld.clock import FrozenClock
from wheeld.http.response_cache import ResponseCache


async def test_concurrent_misses_share_one_build() -> None:
    cache = ResponseCache(FrozenClock(START))
    builds = 0
    release = asyncio.Event()

    async def build() -> bytes:
        nonlocal builds
        builds += 1
        await release.wait()
        return b'{"data":[]}'

    readers = [asyncio.ensure_future(cache.body("positions", build)) for _ in range(10)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*readers) == [b'{"data":[]}'] * 10
    assert builds == 1
    assert await cache.body("positions", build) == b'{"data":[]}' and builds == 1  # now cached


async def test_a_failed_build_is_not_kept_and_a_cancelled_reader_does_not_cancel_the_others() -> None:
    cache = ResponseCache(FrozenClock(START))
    release = asyncio.Event()

    async def failing() -> bytes:
        raise RuntimeError("provider down")

    with pytest.raises(RuntimeError):
        await cache.body("k", failing)

    async def slow() -> bytes:
        await release.wait()
        return b"{}"

    first, second = asyncio.ensure_future(cache.body("k", slow)), asyncio.ensure_future(cache.body("k", slow))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == b"{}"


async def test_an_answer_built_across_a_clear_is_not_kept() -> None:
    cache = ResponseCache(FrozenClock(START))
    release = asyncio.Event()
    calls = 0

    async def build() -> bytes:
        nonlocal calls
        calls += 1
        await release.wait()
        return b'{"v":%d}' % calls

    reader = asyncio.ensure_future(cache.body("k", build))
    await asyncio.sleep(0)
    cache.clear()
    release.set()
    assert await reader == b'{"v":1}'
    assert await cache.body("k", build) == b'{"v":2}'  # built again after the clear
