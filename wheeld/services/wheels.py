"""Wheels: create in a portfolio, read with state and cost basis, list, update, archive, delete (FR-4/5)."""

from __future__ import annotations

import sqlite3
from typing import Any

import aiosqlite

from wheeld.clock import Clock, utc_iso
from wheeld.db import portfolios as portfolio_repo
from wheeld.db import totals as totals_repo
from wheeld.db import trades as trade_repo
from wheeld.db import wheels as repo
from wheeld.db.connection import Database
from wheeld.domain.vocabulary import WheelState
from wheeld.errors import Conflict, InvalidState, NotFound, ValidationError
from wheeld.services.listing import Page, Paged, order_clause
from wheeld.services.records import wheel_dict


def wheel_not_found(wheel_id: int) -> NotFound:
    """The NotFound for an unknown wheel id."""
    return NotFound(f"wheel {wheel_id} not found", {"wheel_id": wheel_id})


class WheelService:
    """Wheel use cases over the database."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def create(self, portfolio_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """Start a wheel in a portfolio: in cash (sell puts) or in shares (sell calls)."""
        async with self.db.transaction() as conn:
            wheel_id = await self.create_in(conn, portfolio_id, spec)
        return await self.get(wheel_id)

    async def create_in(self, conn: aiosqlite.Connection, portfolio_id: int, spec: dict[str, Any]) -> int:
        """`create` inside the caller's transaction (the broker import); returns the new wheel's id."""
        now = utc_iso(self.clock.now())
        starting = spec.get("starting_direction", "put")
        shares, basis = spec.get("shares"), spec.get("cost_basis_cents")
        if starting == "call":
            if not shares:
                raise ValidationError.field("shares", shares, "required (and > 0) when starting_direction is call")
            if basis is None or basis <= 0:
                raise ValidationError.field("cost_basis", None, "required (and > 0) when starting_direction is call")
        elif shares or basis is not None:
            raise ValidationError.field(
                "starting_direction", starting, "shares and cost_basis need starting_direction 'call'"
            )
        portfolio = await portfolio_repo.get_portfolio(conn, portfolio_id)
        if portfolio is None:
            raise NotFound(f"portfolio {portfolio_id} not found", {"portfolio_id": portfolio_id})
        if await repo.active_symbol_taken(conn, portfolio_id, spec["symbol"]):
            raise Conflict(
                f"portfolio {portfolio['name']!r} already has an active {spec['symbol']} wheel",
                {"field": "symbol", "value": spec["symbol"], "portfolio_id": portfolio_id},
            )
        capital = spec.get("capital_allocated_cents")
        wheel_id = await repo.insert_wheel(
            conn,
            {
                "portfolio_id": portfolio_id,
                "symbol": spec["symbol"],
                "state": str(WheelState.SHARES if starting == "call" else WheelState.CASH),
                "profile": spec.get("profile", "moderate"),
                "capital_allocated_cents": portfolio["default_capital_cents"] if capital is None else capital,
                "shares": shares or 0,
                "cost_basis_cents": basis if starting == "call" else None,
                "starting_direction": starting,
                "notes": spec.get("notes", ""),
                "created_at": now,
                "updated_at": now,
            },
        )
        return wheel_id

    async def take_shares_in(
        self, conn: aiosqlite.Connection, wheel_id: int, shares: int, cost_basis_cents: int
    ) -> None:
        """A wheel in cash takes shares held outside wheeld (as if it had started in shares)."""
        row = await repo.get_wheel(conn, wheel_id)
        if row is None:
            raise wheel_not_found(wheel_id)
        if row["state"] != WheelState.CASH:
            raise InvalidState(f"the wheel is in {row['state']}, not cash", {"state": row["state"]})
        changes = {"state": str(WheelState.SHARES), "shares": shares, "cost_basis_cents": cost_basis_cents}
        await repo.update_wheel(conn, wheel_id, changes, utc_iso(self.clock.now()))

    async def get(self, wheel_id: int) -> dict[str, Any]:
        """One wheel with state, shares, cost basis, adjusted cost basis and its open option."""
        conn = self.db.reader
        row = await repo.get_wheel(conn, wheel_id)
        if row is None:
            raise wheel_not_found(wheel_id)
        open_trade = await trade_repo.open_trade_of(conn, wheel_id)
        nets = await totals_repo.cycle_nets(conn, [wheel_id])
        return wheel_dict(row, open_trade, nets.get(wheel_id, 0))

    async def list(self, filters: dict[str, Any], page: Page, sort: str | None = None) -> Paged:
        """A page of wheels (active ones unless `archived` says otherwise)."""
        order = order_clause(sort, repo.SORTABLE, table="w")
        rows, total = await repo.list_wheels(self.db.reader, filters, order, page.page_size, page.offset)
        ids = [r["id"] for r in rows]
        opens = await trade_repo.open_trades_of(self.db.reader, ids)
        nets = await totals_repo.cycle_nets(self.db.reader, ids)
        return Paged([wheel_dict(r, opens.get(r["id"]), nets.get(r["id"], 0)) for r in rows], total, page)

    async def update(self, wheel_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change profile, capital, notes; archive (`archived: true`) or restore a wheel."""
        now = utc_iso(self.clock.now())
        columns = {k: v for k, v in changes.items() if k in ("profile", "capital_allocated_cents", "notes")}
        async with self.db.transaction() as conn:
            row = await repo.get_wheel(conn, wheel_id)
            if row is None:
                raise wheel_not_found(wheel_id)
            archived = changes.get("archived")
            if archived is True and row["archived_at"] is None:
                if row["state"] in (WheelState.SHORT_PUT, WheelState.SHORT_CALL):
                    raise InvalidState(
                        f"the wheel has an open option ({row['state']}); settle it before archiving",
                        {"state": row["state"]},
                    )
                columns["archived_at"] = now
            elif archived is False and row["archived_at"] is not None:
                if await repo.active_symbol_taken(conn, row["portfolio_id"], row["symbol"], wheel_id):
                    raise Conflict(
                        f"the portfolio already has an active {row['symbol']} wheel",
                        {"field": "archived", "value": False},
                    )
                columns["archived_at"] = None
            try:
                await repo.update_wheel(conn, wheel_id, columns, now)
            except sqlite3.IntegrityError as exc:  # the partial unique index is the last word
                raise Conflict(str(exc), {"wheel_id": wheel_id}) from None
        return await self.get(wheel_id)

    async def delete(self, wheel_id: int) -> None:
        """Delete a wheel and its trades."""
        async with self.db.transaction() as conn:
            if await repo.delete_wheel(conn, wheel_id) == 0:
                raise wheel_not_found(wheel_id)
