"""Cycles from trades, worked by hand: shares called away in parts, a wheel begun in shares.

A (begun in shares, closed): 300 sh @ 50 from 2026-03-02. Call 52 ×1 for 60, called away 03-20:
(52 − 50) × 100 = +200, 200 sh left. Call 53 ×2 for 90, called away 04-17: (53 − 50) × 200 = +600, cash.
Days 04-17 − 03-02 = 46. Collateral-days 300 × 50 × 18 + 200 × 50 × 28 = 270,000 + 280,000 = 550,000.
Total 150 + 800 = 950; annualized 950 × 365 / 550,000 = 63.05 %; a win.

B (open, shares partly called away): put 20 ×3 for 150, 05-01 → assigned 05-15: 300 sh @ 20. Call 22 ×1
for 30, 05-18 → called away 06-19: +200, 200 sh left. Today 06-30, price 19: unrealized (19 − 20) × 200 = −200.
Total 180 + 200 − 200 = 180. Days 06-30 − 05-01 = 60. Collateral-days 6,000 × 14 + 300 × 20 × 35 +
200 × 20 × 11 = 84,000 + 210,000 + 44,000 = 338,000; annualized 180 × 365 / 338,000 = 19.44 %.
"""

from __future__ import annotations

from datetime import date

from wheeld.domain.cycles import CycleTrade, WheelStart, cycle_win_rate, wheel_cycles


def trade(
    i: int,
    direction: str,
    outcome: str,
    strike: int,
    contracts: int,
    premium: int,
    opened: str,
    settled: str | None,
    realized: int = 0,
    cycle: int = 1,
) -> CycleTrade:
    return CycleTrade(
        trade_id=i,
        cycle=cycle,
        direction=direction,
        outcome=outcome,
        strike_cents=strike * 100,
        contracts=contracts,
        premium_cents=premium * 100,
        fees_cents=0,
        close_cost_cents=None,
        realized_stock_pnl_cents=realized * 100,
        opened_on=date.fromisoformat(opened),
        settled_on=date.fromisoformat(settled) if settled else None,
    )


def test_begun_in_shares_called_away_in_two_parts() -> None:
    trades = [
        trade(1, "call", "assigned", 52, 1, 60, "2026-03-02", "2026-03-20", realized=200),
        trade(2, "call", "assigned", 53, 2, 90, "2026-03-23", "2026-04-17", realized=600),
    ]
    start = WheelStart(date(2026, 3, 2), "call", current_cycle=2, shares=0, cost_basis_cents=None)
    [cycle] = wheel_cycles(trades, start, date(2026, 6, 30), None)
    assert (cycle.status, cycle.start, cycle.end, cycle.days) == ("closed", date(2026, 3, 2), date(2026, 4, 17), 46)
    assert (cycle.premium_net_cents, cycle.realized_stock_pnl_cents, cycle.total_pnl_cents) == (15000, 80000, 95000)
    assert (cycle.collateral_day_cents, cycle.annualized_return, cycle.result) == (55_000_000, 63.05, "win")


def test_open_cycle_with_part_of_the_shares_called_away() -> None:
    trades = [
        trade(1, "put", "assigned", 20, 3, 150, "2026-05-01", "2026-05-15"),
        trade(2, "call", "assigned", 22, 1, 30, "2026-05-18", "2026-06-19", realized=200),
    ]
    start = WheelStart(date(2026, 5, 1), "put", current_cycle=1, shares=200, cost_basis_cents=2000)
    [cycle] = wheel_cycles(trades, start, date(2026, 6, 30), 1900)
    assert (cycle.status, cycle.end, cycle.days, cycle.result) == ("open", None, 60, None)
    assert (cycle.unrealized_stock_pnl_cents, cycle.total_pnl_cents) == (-20000, 18000)
    assert (cycle.collateral_day_cents, cycle.annualized_return) == (33_800_000, 19.44)
    # Unpriced: the unrealized part is unknown (null) and left out of the total, as everywhere else.
    [unpriced] = wheel_cycles(trades, start, date(2026, 6, 30), None)
    assert (unpriced.unrealized_stock_pnl_cents, unpriced.total_pnl_cents) == (None, 38000)


def test_cycle_win_rate() -> None:
    assert (cycle_win_rate(0, 0), cycle_win_rate(0, 2), cycle_win_rate(1, 3)) == (None, 0.0, 33.33)
