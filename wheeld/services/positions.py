"""Live position status of open short options: price, DTE, moneyness, risk (FR-8..FR-10).

All symbols of a request are priced with one batched quote call (served from the shared cache).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from wheeld.clock import Clock, utc_iso
from wheeld.db import positions as repo
from wheeld.db import totals as totals_repo
from wheeld.db.connection import Database, Row
from wheeld.domain.dte import calendar_dte
from wheeld.domain.money import to_cents
from wheeld.domain.risk import (
    RISK_ICONS,
    breakeven_cents,
    is_approaching_expiration,
    moneyness,
    risk_level,
)
from wheeld.domain.vocabulary import SHARES_PER_CONTRACT, Direction
from wheeld.errors import InvalidState
from wheeld.market_calendar import TradingCalendar
from wheeld.marketdata.models import Quote
from wheeld.marketdata.service import MarketData
from wheeld.services.option_advice import OptionMarks, advice_fields, mark_fields
from wheeld.services.wheels import wheel_not_found


@dataclass(frozen=True)
class RiskSettings:
    """Thresholds from config: the MEDIUM cushion and the 'approaching expiration' DTE."""

    medium_threshold_pct: float = 5.0
    approaching_dte: int = 3


def position_status(
    row: Row, quote: Quote | None, today: date, calendar: TradingCalendar, risk: RiskSettings
) -> dict[str, Any]:
    """One open short option's status at `quote` (price fields are None when there is no quote)."""
    direction = Direction(row["direction"])
    expiration = date.fromisoformat(row["expiration_date"])
    net = row["total_premium_cents"] - row["fees_cents"]
    per_share = Decimal(net) / (SHARES_PER_CONTRACT * row["contracts"])
    dte = calendar_dte(today, expiration)
    status: dict[str, Any] = {
        "trade_id": row["trade_id"],
        "wheel_id": row["wheel_id"],
        "portfolio_id": row["portfolio_id"],
        "symbol": row["symbol"],
        "state": row["state"],
        "direction": row["direction"],
        "strike": row["strike_cents"],
        "expiration_date": row["expiration_date"],
        "contracts": row["contracts"],
        "dte_calendar": dte,
        "dte_trading": calendar.trading_dte(today, expiration),
        "approaching_expiration": is_approaching_expiration(dte, risk.approaching_dte),
        "premium_collected": row["total_premium_cents"],
        "net_premium": net,
        "breakeven": float(
            (breakeven_cents(direction, row["strike_cents"], per_share) / 100).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
        ),
        "shares": row["shares"],
        "opened_at": row["opened_at"],
        "current_price": None,
        "price_source": None,
        "price_as_of": None,
        "price_age_seconds": None,
        "price_stale": None,
        "moneyness_pct": None,
        "is_itm": None,
        "distance": None,
        "risk_level": None,
        "risk_icon": None,
    }
    if quote is None:
        return status
    price_cents = to_cents(quote.price)
    money = moneyness(direction, row["strike_cents"], price_cents)
    level = risk_level(money, risk.medium_threshold_pct)
    status.update(
        {
            "current_price": price_cents,
            "price_source": quote.source,
            "price_as_of": utc_iso(quote.as_of),
            "price_age_seconds": round(quote.age_seconds, 1),
            "price_stale": quote.stale,
            "moneyness_pct": money.pct,
            "is_itm": money.is_itm,
            "distance": float(money.distance),
            "risk_level": str(level),
            "risk_icon": RISK_ICONS[level],
        }
    )
    return status


class PositionService:
    """Position status for one wheel or many, priced in one batched call."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        market: MarketData,
        calendar: TradingCalendar,
        risk: RiskSettings | None = None,
        marks: OptionMarks | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.market = market
        self.calendar = calendar
        self.risk = risk or RiskSettings()
        self.marks = marks

    async def _marked(self, rows: list[Row], statuses: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
        """Add each position's mark (option_mark, cost_to_close, captured %) and its advice."""
        if self.marks is None or not rows:
            return statuses
        chains = await self.marks.chains(rows, today)
        marked = [self.marks.mark(r, chains, today) for r in rows]
        money = [
            moneyness(Direction(r["direction"]), r["strike_cents"], s["current_price"]).exact_pct
            if s["current_price"] is not None
            else None
            for r, s in zip(rows, statuses, strict=True)
        ]
        calls = [r["wheel_id"] for r in rows if r["direction"] == "call"]
        nets = await totals_repo.cycle_nets(self.db.reader, calls) if calls else {}
        advice = await self.marks.advise(
            rows, [m for m, _ in marked], money, nets, today, self.risk.medium_threshold_pct
        )
        for status, (mark, chain), advised in zip(statuses, marked, advice, strict=True):
            status.update(mark_fields(mark, chain))
            status["advice"] = advice_fields(advised)
        return statuses

    async def open_positions(self, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every open short option matching the filters, priced; risk_level filters after pricing."""
        rows = await repo.open_positions(self.db.reader, filters)
        quotes = await self.market.quotes({r["symbol"] for r in rows}) if rows else {}
        today = self.clock.today_ny()
        statuses = [position_status(r, quotes.get(r["symbol"]), today, self.calendar, self.risk) for r in rows]
        wanted = filters.get("risk_level")
        if wanted:
            kept = [(r, s) for r, s in zip(rows, statuses, strict=True) if s["risk_level"] == wanted]
            rows, statuses = [r for r, _ in kept], [s for _, s in kept]
        return await self._marked(rows, statuses, today)

    async def for_wheel(self, wheel_id: int) -> dict[str, Any]:
        """The status of a wheel's open option; INVALID_STATE when it has none."""
        rows = await repo.open_positions(self.db.reader, {"wheel_id": wheel_id})
        if not rows:
            wheel = await self.db.fetch_one("SELECT state, symbol FROM wheels WHERE id = ?", (wheel_id,))
            if wheel is None:
                raise wheel_not_found(wheel_id)
            raise InvalidState(
                f"the {wheel['symbol']} wheel is in state {wheel['state']}: it has no open option",
                {"state": wheel["state"]},
            )
        quote = (await self.market.quotes([rows[0]["symbol"]])).get(rows[0]["symbol"])
        today = self.clock.today_ny()
        status = position_status(rows[0], quote, today, self.calendar, self.risk)
        (status,) = await self._marked(rows[:1], [status], today)
        return status
