"""The watchlist (FR-19): symbols to scan for opportunities, global or per portfolio, with notes and a profile."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from wheeld.clock import Clock, utc_iso
from wheeld.db import portfolios as portfolio_repo
from wheeld.db import watchlist as repo
from wheeld.db.connection import Database, Row
from wheeld.errors import Conflict, NotFound, ValidationError
from wheeld.services.listing import Page, Paged


def entry_dict(row: Row) -> dict[str, Any]:
    """A watchlist row as the API shows it."""
    return {
        "id": row["id"],
        "symbol": row["symbol"],
        "portfolio_id": row["portfolio_id"],
        "portfolio_name": row["portfolio_name"],
        "scope": "portfolio" if row["portfolio_id"] is not None else "global",
        "notes": row["notes"],
        "profile": row["profile"],
        "created_at": row["created_at"],
    }


def _where(portfolio_id: int | None) -> str:
    return f"portfolio {portfolio_id}'s watchlist" if portfolio_id is not None else "the global watchlist"


class WatchlistService:
    """Watchlist entries over the database; profiles are checked against the configured ones."""

    def __init__(self, db: Database, clock: Clock, profiles: Callable[[], Iterable[str]]) -> None:
        self.db = db
        self.clock = clock
        self._profiles = profiles

    async def add(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Add a symbol (to a portfolio's list when `portfolio_id` is given, else the global one)."""
        symbol, portfolio_id, profile = spec["symbol"], spec.get("portfolio_id"), spec.get("profile")
        known = sorted(self._profiles())
        if profile is not None and profile not in known:
            raise ValidationError.field("profile", profile, f"must be one of {', '.join(known)}")
        async with self.db.transaction() as conn:
            if portfolio_id is not None and await portfolio_repo.get_portfolio(conn, portfolio_id) is None:
                raise NotFound(f"portfolio {portfolio_id} not found", {"portfolio_id": portfolio_id})
            try:
                entry_id = await repo.insert_entry(
                    conn, symbol, portfolio_id, spec.get("notes", ""), profile, utc_iso(self.clock.now())
                )
            except sqlite3.IntegrityError:
                raise Conflict(
                    f"{symbol} is already on {_where(portfolio_id)}",
                    {"field": "symbol", "value": symbol, "portfolio_id": portfolio_id},
                ) from None
            row = await repo.get_entry(conn, entry_id)
        assert row is not None
        return entry_dict(row)

    async def list(self, page: Page, portfolio_id: int | None = None, global_only: bool = False) -> Paged:
        """A page of entries: all of them, one portfolio's, or the global ones."""
        rows, total = await repo.list_entries(self.db.reader, portfolio_id, global_only, page.page_size, page.offset)
        return Paged([entry_dict(r) for r in rows], total, page)

    async def remove(self, symbol: str, portfolio_id: int | None = None) -> None:
        """Remove a symbol from a portfolio's list (or the global one); NotFound when it is not there."""
        async with self.db.transaction() as conn:
            if not await repo.delete_entry(conn, symbol, portfolio_id):
                raise NotFound(
                    f"{symbol} is not on {_where(portfolio_id)}", {"symbol": symbol, "portfolio_id": portfolio_id}
                )

    async def scan_entries(self, portfolio_id: int | None = None) -> list[dict[str, Any]]:
        """The entries a scan covers: all, or a portfolio's own and the global ones."""
        return [entry_dict(r) for r in await repo.scan_entries(self.db.reader, portfolio_id)]
