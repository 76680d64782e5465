"""Daily snapshots of open positions and the trends drawn from them (FR-11..FR-13)."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

from wheeld.clock import Clock, parse_utc, utc_iso
from wheeld.db import snapshots as repo
from wheeld.db import trades as trade_repo
from wheeld.db.connection import Database, Row
from wheeld.domain.money import cents_to_float
from wheeld.domain.risk import RISK_ICONS, RiskLevel
from wheeld.domain.vocabulary import SHARES_PER_CONTRACT
from wheeld.errors import ExternalAPIError, NotFound
from wheeld.marketdata.freshness import is_quote_stale, quote_age_seconds
from wheeld.marketdata.service import MarketData
from wheeld.services.listing import Page, Paged, order_clause
from wheeld.services.positions import PositionService
from wheeld.services.wheels import wheel_not_found

log = logging.getLogger(__name__)
SORTABLE = {"id": "s.id", "snapshot_date": "s.snapshot_date", "symbol": "w.symbol", "trade_id": "s.trade_id"}
CHAIN_CONCURRENCY = 4


def snapshot_dict(row: Row, market: MarketData | None = None) -> dict[str, Any]:
    """A snapshot row as the API shows it; with `market`, the quote's age and stale flag when taken."""
    age: float | None = None
    stale: bool | None = None
    if row["price_as_of"]:
        as_of, taken = parse_utc(row["price_as_of"]), parse_utc(row["updated_at"])
        age = round(quote_age_seconds(as_of, taken), 1)
        if market is not None:
            stale = is_quote_stale(as_of, taken, market.ttls.quotes, market.calendar)
    return {
        "id": row["id"],
        "trade_id": row["trade_id"],
        "wheel_id": row["wheel_id"],
        "portfolio_id": row["portfolio_id"],
        "symbol": row["symbol"],
        "direction": row["direction"],
        "strike": row["strike_cents"],
        "expiration_date": row["expiration_date"],
        "snapshot_date": row["snapshot_date"],
        "current_price": row["current_price_cents"],
        "dte_calendar": row["dte_calendar"],
        "dte_trading": row["dte_trading"],
        "moneyness_pct": row["moneyness_pct"],
        "is_itm": bool(row["is_itm"]),
        "risk_level": row["risk_level"],
        "risk_icon": RISK_ICONS[RiskLevel(row["risk_level"])],
        "option_mark": row["option_mark"],
        "premium_captured_pct": premium_captured_pct(row["total_premium_cents"], row["contracts"], row["option_mark"]),
        "price_source": row["price_source"],
        "price_as_of": row["price_as_of"],
        # As of when the snapshot was taken (updated_at): what the figures stood on.
        "price_age_seconds": age,
        "price_stale": stale,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def premium_captured_pct(total_premium_cents: int, contracts: int, mark: float | None) -> float | None:
    """Share of the premium already earned: (premium per share − mark) / premium per share, in percent."""
    if mark is None or total_premium_cents <= 0:
        return None
    per_share = Decimal(total_premium_cents) / (SHARES_PER_CONTRACT * contracts) / 100
    return float(((per_share - Decimal(str(mark))) / per_share * 100).quantize(Decimal("0.01")))


class SnapshotService:
    """Takes idempotent daily snapshots and answers snapshot and trend queries."""

    def __init__(self, db: Database, clock: Clock, positions: PositionService, market: MarketData) -> None:
        self.db = db
        self.clock = clock
        self.positions = positions
        self.market = market

    async def _marks(self, statuses: list[dict[str, Any]]) -> dict[int, float | None]:
        """The option mark of each position where the provider's chain has the contract."""
        gate = asyncio.Semaphore(CHAIN_CONCURRENCY)
        marks: dict[int, float | None] = {}

        async def one(status: dict[str, Any]) -> None:
            async with gate:
                try:
                    chain = await self.market.chain(status["symbol"], direction=status["direction"])
                except (ExternalAPIError, ValueError) as exc:
                    log.info("no chain for %s: %s", status["symbol"], exc)
                    marks[status["trade_id"]] = None
                    return
            strike = cents_to_float(status["strike"])
            found = [
                c
                for c in chain.contracts
                if c.direction == status["direction"]
                and abs(c.strike - strike) < 1e-6
                and c.expiration.isoformat() == status["expiration_date"]
            ]
            marks[status["trade_id"]] = (
                (found[0].mark if found[0].mark is not None else found[0].mid) if found else None
            )

        await asyncio.gather(*(one(s) for s in statuses))
        return marks

    async def take(self, portfolio_id: int | None = None) -> dict[str, Any]:
        """Snapshot every open position (or a portfolio's) for today's New York date; re-running updates."""
        today = self.clock.today_ny().isoformat()
        statuses = await self.positions.open_positions({"portfolio_id": portfolio_id})
        priced = [s for s in statuses if s["current_price"] is not None]
        marks = await self._marks(priced)
        now = utc_iso(self.clock.now())
        async with self.db.transaction(bookkeeping=True) as conn:
            for status in priced:
                await repo.upsert(
                    conn,
                    {
                        "trade_id": status["trade_id"],
                        "wheel_id": status["wheel_id"],
                        "snapshot_date": today,
                        "current_price_cents": status["current_price"],
                        "dte_calendar": status["dte_calendar"],
                        "dte_trading": status["dte_trading"],
                        "moneyness_pct": status["moneyness_pct"],
                        "is_itm": int(status["is_itm"]),
                        "risk_level": status["risk_level"],
                        "option_mark": marks.get(status["trade_id"]),
                        "price_source": status["price_source"],
                        "price_as_of": status["price_as_of"],
                        "created_at": now,
                        "updated_at": now,
                    },
                )
        unpriced = sorted({s["symbol"] for s in statuses if s["current_price"] is None})
        return {
            "snapshot_date": today,
            "taken": len(priced),
            "open_positions": len(statuses),
            "unpriced_symbols": unpriced,
        }

    async def list(self, filters: dict[str, Any], page: Page, sort: str | None = None) -> Paged:
        """A page of snapshots by trade, wheel, portfolio, symbol and date range."""
        order = order_clause(sort, SORTABLE, default="-snapshot_date", table="s")
        rows, total = await repo.list_snapshots(self.db.reader, filters, order, page.page_size, page.offset)
        return Paged([snapshot_dict(r, self.market) for r in rows], total, page)

    async def latest(self, trade_id: int) -> dict[str, Any]:
        """The most recent snapshot of a trade (404 when the trade or its snapshots don't exist)."""
        row = await repo.latest_for_trade(self.db.reader, trade_id)
        if row is None:
            if await trade_repo.get_trade(self.db.reader, trade_id) is None:
                raise NotFound(f"trade {trade_id} not found", {"trade_id": trade_id})
            raise NotFound(f"trade {trade_id} has no snapshot yet", {"trade_id": trade_id})
        return snapshot_dict(row, self.market)

    async def trend(self, wheel_id: int, trade_id: int | None = None) -> dict[str, Any]:
        """Series for charts of one trade of a wheel (its open one, else its latest)."""
        wheel = await self.db.fetch_one("SELECT id, symbol FROM wheels WHERE id = ?", (wheel_id,))
        if wheel is None:
            raise wheel_not_found(wheel_id)
        if trade_id is None:
            row = await self.db.fetch_one(
                "SELECT id FROM trades WHERE wheel_id = ? ORDER BY outcome = 'open' DESC, opened_at DESC, id DESC"
                " LIMIT 1",
                (wheel_id,),
            )
            if row is None:
                raise NotFound(f"wheel {wheel_id} has no trades yet", {"wheel_id": wheel_id})
            trade_id = int(row["id"])
        trade = await trade_repo.get_trade(self.db.reader, trade_id)
        if trade is None or trade["wheel_id"] != wheel_id:
            raise NotFound(f"trade {trade_id} not found on wheel {wheel_id}", {"trade_id": trade_id})
        points = [snapshot_dict(r, self.market) for r in await repo.series_for_trade(self.db.reader, trade_id)]
        changes, previous = [], None
        for point in points:
            if previous is not None and point["risk_level"] != previous:
                changes.append({"date": point["snapshot_date"], "from": previous, "to": point["risk_level"]})
            previous = point["risk_level"]
        return {
            "wheel_id": wheel_id,
            "trade_id": trade_id,
            "symbol": wheel["symbol"],
            "direction": trade["direction"],
            "strike": trade["strike_cents"],
            "expiration_date": trade["expiration_date"],
            "outcome": trade["outcome"],
            "points": len(points),
            "price": [{"date": p["snapshot_date"], "value": p["current_price"]} for p in points],
            "moneyness": [
                {"date": p["snapshot_date"], "value": p["moneyness_pct"], "is_itm": p["is_itm"]} for p in points
            ],
            "risk_changes": changes,
            "time_decay": [
                {
                    "date": p["snapshot_date"],
                    "dte_calendar": p["dte_calendar"],
                    "dte_trading": p["dte_trading"],
                    "option_mark": p["option_mark"],
                    "premium_captured_pct": p["premium_captured_pct"],
                }
                for p in points
            ],
        }

    async def take_summary(self, portfolio_id: int | None = None) -> str:
        """Take today's snapshots (the `daily_snapshots` job) and say what was stored."""
        run = await self.take(portfolio_id)
        missing = f"; no price for {', '.join(run['unpriced_symbols'])}" if run["unpriced_symbols"] else ""
        return (
            f"{run['taken']} of {run['open_positions']} open positions snapshotted for {run['snapshot_date']}{missing}"
        )
