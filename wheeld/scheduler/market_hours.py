"""The market-hours gate (FR-23): when the exchange is open, and a trigger's next due time inside hours.

Pure functions over a `SessionHours` calendar (the real one is `wheeld.market_calendar.TradingCalendar`;
tests pass a dict-backed fake). The effective window of a session day is
``[max(configured open, exchange open), min(configured close, exchange close))`` in New York time,
so early closes cut the day short and weekends and holidays have no window at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from wheeld.clock import NEW_YORK
from wheeld.scheduler.triggers import Trigger, next_run_after

# Far enough to cross any run of holidays and a monthly interval's grid; a trigger that finds no
# due time inside hours in a year (e.g. cron "0 3 * * *" gated) never will.
MAX_SEARCH_DAYS = 370


class SessionHours(Protocol):
    """A trading calendar: the exchange's hours on a day, or None when it does not open."""

    def session_hours(self, day: date) -> tuple[time, time] | None:
        """Exchange open and close in New York time (early close applied), None when closed."""
        ...


@dataclass(frozen=True)
class MarketHours:
    """The configured market hours in New York time (default 09:30–16:00)."""

    open: time = time(9, 30)
    close: time = time(16, 0)

    def __post_init__(self) -> None:
        if self.open >= self.close:
            raise ValueError(f"market hours open {self.open} must be before close {self.close}")


DEFAULT_MARKET_HOURS = MarketHours()


def market_window(
    calendar: SessionHours, day: date, hours: MarketHours = DEFAULT_MARKET_HOURS
) -> tuple[datetime, datetime] | None:
    """The effective [open, close) of a New York day as aware UTC datetimes, None if no session."""
    session = calendar.session_hours(day)
    if session is None:
        return None
    opens = max(hours.open, session[0])
    closes = min(hours.close, session[1])
    if opens >= closes:
        return None
    return (
        datetime.combine(day, opens, tzinfo=NEW_YORK).astimezone(UTC),
        datetime.combine(day, closes, tzinfo=NEW_YORK).astimezone(UTC),
    )


def is_market_open(calendar: SessionHours, moment: datetime, hours: MarketHours = DEFAULT_MARKET_HOURS) -> bool:
    """Whether `moment` (aware) falls inside the effective market window of its New York day."""
    window = market_window(calendar, moment.astimezone(NEW_YORK).date(), hours)
    return window is not None and window[0] <= moment < window[1]


def next_open_at_or_after(
    calendar: SessionHours, moment: datetime, hours: MarketHours = DEFAULT_MARKET_HOURS
) -> datetime:
    """`moment` itself when the market is open then, else the next effective open (UTC).

    Raises LookupError when the calendar has no session within `MAX_SEARCH_DAYS`.
    """
    first_day = moment.astimezone(NEW_YORK).date()
    for offset in range(MAX_SEARCH_DAYS):
        window = market_window(calendar, first_day + timedelta(days=offset), hours)
        if window is not None and moment < window[1]:
            return max(window[0], moment).astimezone(UTC)
    raise LookupError(f"no market session within {MAX_SEARCH_DAYS} days of {moment.isoformat()}")


def next_gated_run(
    trigger: Trigger,
    after: datetime,
    calendar: SessionHours,
    hours: MarketHours = DEFAULT_MARKET_HOURS,
    last_run: datetime | None = None,
) -> datetime | None:
    """The first due time of `trigger` after `after` that falls inside market hours, or None.

    Outside hours the answer is the trigger's first tick at or after the next open (not the open
    itself): a 5-minute interval resumes at 09:30 on the next session, a cron "45 9 * * 1-5" at
    09:45 on the next session. None means no tick falls inside hours within `MAX_SEARCH_DAYS`.
    `last_run` is the previous due time, as for `next_run_after`.
    """
    candidate = next_run_after(trigger, after, last_run)
    give_up_at = after + timedelta(days=MAX_SEARCH_DAYS)
    while candidate <= give_up_at:
        try:
            opens = next_open_at_or_after(calendar, candidate, hours)
        except LookupError:
            return None
        if opens == candidate:
            return candidate
        # One microsecond back turns "strictly after" into "at or after the open".
        candidate = next_run_after(trigger, opens - timedelta(microseconds=1), last_run)
    return None
