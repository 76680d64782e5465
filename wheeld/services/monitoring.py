"""The work behind the `price_refresh` and `risk_monitor` jobs: quotes of open positions, and their alerts.

Each is a `CoreJobCall` (given the job's scope: a portfolio id, or None for all) returning a summary.
"""

from __future__ import annotations

from wheeld.db import positions as positions_repo
from wheeld.db.connection import Database
from wheeld.marketdata.service import MarketData
from wheeld.services.alerts import AlertService
from wheeld.services.positions import PositionService


def _scope_filters(scope: int | None) -> dict[str, int]:
    return {} if scope is None else {"portfolio_id": scope}


class QuoteRefresh:
    """Fetch quotes for every symbol with shares held or an open option in one batched call."""

    def __init__(self, db: Database, market: MarketData) -> None:
        self.db = db
        self.market = market

    async def __call__(self, scope: int | None) -> str:
        """Refresh and say how many symbols were priced, stale or missing."""
        symbols = await positions_repo.priced_symbols(self.db.reader, scope)
        if not symbols:
            return "no open positions or shares held: nothing to refresh"
        quotes = await self.market.quotes(symbols, refresh=True)
        stale = sum(1 for quote in quotes.values() if quote.stale)
        missing = len(symbols) - len(quotes)
        summary = f"refreshed {len(quotes)} of {len(symbols)} symbols from {self.market.source}"
        extras = [f"{stale} stale"] if stale else []
        extras += [f"{missing} without a quote"] if missing else []
        return summary + (f" ({', '.join(extras)})" if extras else "")


class RiskMonitor:
    """Evaluate every open position and raise or clear its alerts (ITM, risk worsened, expiring)."""

    def __init__(self, positions: PositionService, alerts: AlertService) -> None:
        self.positions = positions
        self.alerts = alerts

    async def __call__(self, scope: int | None) -> str:
        """Evaluate and summarize what was raised and cleared."""
        statuses = await self.positions.open_positions(_scope_filters(scope))
        return await self.alerts.evaluate_positions(
            statuses, portfolio_id=scope, approaching_dte=self.positions.risk.approaching_dte
        )
