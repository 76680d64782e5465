"""Fixtures for the scheduler tests: a dict-backed trading calendar and clocks that only move on request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from wheeld.clock import NEW_YORK, FrozenClock
from wheeld.db.connection import Database
from wheeld.db.jobs import SqliteJobStore
from wheeld.scheduler.jobs import JobStore, MemoryJobStore

# The 2026 exceptions the tests lean on; every other weekday is a full 09:30–16:00 session.
HOLIDAYS = {date(2026, 1, 1), date(2026, 1, 19), date(2026, 11, 26), date(2026, 12, 25)}
EARLY_CLOSES = {date(2026, 11, 27): time(13, 0), date(2026, 12, 24): time(13, 0)}


class FakeCalendar:
    """A `SessionHours` over a dict of New York dates to (open, close); other days are closed."""

    def __init__(self, sessions: dict[date, tuple[time, time]]) -> None:
        self.sessions = sessions

    def session_hours(self, day: date) -> tuple[time, time] | None:
        """The session's hours, or None on a weekend or holiday."""
        return self.sessions.get(day)


def sessions_2026() -> dict[date, tuple[time, time]]:
    """XNYS-like sessions for 2026: weekdays minus holidays, early closes applied."""
    sessions = {}
    day = date(2026, 1, 1)
    while day.year == 2026:
        if day.weekday() < 5 and day not in HOLIDAYS:
            sessions[day] = (time(9, 30), EARLY_CLOSES.get(day, time(16, 0)))
        day += timedelta(days=1)
    return sessions


@pytest.fixture
def calendar() -> FakeCalendar:
    """The 2026 fake calendar (Thanksgiving 11-26 closed, 11-27 closes at 13:00)."""
    return FakeCalendar(sessions_2026())


class SteppedClock(FrozenClock):
    """Frozen time whose `sleep` really waits until the test moves time past the wake-up time.

    It lets a test drive the supervisor's real loop: every requested sleep is recorded,
    `fire_timers_early()` wakes sleepers without moving time (a timer that fired early), and
    `asleep()` waits until the loop has done what was due and sleeps again (no real-time polling).
    """

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []
        # Set while someone sleeps on this clock and nobody has woken them.
        self._sleeping = asyncio.Event()

    def advance(self, seconds: float = 0.0, **kwargs: float) -> None:
        """Move time forward and wake every sleeper whose time has come."""
        super().advance(seconds, **kwargs)
        for wake_at, sleeper in self._sleepers:
            if wake_at <= self.now() and not sleeper.done():
                sleeper.set_result(None)
        self._note_sleepers()

    def fire_timers_early(self) -> None:
        """Wake every sleeper now, before its time."""
        for _, sleeper in self._sleepers:
            if not sleeper.done():
                sleeper.set_result(None)
        self._note_sleepers()

    async def asleep(self) -> None:
        """Wait until a sleeper waits on this clock again: after `advance`, the loop has started all that
        was due (then `Supervisor.wait_idle()` waits for those runs to finish). This holds while the
        scheduler's loop is the only one sleeping on this clock, as in the tests that use it."""
        await self._sleeping.wait()

    async def sleep(self, seconds: float) -> None:
        """Wait until time has been moved `seconds` past now (or a timer fires early)."""
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        entry = (self.now() + timedelta(seconds=seconds), asyncio.get_running_loop().create_future())
        self._sleepers.append(entry)
        self._sleeping.set()
        try:
            await entry[1]
        finally:
            self._sleepers.remove(entry)
            self._note_sleepers()

    def _note_sleepers(self) -> None:
        if not any(not sleeper.done() for _, sleeper in self._sleepers):
            self._sleeping.clear()


@pytest.fixture
def stepped_clock() -> SteppedClock:
    """A SteppedClock at Monday 2026-11-23 10:02 New York time."""
    return SteppedClock(datetime(2026, 11, 23, 10, 2, tzinfo=NEW_YORK))


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[JobStore]:
    """Each `JobStore` implementation in turn: the contract tests run against both."""
    if request.param == "memory":
        yield MemoryJobStore()
        return
    db = Database(tmp_path / "jobs.db")
    await db.open()
    try:
        yield SqliteJobStore(db, FrozenClock(datetime(2026, 11, 23, 15, 0, tzinfo=NEW_YORK)))
    finally:
        await db.close()
