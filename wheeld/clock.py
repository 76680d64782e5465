"""The one clock everything reads time from, so tests can freeze and move it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta

# The market zone is defined in the domain (which reads no clock); importing it from here still works.
from wheeld.domain.market_time import NEW_YORK


class Clock:
    """Wall-clock time in UTC, the New York market date and a monotonic counter."""

    def now(self) -> datetime:
        """Current time as an aware UTC datetime."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds on a monotonic counter (for TTLs and durations)."""
        return time.monotonic()

    def now_ny(self) -> datetime:
        """Current time in America/New_York."""
        return self.now().astimezone(NEW_YORK)

    def today_ny(self) -> date:
        """Today's date in New York (the market's date)."""
        return self.now_ny().date()

    async def sleep(self, seconds: float) -> None:
        """Sleep for `seconds` of this clock's time."""
        await asyncio.sleep(max(0.0, seconds))


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, simulations)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        """The frozen instant."""
        return self._now

    def monotonic(self) -> float:
        """Monotonic seconds, advanced together with `now`."""
        return self._mono

    def advance(self, seconds: float = 0.0, **kwargs: float) -> None:
        """Move time forward by `seconds` (and/or timedelta keyword args)."""
        delta = timedelta(seconds=seconds, **kwargs)
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta
        self._mono += delta.total_seconds()

    def set(self, when: datetime) -> None:
        """Jump to `when` (must not be earlier than now)."""
        self.advance((when.astimezone(UTC) - self._now).total_seconds())

    async def sleep(self, seconds: float) -> None:
        """Advance time instantly instead of waiting; yields to the loop once."""
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)


def utc_iso(moment: datetime) -> str:
    """ISO-8601 UTC text with a trailing Z, second precision or finer."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def utc_iso_fixed(moment: datetime) -> str:
    """ISO-8601 UTC text with exactly six fractional digits: fixed width, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("utc_iso_fixed needs an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    """Parse stored ISO-8601 text back into an aware UTC datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
