"""Trades: record, read, list, update notes, settle and roll — each move one transaction (FR-6, FR-7)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import aiosqlite

from wheeld.clock import NEW_YORK, Clock, utc_iso
from wheeld.db import trades as repo
from wheeld.db import wheels as wheel_repo
from wheeld.db.connection import Database, Row
from wheeld.domain.vocabulary import SHARES_PER_CONTRACT, Direction, Outcome, WheelState
from wheeld.domain.wheel_state import OpenTerms, Settlement, WheelPosition, check_open, roll, settle
from wheeld.errors import InvalidState, NotFound, ValidationError
from wheeld.services.listing import Page, Paged, order_clause
from wheeld.services.records import trade_dict
from wheeld.services.wheels import wheel_not_found

CSV_CHUNK = 1000


@dataclass(frozen=True)
class Warning_:
    """Something the trader should know; the record is kept anyway (the record follows the broker)."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"code": self.code, "message": self.message}


def total_premium_cents(spec: dict[str, Any], contracts: int) -> int:
    """Total premium in cents from `total_premium_cents` or `premium_per_share` (exactly one)."""
    has_total, has_per_share = "total_premium_cents" in spec, "premium_per_share" in spec
    if has_total == has_per_share:
        raise ValidationError.field("total_premium", None, "give exactly one of total_premium or premium_per_share")
    if has_total:
        return int(spec["total_premium_cents"])
    total = Decimal(spec["premium_per_share"]) * SHARES_PER_CONTRACT * contracts * 100
    if total != total.to_integral_value():
        raise ValidationError.field(
            "premium_per_share",
            float(spec["premium_per_share"]),
            "premium per share × 100 × contracts must come to whole cents",
        )
    return int(total)


def _position(row: Row) -> WheelPosition:
    return WheelPosition(WheelState(row["state"]), row["shares"], row["cost_basis_cents"], row["cycle"])


def _terms(row: Row) -> OpenTerms:
    return OpenTerms(
        Direction(row["direction"]),
        row["strike_cents"],
        row["contracts"],
        row["total_premium_cents"],
        row["fees_cents"],
    )


