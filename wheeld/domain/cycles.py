"""A wheel's cycles: each run from cash back to cash (or still open), with its P&L and its result.

A cycle starts when the wheel leaves cash (a put is sold, or the wheel is created holding shares)
and ends when it is back in cash (a put expires or is closed, or the last shares are called away);
an expired put is a cycle of its own. Per cycle:

- premium net = Σ (premium − close cost − fees) of its trades; realized stock P&L = Σ of its trades';
  unrealized stock P&L = shares still held × (last price − entry price), only while open;
  total P&L = premium net + realized + unrealized.
- days = New York calendar days from leaving cash to returning (end − start; to today while open).
- collateral = strike × 100 × contracts while a put is open, and shares × entry price while shares
  are held; collateral-days sums it per day; annualized return = total P&L / collateral-days × 365.
- result = win when total P&L > 0, loss otherwise, None while open.
Pure: the caller passes the trades, the wheel's start and today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from wheeld.domain.vocabulary import SHARES_PER_CONTRACT


@dataclass(frozen=True)
class CycleTrade:
    """The fields of one trade a cycle needs (cents; New York dates)."""

    trade_id: int
    cycle: int
    direction: str  # put | call
    outcome: str  # open | expired | assigned | closed | rolled
    strike_cents: int
    contracts: int
    premium_cents: int
    fees_cents: int
    close_cost_cents: int | None
    realized_stock_pnl_cents: int
    opened_on: date
    settled_on: date | None


@dataclass(frozen=True)
class WheelStart:
    """How the wheel began and where it is now: what cycles need beyond the trades."""

    created_on: date
    starting_direction: str  # put | call
    current_cycle: int
    shares: int  # held now
    cost_basis_cents: int | None  # entry price of the shares held now


@dataclass(frozen=True)
class Cycle:
    """One cycle's figures (cents, percent); `result` None while open."""

    number: int
    status: str  # open | closed
    start: date
    end: date | None
    days: int
    trade_ids: tuple[int, ...]
    premium_net_cents: int
    realized_stock_pnl_cents: int
    unrealized_stock_pnl_cents: int | None
    total_pnl_cents: int
    collateral_day_cents: int
    annualized_return: float | None
    result: str | None


def _pct(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def cycle_annualized_return(total_pnl_cents: int, collateral_day_cents: int) -> float | None:
    """Total P&L / collateral-days × 365 in percent; None (undefined) without collateral-days."""
    if collateral_day_cents <= 0:
        return None
    return _pct(Decimal(total_pnl_cents) * 365 * 100 / collateral_day_cents)


def cycle_win_rate(won: int, closed: int) -> float | None:
    """Winning cycles / closed cycles in percent; None when no cycle is closed."""
    if closed <= 0:
        return None
    return _pct(Decimal(won) * 100 / closed)


def _days(first: date, last: date) -> int:
    return max((last - first).days, 0)


def build_cycle(
    number: int,
    trades: Sequence[CycleTrade],
    start: WheelStart,
    today: date,
    last_price_cents: int | None,
) -> Cycle:
    """One cycle from its trades (in the order they were opened)."""
    ordered = sorted(trades, key=lambda t: (t.opened_on, t.trade_id))
    is_current = number == start.current_cycle
    in_shares_from_start = number == 1 and start.starting_direction == "call"
    first_day = ordered[0].opened_on if ordered else start.created_on
    begun = min(first_day, start.created_on) if in_shares_from_start else first_day
    # Shares held at the start of a cycle begun in shares: those still held plus those called away.
    called = [t for t in ordered if t.direction == "call" and t.outcome == "assigned"]
    shares = 0
    entry = 0
    if in_shares_from_start:
        shares = (start.shares if is_current else 0) + sum(t.contracts * SHARES_PER_CONTRACT for t in called)
        if is_current and start.cost_basis_cents is not None:
            entry = start.cost_basis_cents
        elif called:
            moved = called[0].contracts * SHARES_PER_CONTRACT
            entry = called[0].strike_cents - called[0].realized_stock_pnl_cents // moved
    held_since = begun
    collateral_days = 0
    for trade in ordered:
        ends = trade.settled_on or today
        if trade.direction == "put":
            collateral_days += trade.strike_cents * SHARES_PER_CONTRACT * trade.contracts * _days(trade.opened_on, ends)
            if trade.outcome == "assigned" and trade.settled_on is not None:
                shares, entry, held_since = trade.contracts * SHARES_PER_CONTRACT, trade.strike_cents, trade.settled_on
        elif trade.outcome == "assigned" and trade.settled_on is not None:
            # Shares called away: every share held so far counts up to this day, then fewer are held.
            collateral_days += shares * entry * _days(held_since, trade.settled_on)
            shares -= min(trade.contracts * SHARES_PER_CONTRACT, shares)
            held_since = trade.settled_on
    closed = not is_current
    settled = [t.settled_on for t in ordered if t.settled_on is not None]
    end = (max(settled) if settled else today) if closed else None
    if shares > 0:
        collateral_days += shares * entry * _days(held_since, end or today)
    premium_net = sum(t.premium_cents - (t.close_cost_cents or 0) - t.fees_cents for t in ordered)
    realized = sum(t.realized_stock_pnl_cents for t in ordered)
    unrealized: int | None = 0
    if not closed and shares > 0:
        unrealized = None if last_price_cents is None else (last_price_cents - entry) * shares
    total = premium_net + realized + (unrealized or 0)
    return Cycle(
        number=number,
        status="closed" if closed else "open",
        start=begun,
        end=end,
        days=_days(begun, end or today),
        trade_ids=tuple(t.trade_id for t in ordered),
        premium_net_cents=premium_net,
        realized_stock_pnl_cents=realized,
        unrealized_stock_pnl_cents=unrealized,
        total_pnl_cents=total,
        collateral_day_cents=collateral_days,
        annualized_return=cycle_annualized_return(total, collateral_days),
        result=None if not closed else ("win" if total > 0 else "loss"),
    )


def wheel_cycles(
    trades: Sequence[CycleTrade], start: WheelStart, today: date, last_price_cents: int | None
) -> list[Cycle]:
    """Every cycle of a wheel, oldest first; the current one is open when it has begun."""
    by_cycle: dict[int, list[CycleTrade]] = {}
    for trade in trades:
        by_cycle.setdefault(trade.cycle, []).append(trade)
    if start.starting_direction == "call" and start.current_cycle == 1:
        by_cycle.setdefault(1, [])  # begun in shares: open from the start, trades or not
    if start.shares > 0:
        by_cycle.setdefault(start.current_cycle, [])
    return [build_cycle(n, by_cycle[n], start, today, last_price_cents) for n in sorted(by_cycle)]
