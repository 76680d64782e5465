"""Days to expiration: calendar days, and XNYS trading sessions counted from a sorted session list."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date


def calendar_dte(today: date, expiration: date) -> int:
    """Calendar days from `today` to `expiration` (0 on the day, negative once past)."""
    return (expiration - today).days


def trading_dte(sessions: Sequence[date], today: date, expiration: date) -> int:
    """Sessions strictly after `today` up to and including `expiration`.

    `sessions` must be sorted ascending. Negative when `expiration` is before `today`: minus the
    sessions after the expiration up to and including today. Sessions outside the list are not
    counted (TradingCalendar.trading_dte extends the list by its weekday rule).
    """
    return bisect_right(sessions, expiration) - bisect_right(sessions, today)
