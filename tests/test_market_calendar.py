"""The XNYS calendar as plain lookups: holidays, early closes, DTE across them, the weekday rule."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from wheeld.clock import NEW_YORK
from wheeld.domain.dte import trading_dte
from wheeld.market_calendar import TradingCalendar, load_xnys


@pytest.fixture(scope="module")
def xnys() -> TradingCalendar:
    # Loading costs about a second (pandas); once for this module.
    return load_xnys(date(2015, 1, 1), date(2029, 12, 31))


def test_2026_holidays(xnys):
    assert xnys.holidays(2026) == [
        date(2026, 1, 1),
        date(2026, 1, 19),  # Martin Luther King Jr. Day
        date(2026, 2, 16),  # Washington's Birthday
        date(2026, 4, 3),  # Good Friday
        date(2026, 5, 25),  # Memorial Day
        date(2026, 6, 19),  # Juneteenth
        date(2026, 7, 3),  # Independence Day observed (July 4 is a Saturday)
        date(2026, 9, 7),  # Labor Day
        date(2026, 11, 26),  # Thanksgiving
        date(2026, 12, 25),
    ]


def test_thanksgiving_week_2026(xnys):
    assert not xnys.is_session(date(2026, 11, 26))
    assert xnys.session_hours(date(2026, 11, 26)) is None
    assert xnys.is_session(date(2026, 11, 27))
    assert xnys.is_early_close(date(2026, 11, 27))
    assert xnys.session_hours(date(2026, 11, 27)) == (time(9, 30), time(13, 0))
    assert xnys.session_hours(date(2026, 11, 25)) == (time(9, 30), time(16, 0))
    assert not xnys.is_early_close(date(2026, 11, 25))
    assert xnys.early_closes(2026) == {date(2026, 11, 27): time(13), date(2026, 12, 24): time(13)}
    assert xnys.next_session(date(2026, 11, 25)) == date(2026, 11, 27)
    assert xnys.previous_session(date(2026, 11, 27)) == date(2026, 11, 25)
    assert xnys.previous_session(date(2026, 11, 30)) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("today", "expiration", "trading", "why"),
    [
        (date(2026, 11, 20), date(2026, 11, 27), 4, "Thanksgiving and the weekend excluded"),
        (date(2026, 11, 25), date(2026, 11, 30), 2, "half day Friday counts, weekend does not"),
        (date(2026, 11, 21), date(2026, 11, 23), 1, "Saturday to Monday"),
        (date(2026, 7, 2), date(2026, 7, 6), 1, "July 3 observed holiday, then the weekend"),
        (date(2026, 7, 2), date(2026, 7, 3), 0, "expiring on the observed holiday"),
        (date(2026, 12, 31), date(2027, 1, 15), 10, "New Year's Day excluded"),
    ],
)
def test_trading_dte_across_holidays(xnys, today, expiration, trading, why):
    assert xnys.trading_dte(today, expiration) == trading, why
    sessions = xnys.sessions_in(date(2026, 1, 1), date(2027, 12, 31))
    assert trading_dte(sessions, today, expiration) == trading


def test_session_arithmetic_agrees_with_the_session_list(xnys):
    sessions = xnys.sessions_in(date(2015, 1, 1), date(2029, 12, 31))
    assert len(sessions) == xnys.sessions_between(date(2014, 12, 31), date(2029, 12, 31))
    day = date(2024, 12, 20)
    for step in range(0, 400, 7):
        later = day + timedelta(days=step)
        assert xnys.sessions_between(day, later) == trading_dte(sessions, day, later)
        assert xnys.sessions_between(later, day) == -xnys.sessions_between(day, later)


def test_open_and_close_instants(xnys):
    half_day_after_close = datetime(2026, 11, 27, 13, 30, tzinfo=NEW_YORK)
    assert not xnys.is_open(half_day_after_close)
    assert xnys.is_open(datetime(2026, 11, 27, 12, 59, tzinfo=NEW_YORK))
    assert xnys.next_open(half_day_after_close) == datetime(2026, 11, 30, 9, 30, tzinfo=NEW_YORK)
    # 14:00 UTC on Thanksgiving Wednesday is 09:00 in New York: before the open.
    wednesday_early = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert xnys.next_open(wednesday_early) == datetime(2026, 11, 25, 9, 30, tzinfo=NEW_YORK)
    assert xnys.next_close(wednesday_early) == datetime(2026, 11, 25, 16, 0, tzinfo=NEW_YORK)
    assert xnys.next_close(half_day_after_close) == datetime(2026, 11, 30, 16, tzinfo=NEW_YORK)
    bounds = xnys.session_bounds(date(2026, 11, 27))
    assert bounds is not None
    assert bounds[1].astimezone(UTC) == datetime(2026, 11, 27, 18, tzinfo=UTC)


def test_weekday_rule_outside_the_loaded_range():
    # Loaded: one week, Thanksgiving included. Outside it every weekday is a session.
    week = [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 27)]
    calendar = TradingCalendar.from_lists(
        week,
        early_closes={date(2026, 11, 27): time(13)},
        start=date(2026, 11, 23),
        end=date(2026, 11, 29),
    )
    assert not calendar.is_session(date(2026, 11, 26))
    assert calendar.is_session(date(2026, 12, 25))  # beyond the range: weekday rule
    assert calendar.is_session(date(2026, 11, 20))
    assert not calendar.is_session(date(2026, 11, 21))
    assert calendar.session_hours(date(2026, 12, 24)) == (time(9, 30), time(16, 0))
    assert calendar.next_session(date(2026, 11, 27)) == date(2026, 11, 30)
    assert calendar.previous_session(date(2026, 11, 23)) == date(2026, 11, 20)
    assert calendar.trading_dte(date(2026, 11, 19), date(2026, 12, 1)) == 1 + 4 + 2
    assert calendar.holidays(2026) == [date(2026, 11, 26)]
    assert calendar.sessions_in(date(2026, 11, 19), date(2026, 12, 1)) == [
        date(2026, 11, 19),
        date(2026, 11, 20),
        *week,
        date(2026, 11, 30),
        date(2026, 12, 1),
    ]


def test_weekdays_only_calendar():
    calendar = TradingCalendar.weekdays_only()
    assert calendar.is_session(date(2026, 11, 26))
    assert calendar.trading_dte(date(2026, 11, 20), date(2026, 11, 27)) == 5
    assert calendar.holidays(2026) == []
    assert calendar.next_session(date(2026, 11, 27)) == date(2026, 11, 30)


def test_inconsistent_lists_are_refused():
    with pytest.raises(ValueError):
        TradingCalendar.from_lists([date(2026, 11, 27)], early_closes={date(2026, 11, 26): time(13)})
    with pytest.raises(ValueError):
        TradingCalendar([date(2026, 1, 5)], start=date(2026, 2, 1), end=date(2026, 3, 1))
    with pytest.raises(ValueError):
        TradingCalendar.from_lists([])
