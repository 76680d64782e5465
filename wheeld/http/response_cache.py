"""A tiny cache of serialized response bodies for hot read paths (positions).

An entry is keyed by the request (path and query), the database version (bumped by every committed
write) and a short time bucket, so a write invalidates at once and prices or ages are at most one
bucket old. The timestamp of the envelope is always fresh.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime

from aiohttp import web

from wheeld.clock import Clock, utc_iso


class ResponseCache:
    """Serialized `{data, pagination}` bodies, rebuilt at most once per bucket per key.

    Concurrent requests for a key that is being built wait for that one build instead of starting their
    own (ten clients missing the cache together cost one rebuild, not ten)."""

    def __init__(self, clock: Clock, bucket_seconds: float = 1.0, max_entries: int = 256) -> None:
        self.clock = clock
        self.bucket_seconds = bucket_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._building: dict[Hashable, asyncio.Future[bytes]] = {}

    async def body(self, key: Hashable, build: Callable[[], Awaitable[bytes]]) -> bytes:
        """The cached body for `key` in the current bucket, built with `build` when missing."""
        full = (key, int(self.clock.monotonic() // self.bucket_seconds))
        found = self._entries.get(full)
        if found is not None:
            return found
        pending = self._building.get(full)
        if pending is None:
            pending = asyncio.ensure_future(build())
            self._building[full] = pending
            pending.add_done_callback(lambda done: self._built(full, done))
        # Shielded: one waiter's cancellation (a client gone) must not cancel the others' build.
        return await asyncio.shield(pending)

    def _built(self, full: Hashable, done: asyncio.Future[bytes]) -> None:
        if self._building.get(full) is not done:
            return  # cleared while building: its answer may predate the change, so it is not kept
        del self._building[full]
        if done.cancelled() or done.exception() is not None:
            return
        self._entries[full] = done.result()
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (config changes that alter figures)."""
        self._entries.clear()
        self._building.clear()


def respond(fragment: bytes, now: datetime) -> web.Response:
    """An envelope from a cached `{"data": …, …}` fragment plus a fresh timestamp."""
    body = fragment[:-1] + b',"timestamp":"' + utc_iso(now).encode() + b'"}'
    return web.Response(body=body, content_type="application/json")
