"""One legacy trade row converted and checked (money, dates, outcome, settlement), before the replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from wheeld.domain.legacy.records import Findings
from wheeld.domain.legacy.values import (
    LEGACY_OUTCOMES,
    Raw,
    legacy_cents,
    legacy_instant,
    new_york_close,
    per_share_total_cents,
)
from wheeld.domain.market_time import NEW_YORK
from wheeld.domain.vocabulary import Direction, Outcome


@dataclass(frozen=True)
class Draft:
    """A legacy trade's own fields, converted and checked, before the replay."""

    legacy_id: str
    legacy_wheel_id: str
    symbol: str
    direction: Direction
    strike_cents: int
    expiration_date: date
    contracts: int
    premium_cents: int
    outcome: Outcome
    close_cost_cents: int | None
    price_at_expiry_cents: int | None
    opened_at: datetime
    settled_at: datetime | None


def draft_trade(raw: Raw, source_tz: tzinfo | None, findings: Findings) -> Draft | None:
    """Convert one trade row; blocking problems are recorded and None returned."""
    tid = raw["id"]
    before = len(findings.blocking)
    direction = _enum(raw.get("direction"), {"put": Direction.PUT, "call": Direction.CALL}, "direction", tid, findings)
    outcome = _enum(raw.get("outcome"), LEGACY_OUTCOMES, "outcome", tid, findings)
    contracts = raw.get("contracts")
    if isinstance(contracts, float) and contracts.is_integer():
        contracts = int(contracts)
    if not isinstance(contracts, int) or isinstance(contracts, bool) or contracts <= 0:
        findings.block("trades", tid, f"contracts {contracts!r} is not a positive whole number")
        contracts = None
    strike = _money(raw, "strike", tid, findings, required=True)
    if strike is not None and strike <= 0:
        findings.block("trades", tid, f"strike {raw['strike']!r} is not positive")
    expiration = _date(raw.get("expiration_date"), tid, findings)
    opened = _instant(raw.get("opened_at"), "opened_at", tid, source_tz, findings, required=True)
    premium = _premium(raw, contracts, tid, findings)
    close_cost = _close_cost(raw, outcome, contracts, tid, findings)
    price = _money(raw, "price_at_expiry", tid, findings)
    if len(findings.blocking) > before:
        return None
    assert direction and outcome and contracts and strike and expiration and opened and premium is not None
    settled = _settled_at(raw, outcome, expiration, opened, source_tz, findings)
    if (
        outcome is Outcome.ASSIGNED
        and str(raw["outcome"]).strip().lower() == "called_away"
        and direction is Direction.PUT
    ):
        findings.warn("trades", tid, "a put marked called_away (only calls are called away): imported as assigned")
    opened_on = opened.astimezone(NEW_YORK).date()
    if expiration < opened_on:
        findings.warn("trades", tid, f"expires {expiration} before it was opened ({opened_on})")
    return Draft(
        legacy_id=str(tid),
        legacy_wheel_id=str(raw["wheel_id"]),
        symbol=str(raw.get("symbol") or "").strip().upper(),
        direction=direction,
        strike_cents=strike,
        expiration_date=expiration,
        contracts=contracts,
        premium_cents=premium,
        outcome=outcome,
        close_cost_cents=close_cost,
        price_at_expiry_cents=price,
        opened_at=opened,
        settled_at=settled,
    )


def _enum(value: Any, choices: dict[str, Any], name: str, tid: Any, findings: Findings) -> Any:
    key = str(value or "").strip().lower()
    if key not in choices:
        findings.block("trades", tid, f"unknown {name} {value!r} (expected one of {', '.join(choices)})")
        return None
    return choices[key]


def _money(raw: Raw, column: str, tid: Any, findings: Findings, required: bool = False) -> int | None:
    try:
        cents = legacy_cents(raw.get(column))
    except ValueError:
        findings.block("trades", tid, f"{column} {raw.get(column)!r} is not an amount")
        return None
    if cents is None and required:
        findings.block("trades", tid, f"{column} is missing")
    return cents


def _date(value: Any, tid: Any, findings: Findings) -> date | None:
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        findings.block("trades", tid, f"expiration_date {value!r} is not a YYYY-MM-DD date")
        return None


def _instant(
    value: Any, column: str, tid: Any, source_tz: tzinfo | None, findings: Findings, required: bool = False
) -> datetime | None:
    if value is None or not str(value).strip():
        if required:
            findings.block("trades", tid, f"{column} is missing")
        return None
    try:
        return legacy_instant(value, source_tz)
    except ValueError:
        findings.block("trades", tid, f"{column} {value!r} is not a date and time")
        return None


def _premium(raw: Raw, contracts: int | None, tid: Any, findings: Findings) -> int | None:
    total = _money(raw, "total_premium", tid, findings)
    per_share = raw.get("premium_per_share")
    from_per_share = None
    if per_share is not None and contracts:
        try:
            from_per_share = per_share_total_cents(per_share, contracts)
        except ValueError:
            findings.block("trades", tid, f"premium_per_share {per_share!r} is not an amount")
            return None
    premium = total if total is not None else from_per_share
    if premium is None:
        if contracts:
            findings.block("trades", tid, "neither total_premium nor premium_per_share is given")
        return None
    if premium < 0:
        findings.block("trades", tid, f"the premium {premium / 100:.2f} is negative")
    elif total is not None and from_per_share is not None and total != from_per_share:
        findings.warn(
            "trades",
            tid,
            f"total_premium {total / 100:.2f} differs from premium_per_share × 100 × contracts "
            f"({from_per_share / 100:.2f}): imported the total",
        )
    return premium


def _close_cost(raw: Raw, outcome: Outcome | None, contracts: int | None, tid: Any, findings: Findings) -> int | None:
    if outcome is not Outcome.CLOSED:
        return None
    price = raw.get("close_price")
    if price is None or (isinstance(price, str) and not price.strip()):
        findings.block("trades", tid, "closed_early without a close_price: the buy-back cost is unknown")
        return None
    try:
        cost = per_share_total_cents(price, contracts or 0)
    except ValueError:
        findings.block("trades", tid, f"close_price {price!r} is not an amount")
        return None
    if cost < 0:
        findings.block("trades", tid, f"close_price {price!r} is negative")
    return cost


def _settled_at(
    raw: Raw, outcome: Outcome, expiration: date, opened: datetime, source_tz: tzinfo | None, findings: Findings
) -> datetime | None:
    tid = raw["id"]
    closed = raw.get("closed_at")
    if outcome is Outcome.OPEN:
        if closed:
            findings.warn("trades", tid, f"open, yet closed_at is {closed!r}: kept open, closed_at ignored")
        return None
    settled = None
    if closed:
        try:
            settled = legacy_instant(closed, source_tz)
        except ValueError:
            findings.warn("trades", tid, f"closed_at {closed!r} is not a date and time")
    if settled is None:
        settled = new_york_close(expiration)
        findings.warn("trades", tid, f"settled without a closed_at: settlement taken as its expiration {expiration}")
    if settled < opened:
        findings.warn("trades", tid, f"closed_at {closed!r} is before opened_at {raw.get('opened_at')!r}")
    return settled
