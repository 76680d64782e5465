"""Calendar and trading days to expiration, pinned to DESIGN.md's definitions."""

from datetime import date, timedelta

import pytest

from wheeld.domain.dte import calendar_dte, trading_dte

THANKSGIVING_2026 = date(2026, 11, 26)
# XNYS sessions 16 Nov - 4 Dec 2026: weekdays except Thanksgiving.
SESSIONS = [
    date(2026, 11, 16) + timedelta(days=i)
    for i in range(19)
    if (date(2026, 11, 16) + timedelta(days=i)).weekday() < 5
    and date(2026, 11, 16) + timedelta(days=i) != THANKSGIVING_2026
]


@pytest.mark.parametrize(
    ("today", "expiration", "expected"),
    [
        (date(2026, 11, 20), date(2026, 11, 27), 7),
        (date(2026, 11, 27), date(2026, 11, 27), 0),
        (date(2026, 11, 30), date(2026, 11, 27), -3),
        (date(2026, 12, 31), date(2027, 1, 15), 15),
    ],
)
def test_calendar_dte(today, expiration, expected):
    assert calendar_dte(today, expiration) == expected


@pytest.mark.parametrize(
    ("today", "expiration", "expected", "why"),
    [
        (date(2026, 11, 20), date(2026, 11, 27), 4, "Mon-Wed and the Friday; Thanksgiving out"),
        (date(2026, 11, 25), date(2026, 11, 30), 2, "Friday after Thanksgiving and Monday"),
        (date(2026, 11, 21), date(2026, 11, 23), 1, "from a Saturday: only Monday"),
        (date(2026, 11, 27), date(2026, 11, 30), 1, "the weekend counts nothing"),
        (date(2026, 11, 25), date(2026, 11, 26), 0, "expiring on the holiday itself"),
        (date(2026, 11, 27), date(2026, 11, 27), 0, "expiration day"),
        (date(2026, 11, 30), date(2026, 11, 27), -1, "past: minus the sessions since"),
    ],
)
def test_trading_dte(today, expiration, expected, why):
    assert trading_dte(SESSIONS, today, expiration) == expected, why
