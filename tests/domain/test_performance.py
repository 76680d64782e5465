"""P&L definitions pinned with hand-checkable numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wheeld.domain.performance import (
    Holding,
    TradeTotals,
    adjusted_cost_basis,
    annualized_return,
    compute_metrics,
    win_rate,
)


def test_metrics_components_and_total() -> None:
    totals = TradeTotals(
        trades=4,
        open_trades=0,
        settled=4,
        wins=2,
        losses=2,
        premium_cents=82000,
        fees_cents=325,
        close_costs_cents=4000,
        realized_stock_pnl_cents=25000,
    )
    holdings = [Holding("AAPL", 100, 17500, 17000), Holding("MSFT", 100, 40000, None)]
    m = compute_metrics(totals, holdings)
    assert m.premium_net_cents == 82000 - 4000 - 325 == 77675
    assert m.unrealized_stock_pnl_cents == -50000
    assert m.total_pnl_cents == 77675 + 25000 - 50000
    assert m.win_rate == 50.0 and m.average_premium_cents == 20500
    assert m.unpriced_symbols == ("MSFT",)


@pytest.mark.parametrize(
    ("wins", "settled", "rate"), [(0, 0, None), (0, 2, 0.0), (1, 3, 33.33), (2, 3, 66.67), (3, 3, 100.0)]
)
def test_win_rate(wins: int, settled: int, rate: float | None) -> None:
    # Nothing settled: undefined (null), never 0 %; 0 of 2 settled is a true 0 %.
    assert win_rate(wins, settled) == rate


@pytest.mark.parametrize(
    ("entry", "shares", "net", "expected"),
    [
        (17500, 100, 29935, Decimal("172.0065")),
        (17500, 100, 0, Decimal("175")),
        (None, 0, 100, None),
        (17500, 200, 50000, Decimal("172.5")),
    ],
)
def test_adjusted_cost_basis(entry, shares, net, expected) -> None:
    assert adjusted_cost_basis(entry, shares, net) == expected


def test_annualized_return() -> None:
    # $250 on $18,000 collateral held 30 days: 250/18000*365/30 = 16.898… %
    assert annualized_return(25000, 1_800_000, 30) == 16.90
    assert annualized_return(25000, 0, 30) is None
