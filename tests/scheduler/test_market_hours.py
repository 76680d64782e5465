"""The market-hours gate on ordinary days, a weekend, Thanksgiving 2026 and its 13:00 early close."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from tests.scheduler.conftest import FakeCalendar
from wheeld.clock import NEW_YORK
from wheeld.scheduler.market_hours import (
    DEFAULT_MARKET_HOURS,
    MarketHours,
    is_market_open,
    market_window,
    next_gated_run,
    next_open_at_or_after,
)
from wheeld.scheduler.triggers import parse_trigger


def ny(*parts: int) -> datetime:
    """An aware New York datetime."""
    return datetime(*parts, tzinfo=NEW_YORK)


NARROW = MarketHours(time(10, 0), time(15, 0))
WIDE = MarketHours(time(8, 0), time(17, 0))

# 2026-11-21/22 weekend, 11-23..25 full sessions, 11-26 Thanksgiving, 11-27 closes at 13:00.
OPEN_TABLE = [
    (ny(2026, 11, 23, 9, 29, 59), DEFAULT_MARKET_HOURS, False, "a second before the open"),
    (ny(2026, 11, 23, 9, 30), DEFAULT_MARKET_HOURS, True, "at the open"),
    (ny(2026, 11, 23, 15, 59, 59), DEFAULT_MARKET_HOURS, True, "a second before the close"),
    (ny(2026, 11, 23, 16, 0), DEFAULT_MARKET_HOURS, False, "at the close"),
    (ny(2026, 11, 21, 12, 0), DEFAULT_MARKET_HOURS, False, "Saturday"),
    (ny(2026, 11, 22, 12, 0), DEFAULT_MARKET_HOURS, False, "Sunday"),
    (ny(2026, 11, 26, 12, 0), DEFAULT_MARKET_HOURS, False, "Thanksgiving"),
    (ny(2026, 11, 27, 12, 59), DEFAULT_MARKET_HOURS, True, "early close day, before 13:00"),
    (ny(2026, 11, 27, 13, 0), DEFAULT_MARKET_HOURS, False, "early close day, at 13:00"),
    (ny(2026, 11, 23, 9, 45), NARROW, False, "configured open 10:00"),
    (ny(2026, 11, 23, 14, 59), NARROW, True, "configured close 15:00"),
    (ny(2026, 11, 23, 15, 0), NARROW, False, "at the configured close"),
    (ny(2026, 11, 27, 12, 30), NARROW, True, "narrow hours, early close day"),
    (ny(2026, 11, 27, 13, 0), NARROW, False, "exchange closes before configured close"),
    (ny(2026, 11, 23, 9, 0), WIDE, False, "configured 08:00 but the exchange opens 09:30"),
    (ny(2026, 11, 23, 16, 30), WIDE, False, "configured 17:00 but the exchange closes 16:00"),
    (ny(2026, 3, 9, 9, 30), DEFAULT_MARKET_HOURS, True, "first session after spring forward"),
    (datetime(2026, 3, 9, 13, 29, tzinfo=UTC), DEFAULT_MARKET_HOURS, False, "13:29Z = 09:29 EDT"),
    (datetime(2026, 11, 2, 14, 30, tzinfo=UTC), DEFAULT_MARKET_HOURS, True, "14:30Z = 09:30 EST"),
]


@pytest.mark.parametrize(
    ("moment", "hours", "expected"),
    [row[:3] for row in OPEN_TABLE],
    ids=[row[3] for row in OPEN_TABLE],
)
def test_is_market_open(calendar: FakeCalendar, moment: datetime, hours: MarketHours, expected: bool) -> None:
    assert is_market_open(calendar, moment, hours) is expected


@pytest.mark.parametrize(
    ("day", "hours", "expected"),
    [
        (date(2026, 11, 23), DEFAULT_MARKET_HOURS, (ny(2026, 11, 23, 9, 30), ny(2026, 11, 23, 16))),
        (date(2026, 11, 26), DEFAULT_MARKET_HOURS, None),
        (date(2026, 11, 28), DEFAULT_MARKET_HOURS, None),
        (date(2026, 11, 27), DEFAULT_MARKET_HOURS, (ny(2026, 11, 27, 9, 30), ny(2026, 11, 27, 13))),
        (date(2026, 11, 27), NARROW, (ny(2026, 11, 27, 10, 0), ny(2026, 11, 27, 13))),
        (date(2026, 11, 27), MarketHours(time(13, 30), time(16)), None),
    ],
    ids=["full session", "holiday", "weekend", "early close", "narrow", "opens after close"],
)
def test_market_window(
    calendar: FakeCalendar,
    day: date,
    hours: MarketHours,
    expected: tuple[datetime, datetime] | None,
) -> None:
    window = market_window(calendar, day, hours)
    assert window == expected
    if window is not None:
        assert window[0].utcoffset() is not None and window[0].tzinfo is UTC


@pytest.mark.parametrize(
    ("moment", "hours", "expected"),
    [
        (ny(2026, 11, 23, 8, 0), DEFAULT_MARKET_HOURS, ny(2026, 11, 23, 9, 30)),
        (ny(2026, 11, 23, 10, 0), DEFAULT_MARKET_HOURS, ny(2026, 11, 23, 10, 0)),
        (ny(2026, 11, 21, 12, 0), DEFAULT_MARKET_HOURS, ny(2026, 11, 23, 9, 30)),
        (ny(2026, 11, 25, 16, 0), DEFAULT_MARKET_HOURS, ny(2026, 11, 27, 9, 30)),
        (ny(2026, 11, 27, 13, 5), DEFAULT_MARKET_HOURS, ny(2026, 11, 30, 9, 30)),
        (ny(2026, 11, 23, 9, 45), NARROW, ny(2026, 11, 23, 10, 0)),
        (ny(2026, 1, 16, 16, 2), DEFAULT_MARKET_HOURS, ny(2026, 1, 20, 9, 30)),
    ],
    ids=["before open", "open now", "weekend", "Thanksgiving", "early close", "narrow", "MLK day"],
)
def test_next_open_at_or_after(
    calendar: FakeCalendar, moment: datetime, hours: MarketHours, expected: datetime
) -> None:
    assert next_open_at_or_after(calendar, moment, hours) == expected


def test_next_open_gives_up_on_a_calendar_with_no_sessions() -> None:
    with pytest.raises(LookupError):
        next_open_at_or_after(FakeCalendar({}), ny(2026, 11, 23, 9, 0))


INTERVAL_5M = {"type": "interval", "seconds": 300}

# (trigger, after, previous due time, hours, expected, why)
GATED_TABLE: list[tuple[dict[str, Any], datetime, datetime | None, MarketHours, Any, str]] = [
    (
        INTERVAL_5M,
        ny(2026, 11, 23, 10, 2),
        None,
        DEFAULT_MARKET_HOURS,
        ny(2026, 11, 23, 10, 5),
        "inside hours: the plain next tick",
    ),
    (
        INTERVAL_5M,
        ny(2026, 11, 23, 15, 55),
        ny(2026, 11, 23, 15, 55),
        DEFAULT_MARKET_HOURS,
        ny(2026, 11, 24, 9, 30),
        "16:00 is the close: next morning",
    ),
    (
        INTERVAL_5M,
        ny(2026, 1, 16, 16, 2),
        None,
        DEFAULT_MARKET_HOURS,
        ny(2026, 1, 20, 9, 30),
        "Friday 16:02 before MLK Monday: Tuesday 09:30",
    ),
    (
        INTERVAL_5M,
        ny(2026, 11, 25, 15, 57),
        None,
        DEFAULT_MARKET_HOURS,
        ny(2026, 11, 27, 9, 30),
        "over Thanksgiving",
    ),
    (
        INTERVAL_5M,
        ny(2026, 11, 27, 12, 55),
        None,
        DEFAULT_MARKET_HOURS,
        ny(2026, 11, 30, 9, 30),
        "early close at 13:00, then the weekend",
    ),
    (INTERVAL_5M, ny(2026, 11, 23, 9, 0), None, NARROW, ny(2026, 11, 23, 10, 0), "configured open 10:00"),
    # 7-minute grid from 15:54: +1,057 min (151 steps) is Tuesday 09:31, the first tick ≥ 09:30.
    (
        {"type": "interval", "seconds": 420},
        ny(2026, 11, 23, 15, 54),
        ny(2026, 11, 23, 15, 54),
        DEFAULT_MARKET_HOURS,
        ny(2026, 11, 24, 9, 31),
        "first tick at or after the open",
    ),
    (
        {"type": "cron", "expression": "45 9 * * 1-5"},
        ny(2026, 11, 25, 10, 0),
        None,
        DEFAULT_MARKET_HOURS,
        ny(2026, 11, 27, 9, 45),
        "sessions only: Thanksgiving skipped",
    ),
    (
        {"type": "cron", "expression": "0 12 * * *"},
        ny(2026, 11, 27, 11, 0),
        None,
        DEFAULT_MARKET_HOURS,
        ny(2026, 11, 27, 12, 0),
        "noon on the early close day",
    ),
    (
        {"type": "cron", "expression": "30 13 * * *"},
        ny(2026, 11, 26, 0, 0),
        None,
        DEFAULT_MARKET_HOURS,
        ny(2026, 11, 30, 13, 30),
        "13:30 misses the early close day",
    ),
    (
        {"type": "cron", "expression": "30 16 * * 1-5"},
        ny(2026, 11, 23, 0, 0),
        None,
        DEFAULT_MARKET_HOURS,
        None,
        "never inside hours",
    ),
]


@pytest.mark.parametrize(
    ("spec", "after", "last_run", "hours", "expected"),
    [row[:5] for row in GATED_TABLE],
    ids=[row[5] for row in GATED_TABLE],
)
def test_next_gated_run(
    calendar: FakeCalendar,
    spec: dict[str, Any],
    after: datetime,
    last_run: datetime | None,
    hours: MarketHours,
    expected: datetime | None,
) -> None:
    assert next_gated_run(parse_trigger(spec), after, calendar, hours, last_run) == expected


def test_market_hours_must_open_before_they_close() -> None:
    with pytest.raises(ValueError, match="before close"):
        MarketHours(time(16, 0), time(9, 30))
