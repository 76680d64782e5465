"""A wheel's cycles, cash to cash (GET /api/v1/wheels/{id}/cycles and wheel performance's `cycles`).

The figures are defined in `wheeld.domain.cycles`; this module reads the trades and prices the
shares an open cycle holds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from wheeld.clock import NEW_YORK, Clock, parse_utc
from wheeld.db import totals as repo
from wheeld.db.connection import Database, Row
from wheeld.db.wheels import get_wheel
from wheeld.domain.cycles import Cycle, CycleTrade, WheelStart, cycle_win_rate, wheel_cycles
from wheeld.domain.wheel_state import net_premium_cents
from wheeld.services.pricing import HeldPrices, price_cents, quote_fields
from wheeld.services.wheels import wheel_not_found


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def cycle_trade(row: Row) -> CycleTrade:
    """The domain's CycleTrade from a trade row."""
    opened = _day(row["opened_on"])
    assert opened is not None
    return CycleTrade(
        trade_id=row["id"],
        cycle=row["cycle"],
        direction=row["direction"],
        outcome=row["outcome"],
        strike_cents=row["strike_cents"],
        contracts=row["contracts"],
        premium_cents=row["total_premium_cents"],
        fees_cents=row["fees_cents"],
        close_cost_cents=row["close_cost_cents"],
        realized_stock_pnl_cents=row["realized_stock_pnl_cents"],
        opened_on=opened,
        settled_on=_day(row["settled_on"]),
    )


def cycle_dict(cycle: Cycle, trades: dict[int, Row]) -> dict[str, Any]:
    """One cycle as the API shows it (money in cents until serialization)."""
    return {
        "cycle": cycle.number,
        "status": cycle.status,
        "start_date": cycle.start.isoformat(),
        "end_date": cycle.end.isoformat() if cycle.end else None,
        "days": cycle.days,
        "trades": [
            {
                "id": trades[i]["id"],
                "direction": trades[i]["direction"],
                "strike": trades[i]["strike_cents"],
                "contracts": trades[i]["contracts"],
                "outcome": trades[i]["outcome"],
                "opened_on": trades[i]["opened_on"],
                "settled_on": trades[i]["settled_on"],
                "net_premium": net_premium_cents(
                    trades[i]["total_premium_cents"], trades[i]["close_cost_cents"], trades[i]["fees_cents"]
                ),
            }
            for i in cycle.trade_ids
        ],
        "premium_net": cycle.premium_net_cents,
        "realized_stock_pnl": cycle.realized_stock_pnl_cents,
        "unrealized_stock_pnl": cycle.unrealized_stock_pnl_cents,
        "total_pnl": cycle.total_pnl_cents,
        "collateral_days": cycle.collateral_day_cents,
        "annualized_return": cycle.annualized_return,
        "result": cycle.result,
    }


class WheelCycles:
    """Cycles of one wheel, its open cycle's shares priced like every holding."""

    def __init__(self, db: Database, clock: Clock, prices: HeldPrices | None = None) -> None:
        self.db = db
        self.clock = clock
        self.prices = prices

    async def for_wheel(self, wheel_id: int) -> dict[str, Any]:
        """The wheel's cycles oldest first, with the cycle win rate and the price behind open shares."""
        wheel = await get_wheel(self.db.reader, wheel_id)
        if wheel is None:
            raise wheel_not_found(wheel_id)
        rows = await repo.wheel_trades_for_cycles(self.db.reader, wheel_id)
        quote = None
        if wheel["shares"] > 0 and self.prices is not None:
            quote = (await self.prices.quotes([wheel["symbol"]])).get(wheel["symbol"])
        start = WheelStart(
            created_on=parse_utc(wheel["created_at"]).astimezone(NEW_YORK).date(),
            starting_direction=wheel["starting_direction"],
            current_cycle=wheel["cycle"],
            shares=wheel["shares"],
            cost_basis_cents=wheel["cost_basis_cents"],
        )
        price = price_cents({wheel["symbol"]: quote} if quote else {}, wheel["symbol"])
        cycles = wheel_cycles([cycle_trade(r) for r in rows], start, self.clock.today_ny(), price)
        by_id = {r["id"]: r for r in rows}
        closed = [c for c in cycles if c.status == "closed"]
        return {
            "wheel_id": wheel_id,
            "symbol": wheel["symbol"],
            "cycles_closed": len(closed),
            "cycles_won": sum(1 for c in closed if c.result == "win"),
            "cycle_win_rate": cycle_win_rate(sum(1 for c in closed if c.result == "win"), len(closed)),
            **quote_fields(quote),
            "cycles": [cycle_dict(c, by_id) for c in cycles],
        }
