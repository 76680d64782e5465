"""P&L and performance metrics, defined once: the portfolio summary, analytics and CSV all use this.

Sums over trades are done in SQL (`TradeTotals`); this module turns them, with the shares held and
their last prices, into the reported figures. Nothing here re-sums trades.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class TradeTotals:
    """Sums over a selection of trades, as SQL returns them (cents)."""

    trades: int = 0
    open_trades: int = 0
    settled: int = 0
    wins: int = 0
    losses: int = 0
    premium_cents: int = 0
    fees_cents: int = 0
    close_costs_cents: int = 0
    realized_stock_pnl_cents: int = 0


@dataclass(frozen=True)
class Holding:
    """Shares a wheel holds, their entry price and the last known price (None if unpriced)."""

    symbol: str
    shares: int
    entry_cents: int
    last_price_cents: int | None


@dataclass(frozen=True)
class Metrics:
    """The reported figures; money in cents, rates in percent."""

    total_trades: int
    open_trades: int
    settled_trades: int
    winning_trades: int
    losing_trades: int
    win_rate: float | None
    total_premium_cents: int
    average_premium_cents: int
    fees_cents: int
    close_costs_cents: int
    premium_net_cents: int
    realized_stock_pnl_cents: int
    unrealized_stock_pnl_cents: int
    total_pnl_cents: int
    unpriced_symbols: tuple[str, ...]


def win_rate(wins: int, settled: int) -> float | None:
    """Wins / settled trades in percent, two decimals; None (undefined, not 0 %) when nothing is settled."""
    if settled <= 0:
        return None
    return float((Decimal(wins * 100) / settled).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def unrealized_pnl_cents(holdings: list[Holding]) -> tuple[int, tuple[str, ...]]:
    """Held shares at their last price against their entry price; also the symbols with no price."""
    total, unpriced = 0, []
    for holding in holdings:
        if holding.shares <= 0:
            continue
        if holding.last_price_cents is None:
            unpriced.append(holding.symbol)
            continue
        total += (holding.last_price_cents - holding.entry_cents) * holding.shares
    return total, tuple(sorted(set(unpriced)))


def compute_metrics(totals: TradeTotals, holdings: list[Holding]) -> Metrics:
    """Combine trade sums and holdings into the P&L components and their total."""
    premium_net = totals.premium_cents - totals.close_costs_cents - totals.fees_cents
    unrealized, unpriced = unrealized_pnl_cents(holdings)
    average = (
        int((Decimal(totals.premium_cents) / totals.trades).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if totals.trades
        else 0
    )
    return Metrics(
        total_trades=totals.trades,
        open_trades=totals.open_trades,
        settled_trades=totals.settled,
        winning_trades=totals.wins,
        losing_trades=totals.losses,
        win_rate=win_rate(totals.wins, totals.settled),
        total_premium_cents=totals.premium_cents,
        average_premium_cents=average,
        fees_cents=totals.fees_cents,
        close_costs_cents=totals.close_costs_cents,
        premium_net_cents=premium_net,
        realized_stock_pnl_cents=totals.realized_stock_pnl_cents,
        unrealized_stock_pnl_cents=unrealized,
        total_pnl_cents=premium_net + totals.realized_stock_pnl_cents + unrealized,
        unpriced_symbols=unpriced,
    )


def adjusted_cost_basis(entry_cents: int | None, shares: int, cycle_net_premium_cents: int) -> Decimal | None:
    """Entry price per share less the current cycle's net premium per share (dollars, exact)."""
    if entry_cents is None or shares <= 0:
        return None
    return (Decimal(entry_cents) - Decimal(cycle_net_premium_cents) / shares) / 100


def annualized_return(net_premium_cents: int, collateral_cents: int, days_held: int) -> float | None:
    """Net premium / collateral × 365 / days held, in percent (None without collateral or days)."""
    if collateral_cents <= 0 or days_held <= 0:
        return None
    value = Decimal(net_premium_cents) / collateral_cents * 365 / days_held * 100
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
