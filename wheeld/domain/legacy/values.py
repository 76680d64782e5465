"""Legacy values in wheeld's terms: its states and outcomes, dollars as exact cents, zone-less times as UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from wheeld.domain.market_time import NEW_YORK
from wheeld.domain.money import to_cents
from wheeld.domain.vocabulary import SHARES_PER_CONTRACT, Outcome, WheelState

NEW_YORK_CLOSE = time(16, 0)
LEGACY_STATES = {
    "cash": WheelState.CASH,
    "cash_put_open": WheelState.SHORT_PUT,
    "shares": WheelState.SHARES,
    "shares_call_open": WheelState.SHORT_CALL,
}
LEGACY_OUTCOMES = {
    "open": Outcome.OPEN,
    "expired_worthless": Outcome.EXPIRED,
    "assigned": Outcome.ASSIGNED,
    "called_away": Outcome.ASSIGNED,
    "closed_early": Outcome.CLOSED,
}
LEGACY_DEFAULT_PROFILE = "conservative"  # what the old tool used when none was given
Raw = dict[str, Any]


def text_id(value: Any) -> str | None:
    """A legacy id as text (ids may be integers or text in the old file); None stays None."""
    return None if value is None else str(value)


def whole_number(value: Any) -> int:
    """A legacy count or flag as an int; anything unreadable is 0."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def safe_cents(value: Any) -> int | None:
    """`legacy_cents`, with an unreadable amount as None."""
    try:
        return legacy_cents(value)
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an amount: {value!r}")
    try:
        # str() of a float is its shortest round-trip form: 2.35, not 2.349999…
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return number


def legacy_cents(value: Any) -> int | None:
    """A legacy amount in dollars (float, int or text) as exact integer cents; None and '' stay None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return to_cents(_decimal(value))


def per_share_total_cents(per_share: Any, contracts: int) -> int:
    """A per-share amount × 100 shares × contracts, in cents (premium per share, close price)."""
    return to_cents(_decimal(per_share) * SHARES_PER_CONTRACT * contracts)


def legacy_instant(value: Any, source_tz: tzinfo | None = None) -> datetime:
    """A legacy timestamp as an aware UTC datetime; zone-less ones are wall-clock time in `source_tz`.

    With `source_tz` None they are read in this machine's zone (DST rules included), which is where
    the old tool ran when the file sits in the user's home directory.
    """
    moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=source_tz) if source_tz is not None else moment.astimezone()
    return moment.astimezone(UTC)


def new_york_close(day: date) -> datetime:
    """4 p.m. in New York on `day`, in UTC (when an option settles at expiration)."""
    return datetime.combine(day, NEW_YORK_CLOSE, tzinfo=NEW_YORK).astimezone(UTC)


def legacy_premium_cents(raw: Raw) -> int:
    """The premium of one legacy trade in cents: `total_premium`, else per share × 100 × contracts."""
    total = legacy_cents(raw.get("total_premium"))
    if total is not None:
        return total
    return per_share_total_cents(raw.get("premium_per_share"), int(raw["contracts"]))
