"""A tiny cache of serialized response bodies for hot read paths (positions).

An entry is keyed by the request (path and query), the database version (bumped by every committed
write) and a short time bucket, so a write invalidates at once and prices or ages are at most one
bucket old. The timestamp of the envelope is always fresh.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime

from aiohttp import web

from wheeld.clock import Clock, utc_iso


class ResponseCache:
    """Serialized `{data, pagination}` bodies, rebuilt at most once per bucket per key."""

    def __init__(self, clock: Clock, bucket_seconds: float = 1.0, max_entries: int = 256) -> None:
        self.clock = clock
        self.bucket_seconds = bucket_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()

    async def body(self, key: Hashable, build: Callable[[], Awaitable[bytes]]) -> bytes:
        """The cached body for `key` in the current bucket, built with `build` when missing."""
        full = (key, int(self.clock.monotonic() // self.bucket_seconds))
        found = self._entries.get(full)
        if found is None:
            found = await build()
            self._entries[full] = found
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return found

    def clear(self) -> None:
        """Forget everything (config changes that alter figures)."""
        self._entries.clear()


def respond(fragment: bytes, now: datetime) -> web.Response:
    """An envelope from a cached `{"data": …, …}` fragment plus a fresh timestamp."""
    body = fragment[:-1] + b',"timestamp":"' + utc_iso(now).encode() + b'"}'
    return web.Response(body=body, content_type="application/json")
