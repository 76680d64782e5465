"""How old a quote is and whether it is stale, from its own time stamp and the exchange calendar.

A quote's age is now − the time the provider priced it (not how long it sat in our cache). It is
stale when it is older than the quote TTL while the market is open, or, while the market is
closed, when it predates the last session's close by more than the TTL (a Friday-close quote on
Sunday is not stale; one from Thursday is). The TTL's slack at the close lets a last trade at
15:59:58 stand as the closing price.
"""

from __future__ import annotations

from datetime import datetime

from wheeld.market_calendar import TradingCalendar


def quote_age_seconds(as_of: datetime, now: datetime) -> float:
    """Seconds from `as_of` to `now` (0 for a time stamp in the future, e.g. a skewed provider clock)."""
    return max((now - as_of).total_seconds(), 0.0)


def is_quote_stale(as_of: datetime, now: datetime, ttl_seconds: float, calendar: TradingCalendar) -> bool:
    """Older than `ttl_seconds` while the market is open; before the last close while it is closed."""
    if calendar.is_open(now):
        return quote_age_seconds(as_of, now) > ttl_seconds
    return (calendar.last_close(now) - as_of).total_seconds() > ttl_seconds
