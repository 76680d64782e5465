"""The XNYS trading calendar as plain Python lookups, built once at start-up (no pandas per call).

Inside the loaded range the calendar is exact (exchange_calendars' holidays and early closes).
Outside it a **weekday rule** applies: every Monday-Friday is a session with regular hours
09:30-16:00 New York time, and no holidays are known. The loaded range should cover every
expiration the daemon handles (start-up loads 2015-01-01 to today + 3 years).
"""

from __future__ import annotations

import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

from wheeld.clock import NEW_YORK

REGULAR_OPEN = time(9, 30)
REGULAR_CLOSE = time(16, 0)
DEFAULT_START = date(2015, 1, 1)
_ONE_DAY = timedelta(days=1)


def _weekdays_through(day: date) -> int:
    """Monday-Friday count from 0001-01-01 (a Monday) through `day`, for O(1) weekday arithmetic."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


class TradingCalendar:
    """Sessions, holidays and exchange hours of one exchange, with a weekday rule outside its range."""

    def __init__(
        self,
        sessions: Iterable[date],
        *,
        start: date | None,
        end: date | None,
        special_hours: Mapping[date, tuple[time, time]] | None = None,
    ) -> None:
        ordered = sorted(set(sessions))
        if (start is None) != (end is None):
            raise ValueError("give both start and end, or neither")
        if start is not None and end is not None:
            if start > end:
                raise ValueError(f"start {start} is after end {end}")
            if ordered and (ordered[0] < start or ordered[-1] > end):
                raise ValueError("every session must lie inside [start, end]")
        elif ordered:
            raise ValueError("sessions need a range (start and end)")
        self._start = start
        self._end = end
        self._sessions: list[date] = ordered
        self._session_set: frozenset[date] = frozenset(ordered)
        special = dict(special_hours or {})
        for day in special:
            if day not in self._session_set:
                raise ValueError(f"special hours given for {day}, which is not a session")
        self._special: dict[date, tuple[time, time]] = special
        self._early_closes: dict[date, time] = {
            day: close for day, (_, close) in special.items() if close < REGULAR_CLOSE
        }

    @classmethod
    def from_lists(
        cls,
        sessions: Iterable[date],
        *,
        early_closes: Mapping[date, time] | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> TradingCalendar:
        """A calendar from explicit session dates and early closes (range defaults to the sessions')."""
        ordered = sorted(set(sessions))
        if not ordered and (start is None or end is None):
            raise ValueError("an empty session list needs an explicit start and end")
        special = {day: (REGULAR_OPEN, close) for day, close in (early_closes or {}).items()}
        return cls(
            ordered,
            start=start if start is not None else ordered[0],
            end=end if end is not None else ordered[-1],
            special_hours=special,
        )

    @classmethod
    def weekdays_only(cls) -> TradingCalendar:
        """A calendar with nothing loaded: the weekday rule everywhere (offline fallback)."""
        return cls([], start=None, end=None)

    def __repr__(self) -> str:
        return f"TradingCalendar({self._start}..{self._end}, {len(self._sessions)} sessions)"

    @property
    def start(self) -> date | None:
        """First day of the loaded range (None when nothing is loaded)."""
        return self._start

    @property
    def end(self) -> date | None:
        """Last day of the loaded range (None when nothing is loaded)."""
        return self._end

    def covers(self, day: date) -> bool:
        """Whether `day` is inside the loaded range (exact), rather than under the weekday rule."""
        return self._start is not None and self._end is not None and self._start <= day <= self._end

    def is_session(self, day: date) -> bool:
        """Whether the exchange trades on `day`."""
        if self.covers(day):
            return day in self._session_set
        return day.weekday() < 5

    def _rank(self, day: date) -> int:
        """Sessions up to and including `day`, relative to a fixed origin; differences count."""
        if self._start is None or self._end is None:
            return _weekdays_through(day)
        if day < self._start:
            return _weekdays_through(day) - _weekdays_through(self._start - _ONE_DAY)
        if day <= self._end:
            return bisect_right(self._sessions, day)
        return len(self._sessions) + _weekdays_through(day) - _weekdays_through(self._end)

    def sessions_between(self, after: date, through: date) -> int:
        """Sessions strictly after `after` up to and including `through` (negative if reversed)."""
        return self._rank(through) - self._rank(after)

    def trading_dte(self, today: date, expiration: date) -> int:
        """Trading days to expiration: sessions after `today` up to and including `expiration`."""
        return self.sessions_between(today, expiration)

    def next_session(self, day: date) -> date:
        """The first session strictly after `day`."""
        candidate = day + _ONE_DAY
        while True:
            if self.covers(candidate):
                index = bisect_left(self._sessions, candidate)
                if index < len(self._sessions):
                    return self._sessions[index]
                assert self._end is not None
                candidate = self._end + _ONE_DAY
                continue
            if candidate.weekday() < 5:
                return candidate
            candidate += _ONE_DAY

    def previous_session(self, day: date) -> date:
        """The last session strictly before `day`."""
        candidate = day - _ONE_DAY
        while True:
            if self.covers(candidate):
                index = bisect_right(self._sessions, candidate)
                if index > 0:
                    return self._sessions[index - 1]
                assert self._start is not None
                candidate = self._start - _ONE_DAY
                continue
            if candidate.weekday() < 5:
                return candidate
            candidate -= _ONE_DAY

    def session_on_or_before(self, day: date) -> date:
        """`day` if it is a session, else the session before it."""
        return day if self.is_session(day) else self.previous_session(day)

    def sessions_in(self, first: date, last: date) -> list[date]:
        """Every session from `first` through `last`, inclusive, in order."""
        result: list[date] = []
        if first > last:
            return result
        day = first if self.is_session(first) else self.next_session(first)
        while day <= last:
            if self.covers(day):
                # Copy the loaded stretch in one slice rather than stepping day by day.
                assert self._end is not None
                stop = bisect_right(self._sessions, min(last, self._end))
                result.extend(self._sessions[bisect_left(self._sessions, day) : stop])
                if last <= self._end:
                    return result
                day = self.next_session(self._end)
                continue
            result.append(day)
            day = self.next_session(day)
        return result

    def session_hours(self, day: date) -> tuple[time, time] | None:
        """Exchange open and close in New York local time, or None when `day` is not a session."""
        if not self.is_session(day):
            return None
        return self._special.get(day, (REGULAR_OPEN, REGULAR_CLOSE))

    def session_bounds(self, day: date) -> tuple[datetime, datetime] | None:
        """Open and close of `day` as aware New York datetimes, or None when not a session."""
        hours = self.session_hours(day)
        if hours is None:
            return None
        opens, closes = hours
        return (
            datetime.combine(day, opens, tzinfo=NEW_YORK),
            datetime.combine(day, closes, tzinfo=NEW_YORK),
        )

    def is_early_close(self, day: date) -> bool:
        """Whether `day` is a session that closes before 16:00."""
        return day in self._early_closes

    def early_closes(self, year: int) -> dict[date, time]:
        """Early-close sessions of `year` in the loaded range, with their closing times."""
        return {day: close for day, close in sorted(self._early_closes.items()) if day.year == year}

    def holidays(self, year: int) -> list[date]:
        """Weekdays of `year` in the loaded range on which the exchange is closed."""
        if self._start is None or self._end is None:
            return []
        first = max(date(year, 1, 1), self._start)
        last = min(date(year, 12, 31), self._end)
        result = []
        day = first
        while day <= last:
            if day.weekday() < 5 and day not in self._session_set:
                result.append(day)
            day += _ONE_DAY
        return result

    def is_open(self, moment: datetime) -> bool:
        """Whether the exchange is in its regular session at the aware instant `moment`."""
        local = moment.astimezone(NEW_YORK)
        bounds = self.session_bounds(local.date())
        return bounds is not None and bounds[0] <= local < bounds[1]

    def next_open(self, moment: datetime) -> datetime:
        """The first regular-session open strictly after the aware instant `moment`."""
        local = moment.astimezone(NEW_YORK)
        bounds = self.session_bounds(local.date())
        if bounds is not None and local < bounds[0]:
            return bounds[0]
        later = self.session_bounds(self.next_session(local.date()))
        assert later is not None
        return later[0]

    def last_close(self, moment: datetime) -> datetime:
        """The latest regular-session close at or before the aware instant `moment`."""
        local = moment.astimezone(NEW_YORK)
        bounds = self.session_bounds(local.date())
        if bounds is not None and local >= bounds[1]:
            return bounds[1]
        earlier = self.session_bounds(self.previous_session(local.date()))
        assert earlier is not None
        return earlier[1]

    def next_close(self, moment: datetime) -> datetime:
        """The first regular-session close strictly after the aware instant `moment`."""
        local = moment.astimezone(NEW_YORK)
        bounds = self.session_bounds(local.date())
        if bounds is not None and local < bounds[1]:
            return bounds[1]
        later = self.session_bounds(self.next_session(local.date()))
        assert later is not None
        return later[1]


def load_xnys(start: date, end: date) -> TradingCalendar:
    """Build the NYSE calendar for [start, end] from exchange_calendars (about a second: start-up only)."""
    # Imported here so that importing this module stays cheap; pandas costs ~1 s.
    import exchange_calendars
    from pandas.errors import Pandas4Warning

    with warnings.catch_warnings():
        # exchange-calendars 4.13 reads tz-aware Series.values, deprecated in pandas 3.1; harmless
        # for us and otherwise printed at every start-up.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray", category=Pandas4Warning)
        calendar = exchange_calendars.get_calendar("XNYS", start=start.isoformat(), end=end.isoformat())
        schedule = calendar.schedule
        opens = schedule["open"].dt.tz_convert(NEW_YORK.key).dt.to_pydatetime()
        closes = schedule["close"].dt.tz_convert(NEW_YORK.key).dt.to_pydatetime()
    sessions: list[date] = []
    special: dict[date, tuple[time, time]] = {}
    for opened, closed in zip(opens, closes, strict=True):
        day = opened.date()
        sessions.append(day)
        hours = (opened.time(), closed.time())
        if hours != (REGULAR_OPEN, REGULAR_CLOSE):
            special[day] = hours
    return TradingCalendar(sessions, start=start, end=end, special_hours=special)
