"""Portfolios: create, read, update, delete, the default one, and the summary (FR-1..FR-3)."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from wheeld.clock import Clock, utc_iso
from wheeld.db import portfolios as repo
from wheeld.db import positions as positions_repo
from wheeld.db import totals as totals_repo
from wheeld.db.connection import Database, Row
from wheeld.domain.performance import Holding, compute_metrics
from wheeld.errors import Conflict, NotFound
from wheeld.marketdata.models import Quote
from wheeld.services.listing import Page, Paged, order_clause
from wheeld.services.option_advice import OptionMarks, option_totals
from wheeld.services.pricing import HeldPrices, price_cents, quote_age_fields


def portfolio_dict(row: Row) -> dict[str, Any]:
    """A portfolio row as the API shows it (money still in cents)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "default_capital": row["default_capital_cents"],
        "is_default": bool(row["is_default"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _conflict_on_name(exc: sqlite3.IntegrityError, name: str) -> Conflict | None:
    if "portfolios.name" in str(exc):
        return Conflict(f"a portfolio named {name!r} already exists", {"field": "name", "value": name})
    return None


class PortfolioService:
    """Portfolio use cases over the database."""

    def __init__(
        self, db: Database, clock: Clock, prices: HeldPrices | None = None, marks: OptionMarks | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.prices = prices
        self.marks = marks
        self._summary_memo: dict[int, tuple[tuple[int, int], dict[str, Any]]] = {}
        self._open_cache: dict[int, tuple[int, list[Row]]] = {}  # portfolio id -> (db version, open options)
        self._totals_cache: dict[int, tuple[int, Row, Row, list[Row]]] = {}
        self._loading: dict[tuple[int, int], asyncio.Future[tuple[int, Row, Row, list[Row]]]] = {}

    async def create(self, name: str, description: str = "", default_capital_cents: int = 0) -> dict[str, Any]:
        """Create a portfolio (the first one becomes the default)."""
        now = utc_iso(self.clock.now())
        try:
            async with self.db.transaction() as conn:
                new_id = await repo.insert_portfolio(conn, name, description, default_capital_cents, now)
                row = await repo.get_portfolio(conn, new_id)
        except sqlite3.IntegrityError as exc:
            raise _conflict_on_name(exc, name) or exc from None
        assert row is not None
        return portfolio_dict(row)

    async def get(self, portfolio_id: int) -> dict[str, Any]:
        """One portfolio, or NotFound."""
        row = await repo.get_portfolio(self.db.reader, portfolio_id)
        if row is None:
            raise NotFound(f"portfolio {portfolio_id} not found", {"portfolio_id": portfolio_id})
        return portfolio_dict(row)

    async def resolve(self, ref: int | str | None) -> dict[str, Any]:
        """A portfolio by id, by name, or the default one when `ref` is None."""
        if ref is None:
            row = await repo.get_default(self.db.reader)
            if row is None:
                raise NotFound("no portfolio exists yet; create one first", {})
            return portfolio_dict(row)
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            row = await repo.get_portfolio(self.db.reader, int(ref))
            if row is not None:
                return portfolio_dict(row)
        row = await repo.get_by_name(self.db.reader, str(ref))
        if row is None:
            raise NotFound(f"portfolio {ref!r} not found", {"portfolio": ref})
        return portfolio_dict(row)

    async def list(self, page: Page, sort: str | None = None) -> Paged:
        """A page of portfolios."""
        order = order_clause(sort, repo.SORTABLE)
        rows = await repo.list_portfolios(self.db.reader, order, page.page_size, page.offset)
        total = await repo.count_portfolios(self.db.reader)
        return Paged([portfolio_dict(r) for r in rows], total, page)

    async def update(self, portfolio_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change name, description, default capital; `is_default: true` makes it the default."""
        now = utc_iso(self.clock.now())
        columns = {k: v for k, v in changes.items() if k in ("name", "description", "default_capital_cents")}
        try:
            async with self.db.transaction() as conn:
                if await repo.get_portfolio(conn, portfolio_id) is None:
                    raise NotFound(f"portfolio {portfolio_id} not found", {"portfolio_id": portfolio_id})
                await repo.update_portfolio(conn, portfolio_id, columns, now)
                if changes.get("is_default") is True:
                    await repo.set_default(conn, portfolio_id, now)
                row = await repo.get_portfolio(conn, portfolio_id)
        except sqlite3.IntegrityError as exc:
            raise _conflict_on_name(exc, str(changes.get("name"))) or exc from None
        assert row is not None
        return portfolio_dict(row)

    async def set_default(self, portfolio_id: int) -> dict[str, Any]:
        """Make this portfolio the default."""
        return await self.update(portfolio_id, {"is_default": True})

    async def delete(self, portfolio_id: int) -> None:
        """Delete a portfolio and everything in it; the oldest remaining one becomes default if needed."""
        now = utc_iso(self.clock.now())
        async with self.db.transaction() as conn:
            row = await repo.get_portfolio(conn, portfolio_id)
            if row is None:
                raise NotFound(f"portfolio {portfolio_id} not found", {"portfolio_id": portfolio_id})
            await repo.delete_portfolio(conn, portfolio_id)
            if row["is_default"]:
                successor = await repo.oldest_portfolio_id(conn)
                if successor is not None:
                    await repo.set_default(conn, successor, now)
        self._totals_cache.pop(portfolio_id, None)
        self._open_cache.pop(portfolio_id, None)

    async def _load_totals(self, portfolio_id: int, version: int) -> tuple[int, Row, Row, list[Row]]:
        portfolio = await repo.get_portfolio(self.db.reader, portfolio_id)
        if portfolio is None:
            raise NotFound(f"portfolio {portfolio_id} not found", {"portfolio_id": portfolio_id})
        sums = await totals_repo.portfolio_totals(self.db.reader, portfolio_id)
        wheels = await totals_repo.wheel_counts(self.db.reader, portfolio_id)
        held = await totals_repo.holdings(self.db.reader, "AND portfolio_id = ?", (portfolio_id,))
        loaded = (version, sums, wheels, held)
        self._totals_cache[portfolio_id] = loaded
        return loaded

    async def summary(self, portfolio_id: int) -> dict[str, Any]:
        """FR-2 figures for one portfolio, P&L parts included (cached until the next write).

        The whole answer is kept for the rest of the current second of its data version, as positions
        are: a write shows at once, and prices, marks and quote ages are at most a second old."""
        stamp = (self.db.version, int(self.clock.monotonic()))
        memo = self._summary_memo.get(portfolio_id)
        if memo is not None and memo[0] == stamp:
            return memo[1]
        result = await self._summary(portfolio_id)
        self._summary_memo[portfolio_id] = (stamp, result)
        return result

    async def _summary(self, portfolio_id: int) -> dict[str, Any]:
        cached = self._totals_cache.get(portfolio_id)
        if cached is None or cached[0] != self.db.version:
            key = (portfolio_id, self.db.version)
            # One computation per version however many requests arrive after a write (no stampede).
            loading = self._loading.get(key)
            if loading is None:
                loading = self._loading[key] = asyncio.ensure_future(self._load_totals(portfolio_id, key[1]))
                loading.add_done_callback(lambda _done: self._loading.pop(key, None))
            cached = await asyncio.shield(loading)
        _, sums, wheels, held = cached
        symbols = [h["symbol"] for h in held]
        quotes: dict[str, Quote] = await self.prices.quotes(symbols) if self.prices and symbols else {}
        metrics = compute_metrics(
            totals_repo.as_trade_totals(sums),
            [
                Holding(h["symbol"], h["shares"], h["cost_basis_cents"] or 0, price_cents(quotes, h["symbol"]))
                for h in held
            ],
        )
        return {
            "portfolio_id": portfolio_id,
            "total_wheels": wheels["total_wheels"],
            "active_wheels": wheels["active_wheels"],
            "open_positions": metrics.open_trades,
            "capital_allocated": wheels["capital_cents"],
            "total_trades": metrics.total_trades,
            "total_premium": metrics.total_premium_cents,
            "fees": metrics.fees_cents,
            "close_costs": metrics.close_costs_cents,
            "premium_net": metrics.premium_net_cents,
            "realized_stock_pnl": metrics.realized_stock_pnl_cents,
            "unrealized_stock_pnl": metrics.unrealized_stock_pnl_cents,
            "net_pnl": metrics.total_pnl_cents,
            "wins": metrics.winning_trades,
            "losses": metrics.losing_trades,
            "win_rate": metrics.win_rate,
            "unpriced_symbols": list(metrics.unpriced_symbols),
            # How fresh the prices behind unrealized_stock_pnl are (the oldest quote; stale symbols).
            **quote_age_fields(quotes, symbols),
            # The open options marked to market: unrealized option P&L and net P&L less their cost to close.
            **(await self._marked(portfolio_id, metrics.total_pnl_cents)),
        }

    async def _marked(self, portfolio_id: int, total_pnl_cents: int) -> dict[str, Any]:
        if self.marks is None:
            return {}
        cached = self._open_cache.get(portfolio_id)
        if cached is None or cached[0] != self.db.version:
            version = self.db.version
            cached = (version, await positions_repo.open_positions(self.db.reader, {"portfolio_id": portfolio_id}))
            self._open_cache[portfolio_id] = cached
        marks = await self.marks.marks_of(cached[1], self.clock.today_ny())
        return option_totals(marks, total_pnl_cents)
