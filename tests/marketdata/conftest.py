"""Fixtures for the market-data tests: the XNYS calendar (loaded once) and a frozen clock."""

from datetime import UTC, date, datetime

import pytest

from wheeld.clock import FrozenClock
from wheeld.market_calendar import TradingCalendar, load_xnys


@pytest.fixture(scope="session")
def xnys() -> TradingCalendar:
    """The real XNYS calendar over a fixed range (about a second to build: once per session)."""
    return load_xnys(date(2015, 1, 1), date(2029, 12, 31))


@pytest.fixture
def clock() -> FrozenClock:
    """Monday 23 November 2026, 11:00 in New York: a session day in Thanksgiving week."""
    return FrozenClock(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
