"""A quote's true age and stale flag on the XNYS calendar, checked on dates a trader can look up.

Quote TTL 300 s. Tue 2026-11-24 is a regular session (09:30-16:00 New York); Thu 2026-11-26 is
Thanksgiving (closed); Fri 2026-11-27 closes early at 13:00.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from wheeld.clock import NEW_YORK
from wheeld.market_calendar import TradingCalendar
from wheeld.marketdata.freshness import is_quote_stale, quote_age_seconds


def ny(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("now", "as_of", "age", "stale"),
    [
        (ny(24, 10), ny(24, 9, 56), 240.0, False),  # open, 4 min old: within the TTL
        (ny(24, 10), ny(24, 9, 54, 59), 301.0, True),  # open, 5 min 1 s old: past it
        (ny(24, 10), ny(23, 20), 50_400.0, True),  # open, yesterday evening's quote: 14 h old
        (ny(24, 8), ny(23, 16), 57_600.0, False),  # before the open: Monday's close is the last price
        (ny(24, 8), ny(23, 15, 59, 30), 57_630.0, False),  # a last trade 30 s before the close counts
        (ny(24, 8), ny(23, 15), 61_200.0, True),  # an hour before Monday's close: stale
        (ny(26, 12), ny(25, 16), 72_000.0, False),  # Thanksgiving: Wednesday's close is the last
        (ny(28, 12), ny(27, 13), 82_800.0, False),  # Saturday: Friday closed early at 13:00
        (ny(28, 12), ny(25, 16), 244_800.0, True),  # Saturday with Wednesday's close: stale
        (ny(24, 10), ny(24, 10, 0, 5), 0.0, False),  # a provider clock a little ahead: age 0, not negative
    ],
)
def test_age_and_staleness(xnys: TradingCalendar, now: datetime, as_of: datetime, age: float, stale: bool) -> None:
    assert quote_age_seconds(as_of, now) == age
    assert is_quote_stale(as_of, now, 300.0, xnys) is stale


def test_last_close(xnys: TradingCalendar) -> None:
    assert xnys.last_close(ny(24, 16)) == ny(24, 16)  # at the close itself
    assert xnys.last_close(ny(24, 15, 59)) == ny(23, 16)
    assert xnys.last_close(ny(30, 9)) == ny(27, 13)  # Monday before the open: Friday's early close
