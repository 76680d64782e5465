"""An async TTL cache with per-kind lifetimes, single-flight loading and stale entries kept for outages.

Expired entries are not dropped: when the upstream fails the service may still serve them, marked
stale with their age. Only the size bound (least recently used first) removes entries.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from wheeld.clock import Clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

CacheKey = tuple[str, Hashable]  # (kind, key within the kind)


@dataclass(frozen=True, slots=True)
class CacheEntry(Generic[V]):
    """A cached value, when it was stored (monotonic seconds) and how old it is now."""

    value: V
    stored_at: float
    age_seconds: float
    fresh: bool


class Missing(LookupError):
    """A batch load answered without this key (e.g. an unknown symbol)."""


class TTLCache:
    """Values by (kind, key), each kind with its own time-to-live, loaded at most once at a time."""

    def __init__(self, clock: Clock, ttls: Mapping[str, float], *, max_entries: int = 20_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._clock = clock
        self._ttls = dict(ttls)
        self._max_entries = max_entries
        self._entries: OrderedDict[CacheKey, tuple[Any, float]] = OrderedDict()
        self._inflight: dict[CacheKey, asyncio.Future[Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def ttl(self, kind: str) -> float:
        """Time-to-live of `kind` in seconds."""
        try:
            return self._ttls[kind]
        except KeyError:
            raise KeyError(f"no TTL configured for cache kind {kind!r}") from None

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, kind: str, key: Hashable) -> CacheEntry[Any] | None:
        """The entry for (kind, key), fresh or expired, without loading; None if never stored."""
        stored = self._entries.get((kind, key))
        if stored is None:
            return None
        value, stored_at = stored
        age = max(self._clock.monotonic() - stored_at, 0.0)
        return CacheEntry(value, stored_at, age, age < self.ttl(kind))

    def put(self, kind: str, key: Hashable, value: Any) -> None:
        """Store `value` as fresh now, evicting the least recently used entry when full."""
        full_key = (kind, key)
        self._entries[full_key] = (value, self._clock.monotonic())
        self._entries.move_to_end(full_key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def get_fresh(self, kind: str, key: Hashable) -> Any | None:
        """The value if stored within its TTL, else None."""
        entry = self.peek(kind, key)
        if entry is None or not entry.fresh:
            return None
        self._entries.move_to_end((kind, key))
        return entry.value

    async def get_or_load(self, kind: str, key: Hashable, loader: Callable[[], Awaitable[Any]]) -> Any:
        """The fresh value, else the result of `loader` (one call however many ask at once)."""

        async def load_one(keys: list[Hashable]) -> dict[Hashable, Any]:
            return {keys[0]: await loader()}

        results = await self.get_many_or_load(kind, [key], load_one)
        outcome = results[key]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def get_many_or_load(
        self,
        kind: str,
        keys: Iterable[Hashable],
        batch_loader: Callable[[list[Hashable]], Awaitable[Mapping[Hashable, Any]]],
        *,
        refresh: bool = False,
    ) -> dict[Hashable, Any]:
        """Fresh values for `keys`, loading every other key in ONE `batch_loader` call.

        With `refresh`, fresh entries are loaded again too (a scheduled refresh must not be a no-op
        just because the previous one is not quite expired).

        Keys already being loaded by another caller are awaited, not loaded again. The result maps
        each key to its value or to the exception that prevented it (`Missing` if the loader
        answered without it), so one bad key does not fail the batch.
        """
        wanted = list(dict.fromkeys(keys))
        result: dict[Hashable, Any] = {}
        waiting: dict[Hashable, asyncio.Future[Any]] = {}
        to_load: list[Hashable] = []
        for key in wanted:
            fresh = None if refresh else self.get_fresh(kind, key)
            if fresh is not None:
                result[key] = fresh
            elif (kind, key) in self._inflight:
                waiting[key] = self._inflight[(kind, key)]
            else:
                to_load.append(key)
        if to_load:
            loop = asyncio.get_running_loop()
            futures = {key: loop.create_future() for key in to_load}
            for key, future in futures.items():
                self._inflight[(kind, key)] = future
            waiting.update(futures)
            # The load runs as its own task so that a caller being cancelled does not cancel it
            # for the other callers waiting on the same keys.
            task = loop.create_task(self._run_batch(kind, futures, batch_loader))
            self._tasks.add(task)
            task.add_done_callback(lambda done: self._settle(done, kind, futures))
        for key, future in waiting.items():
            try:
                result[key] = await asyncio.shield(future)
            except asyncio.CancelledError:
                if future.cancelled() and not _current_task_cancelling():
                    result[key] = ConnectionAbortedError("load cancelled (cache closing)")
                    continue
                raise
            except Exception as exc:  # handed back per key, by design
                result[key] = exc
        return {key: result[key] for key in wanted}

    async def _run_batch(
        self,
        kind: str,
        futures: dict[Hashable, asyncio.Future[Any]],
        batch_loader: Callable[[list[Hashable]], Awaitable[Mapping[Hashable, Any]]],
    ) -> None:
        try:
            loaded = await batch_loader(list(futures))
        except BaseException as exc:
            for key, future in futures.items():
                self._inflight.pop((kind, key), None)
                if not future.done():
                    if isinstance(exc, asyncio.CancelledError):
                        future.cancel()
                    else:
                        future.set_exception(exc)
                        # Mark it retrieved: nobody may be waiting any more.
                        future.exception()
            if not isinstance(exc, Exception):
                raise
            return
        for key, future in futures.items():
            self._inflight.pop((kind, key), None)
            if key in loaded:
                self.put(kind, key, loaded[key])
                if not future.done():
                    future.set_result(loaded[key])
            elif not future.done():
                future.set_exception(Missing(f"{kind} {key!r}: not returned by the provider"))
                future.exception()

    def _settle(self, task: asyncio.Task[Any], kind: str, futures: dict[Hashable, asyncio.Future[Any]]) -> None:
        # A task cancelled before it first ran never reaches its own handlers: release its waiters.
        self._tasks.discard(task)
        for key, future in futures.items():
            if self._inflight.get((kind, key)) is future:
                del self._inflight[(kind, key)]
            if not future.done():
                future.cancel()

    async def close(self) -> None:
        """Cancel loads in flight (shutdown)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _current_task_cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