class TradeService:
    """Trade use cases over the database."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _moment(self, given: datetime | None, field: str) -> datetime:
        now = self.clock.now()
        moment = given or now
        if moment > now:
            raise ValidationError.field(field, utc_iso(moment), "cannot be in the future")
        return moment

    async def _new_trade(
        self,
        conn: aiosqlite.Connection,
        wheel: Row,
        spec: dict[str, Any],
        opened: datetime,
        rolled_from: int | None,
    ) -> tuple[int, list[Warning_]]:
        contracts = spec["contracts"]
        premium = total_premium_cents(spec, contracts)
        opened_on = opened.astimezone(NEW_YORK).date()
        expiration: date = spec["expiration_date"]
        if expiration < opened_on:
            raise ValidationError.field(
                "expiration_date",
                expiration.isoformat(),
                f"must not be before the opening date {opened_on.isoformat()}",
            )
        warnings = []
        collateral = spec["strike_cents"] * SHARES_PER_CONTRACT * contracts
        if spec["direction"] == "put" and collateral > wheel["capital_allocated_cents"]:
            warnings.append(
                Warning_(
                    "INSUFFICIENT_CAPITAL",
                    f"the put's collateral ${collateral / 100:,.2f} exceeds the wheel's capital "
                    f"${wheel['capital_allocated_cents'] / 100:,.2f}",
                )
            )
        if expiration < self.clock.today_ny():
            warnings.append(
                Warning_(
                    "EXPIRATION_PASSED",
                    f"{expiration.isoformat()} is past: recorded as history, settle it next",
                )
            )
        stamp = utc_iso(self.clock.now())
        trade_id = await repo.insert_trade(
            conn,
            {
                "wheel_id": wheel["id"],
                "symbol": wheel["symbol"],
                "direction": spec["direction"],
                "strike_cents": spec["strike_cents"],
                "expiration_date": expiration.isoformat(),
                "contracts": contracts,
                "total_premium_cents": premium,
                "fees_cents": spec.get("fees_cents", 0),
                "cycle": wheel["cycle"],
                "opened_at": utc_iso(opened),
                "opened_on": opened_on.isoformat(),
                "rolled_from_id": rolled_from,
                "notes": spec.get("notes", ""),
                "tags": json.dumps(spec.get("tags", [])),
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        return trade_id, warnings

    async def record(self, wheel_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """Sell a put (from cash) or a covered call (from shares)."""
        async with self.db.transaction() as conn:
            return await self.record_in(conn, wheel_id, spec)

    async def record_in(self, conn: aiosqlite.Connection, wheel_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """`record` inside the caller's transaction (the broker import applies many moves in one)."""
        opened = self._moment(spec.get("opened_at"), "opened_at")
        wheel = await wheel_repo.get_wheel(conn, wheel_id)
        if wheel is None:
            raise wheel_not_found(wheel_id)
        if wheel["archived_at"] is not None:
            raise InvalidState(
                "the wheel is archived; restore it (archived: false) to trade it",
                {"state": wheel["state"], "archived": True},
            )
        after = check_open(_position(wheel), Direction(spec["direction"]), spec["contracts"])
        trade_id, warnings = await self._new_trade(conn, wheel, spec, opened, None)
        await wheel_repo.update_wheel(conn, wheel_id, {"state": str(after.state)}, utc_iso(self.clock.now()))
        row = await repo.get_trade(conn, trade_id)
        assert row is not None
        return {
            **trade_dict(row),
            "wheel_state": str(after.state),
            "warnings": [w.as_dict() for w in warnings],
        }

    async def get(self, trade_id: int) -> dict[str, Any]:
        """One trade."""
        row = await repo.get_trade(self.db.reader, trade_id)
        if row is None:
            raise NotFound(f"trade {trade_id} not found", {"trade_id": trade_id})
        return trade_dict(row)

    async def list(self, filters: dict[str, Any], page: Page, sort: str | None = None) -> Paged:
        """A page of the trade history."""
        await self._check_filter_targets(filters)
        order = order_clause(sort, repo.SORTABLE, table="t")
        rows = await repo.list_trades(self.db.reader, filters, order, page.page_size, page.offset)
        total = await repo.count_trades(self.db.reader, filters)
        return Paged([trade_dict(r) for r in rows], total, page)

    async def iter_all(self, filters: dict[str, Any], sort: str | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """The whole selection in chunks (CSV export), in a stable order."""
        await self._check_filter_targets(filters)
        order = order_clause(sort, repo.SORTABLE, table="t")
        offset = 0
        while True:
            rows = await repo.list_trades(self.db.reader, filters, order, CSV_CHUNK, offset)
            if not rows:
                return
            yield [trade_dict(r) for r in rows]
            offset += len(rows)

    async def _check_filter_targets(self, filters: dict[str, Any]) -> None:
        if (
            filters.get("wheel_id") is not None
            and await wheel_repo.get_wheel(self.db.reader, filters["wheel_id"]) is None
        ):
            raise wheel_not_found(filters["wheel_id"])

    async def update(self, trade_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change notes and tags (any trade) or fees (open trades only: settled economics are fixed)."""
        now = utc_iso(self.clock.now())
        columns: dict[str, Any] = {}
        if "notes" in changes:
            columns["notes"] = changes["notes"]
        if "tags" in changes:
            columns["tags"] = json.dumps(changes["tags"])
        async with self.db.transaction() as conn:
            row = await repo.get_trade(conn, trade_id)
            if row is None:
                raise NotFound(f"trade {trade_id} not found", {"trade_id": trade_id})
            if "fees_cents" in changes:
                if row["outcome"] != Outcome.OPEN:
                    raise InvalidState(
                        f"the trade is {row['outcome']}: its economics (fees) are fixed; "
                        "only notes and tags can change",
                        {"outcome": row["outcome"]},
                    )
                columns["fees_cents"] = changes["fees_cents"]
            await repo.update_trade(conn, trade_id, columns, now)
            updated = await repo.get_trade(conn, trade_id)
        assert updated is not None
        return trade_dict(updated)

    async def _load_open(self, conn: aiosqlite.Connection, trade_id: int) -> tuple[Row, Row]:
        trade = await repo.get_trade(conn, trade_id)
        if trade is None:
            raise NotFound(f"trade {trade_id} not found", {"trade_id": trade_id})
        wheel = await wheel_repo.get_wheel(conn, trade["wheel_id"])
        assert wheel is not None  # foreign key
        return trade, wheel

    async def settle(self, trade_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """Settle an open option as expired, assigned or closed (bought back), all of it or `contracts` of it.

        Settling part of a trade splits it: this trade keeps the settled contracts and its share of the
        premium and fees (rounded half up to the cent); a new open trade takes the rest (`remainder`).
        """
        async with self.db.transaction() as conn:
            return await self.settle_in(conn, trade_id, spec)

    async def settle_in(self, conn: aiosqlite.Connection, trade_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """`settle` inside the caller's transaction."""
        outcome = Outcome(spec["outcome"])
        if outcome is Outcome.CLOSED and spec.get("close_cost_cents") is None:
            raise ValidationError.field("close_cost", None, "required when the outcome is closed")
        if outcome is not Outcome.CLOSED and spec.get("close_cost_cents") is not None:
            raise ValidationError.field(
                "close_cost", spec["close_cost_cents"] / 100, "only a closed trade has a close cost"
            )
        settled_at = self._moment(spec.get("settled_at"), "settled_at")
        trade, wheel = await self._load_open(conn, trade_id)
        result = settle(
            _position(wheel),
            Outcome(trade["outcome"]),
            _terms(trade),
            outcome,
            spec.get("close_cost_cents"),
            spec.get("fees_cents", 0),
            spec.get("contracts"),
        )
        warnings = self._settle_warnings(trade, outcome, settled_at, spec.get("stock_price_at_expiry_cents"))
        await self._write_settlement(conn, trade, wheel, result, settled_at, spec.get("stock_price_at_expiry_cents"))
        remainder_id = None
        if result.remaining is not None:  # after the settlement: one open trade per wheel is a unique index
            remainder_id = await self._split_off(conn, trade, result.remaining)
        row = await repo.get_trade(conn, trade_id)
        assert row is not None
        settled = {
            **trade_dict(row),
            "wheel_state": str(result.wheel.state),
            "warnings": [w.as_dict() for w in warnings],
        }
        if remainder_id is not None:  # only after a split: a whole settlement answers as it always did
            remainder = await repo.get_trade(conn, remainder_id)
            assert remainder is not None
            settled["remainder"] = trade_dict(remainder)
        return settled

    async def _split_off(self, conn: aiosqlite.Connection, trade: Row, rest: OpenTerms) -> int:
        """The contracts left open by a partial settlement, as a new open trade opened when this one was."""
        stamp = utc_iso(self.clock.now())
        note = f"split from trade {trade['id']} (part of it settled)"
        return await repo.insert_trade(
            conn,
            {
                "wheel_id": trade["wheel_id"],
                "symbol": trade["symbol"],
                "direction": trade["direction"],
                "strike_cents": trade["strike_cents"],
                "expiration_date": trade["expiration_date"],
                "contracts": rest.contracts,
                "total_premium_cents": rest.total_premium_cents,
                "fees_cents": rest.fees_cents,
                "cycle": trade["cycle"],
                "opened_at": trade["opened_at"],
                "opened_on": trade["opened_on"],
                "notes": f"{trade['notes']} — {note}" if trade["notes"] else note,
                "tags": trade["tags"],
                "created_at": stamp,
                "updated_at": stamp,
            },
        )

    async def _write_settlement(
        self,
        conn: aiosqlite.Connection,
        trade: Row,
        wheel: Row,
        result: Settlement,
        settled_at: datetime,
        stock_price_cents: int | None,
    ) -> None:
        opened_at = datetime.fromisoformat(trade["opened_at"].replace("Z", "+00:00"))
        if settled_at < opened_at:
            raise ValidationError.field(
                "settled_at",
                utc_iso(settled_at),
                f"must not be before the trade opened ({trade['opened_at']})",
            )
        now = utc_iso(self.clock.now())
        await repo.update_trade(
            conn,
            trade["id"],
            {
                "outcome": str(result.outcome),
                "result": str(result.result),
                **_part_columns(result),
                "close_cost_cents": result.close_cost_cents,
                "fees_cents": result.fees_cents,
                "stock_price_at_expiry_cents": stock_price_cents,
                "realized_stock_pnl_cents": result.realized_stock_pnl_cents,
                "settled_at": utc_iso(settled_at),
                "settled_on": settled_at.astimezone(NEW_YORK).date().isoformat(),
            },
            now,
        )
        after = result.wheel
        await wheel_repo.update_wheel(
            conn,
            wheel["id"],
            {
                "state": str(after.state),
                "shares": after.shares,
                "cost_basis_cents": after.cost_basis_cents,
                "cycle": after.cycle,
            },
            now,
        )

    def _settle_warnings(
        self, trade: Row, outcome: Outcome, settled_at: datetime, price_cents: int | None
    ) -> list[Warning_]:
        warnings = []
        settled_on = settled_at.astimezone(NEW_YORK).date().isoformat()
        if outcome is Outcome.EXPIRED and settled_on < trade["expiration_date"]:
            warnings.append(
                Warning_(
                    "EARLY_EXPIRATION",
                    f"settled as expired on {settled_on}, before its expiration {trade['expiration_date']}",
                )
            )
        if price_cents is not None and outcome in (Outcome.EXPIRED, Outcome.ASSIGNED):
            strike, is_put = trade["strike_cents"], trade["direction"] == "put"
            itm = price_cents < strike if is_put else price_cents > strike
            if outcome is Outcome.EXPIRED and itm:
                warnings.append(
                    Warning_(
                        "PRICE_SUGGESTS_ITM",
                        "the stock price at expiry puts this option in the money; check it was not assigned",
                    )
                )
            if outcome is Outcome.ASSIGNED and not itm:
                warnings.append(
                    Warning_(
                        "PRICE_SUGGESTS_OTM",
                        "the stock price at expiry leaves this option out "
                        "of the money; assignment was early or unusual",
                    )
                )
        return warnings

    async def roll(self, trade_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """Buy back the open option and sell the next one, linked both ways, in one transaction."""
        async with self.db.transaction() as conn:
            return await self.roll_in(conn, trade_id, spec)

    async def roll_in(self, conn: aiosqlite.Connection, trade_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """`roll` inside the caller's transaction."""
        settled_at = self._moment(spec.get("rolled_at"), "rolled_at")
        new_spec = dict(spec["new"])
        trade, wheel = await self._load_open(conn, trade_id)
        new_spec.setdefault("contracts", trade["contracts"])
        new_spec["direction"] = trade["direction"]
        new_terms = OpenTerms(
            Direction(trade["direction"]),
            new_spec["strike_cents"],
            new_spec["contracts"],
            total_premium_cents(new_spec, new_spec["contracts"]),
            new_spec.get("fees_cents", 0),
        )
        result = roll(
            _position(wheel),
            Outcome(trade["outcome"]),
            _terms(trade),
            spec["close_cost_cents"],
            new_terms,
            spec.get("fees_cents", 0),
        )
        await self._write_settlement(conn, trade, wheel, result, settled_at, None)
        new_id, warnings = await self._new_trade(conn, wheel, new_spec, settled_at, trade["id"])
        await repo.update_trade(conn, trade["id"], {"rolled_to_id": new_id}, utc_iso(self.clock.now()))
        closed = await repo.get_trade(conn, trade["id"])
        opened = await repo.get_trade(conn, new_id)
        assert closed is not None and opened is not None
        return {
            "closed": trade_dict(closed),
            "opened": trade_dict(opened),
            "wheel_state": wheel["state"],
            "warnings": [w.as_dict() for w in warnings],
        }


def _part_columns(result: Settlement) -> dict[str, int]:
    """The settled part's contracts and premium when a settlement split the trade (nothing otherwise)."""
    if result.remaining is None or result.settled is None:
        return {}
    return {"contracts": result.settled.contracts, "total_premium_cents": result.settled.total_premium_cents}
