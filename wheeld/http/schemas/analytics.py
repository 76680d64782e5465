"""Snapshot, trend and performance payloads."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wheeld.http.schemas.common import CsvQuery, IsoDate, Money, PageQuery, Symbol, Timestamp, id_field
from wheeld.http.schemas.positions import RISK_LEVELS
from wheeld.http.schemas.wheels import DIRECTIONS, OUTCOMES


class Snapshot(Schema):
    """One open trade on one New York date: price, DTE, moneyness, risk, option mark."""

    id = fields.Integer(required=True)
    trade_id = fields.Integer(required=True)
    wheel_id = fields.Integer(required=True)
    portfolio_id = fields.Integer(required=True)
    symbol = fields.String(required=True, metadata={"example": "AAPL"})
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    strike = Money(required=True)
    expiration_date = fields.String(required=True, metadata={"format": "date"})
    snapshot_date = fields.String(required=True, metadata={"format": "date", "example": "2026-11-24"})
    current_price = Money(required=True)
    dte_calendar = fields.Integer(required=True)
    dte_trading = fields.Integer(required=True)
    moneyness_pct = fields.Float(required=True)
    is_itm = fields.Boolean(required=True)
    risk_level = fields.String(required=True, validate=validate.OneOf(RISK_LEVELS))
    risk_icon = fields.String(required=True)
    option_mark = fields.Float(allow_none=True, required=True, metadata={"description": "Per share, if known"})
    premium_captured_pct = fields.Float(
        allow_none=True, required=True, metadata={"description": "(premium per share − mark) / premium per share × 100"}
    )
    price_source = fields.String(required=True, metadata={"example": "simulated"})
    price_as_of = Timestamp(allow_none=True, required=True)
    price_age_seconds = fields.Float(
        allow_none=True, required=True, metadata={"description": "Age of the quote when the snapshot was taken"}
    )
    price_stale = fields.Boolean(
        allow_none=True, required=True, metadata={"description": "Whether that quote was stale then"}
    )
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class SnapshotRun(Schema):
    """What a snapshot run stored."""

    snapshot_date = fields.String(required=True, metadata={"format": "date"})
    taken = fields.Integer(required=True, metadata={"description": "Rows written or updated (idempotent per day)"})
    open_positions = fields.Integer(required=True)
    unpriced_symbols = fields.List(fields.String(), required=True)


class SnapshotCreate(Schema):
    """Take snapshots now: every open position, or one portfolio's."""

    portfolio_id = id_field()


class SnapshotQuery(PageQuery):
    """Snapshot filters."""

    trade_id = id_field()
    wheel_id = id_field()
    portfolio_id = id_field()
    symbol = Symbol()
    start = IsoDate()
    end = IsoDate()
    sort = fields.String(
        load_default="-snapshot_date",
        metadata={"description": "id, snapshot_date, symbol or trade_id; '-' for descending"},
    )


class Point(Schema):
    """A dated value."""

    date = fields.String(required=True)
    value = fields.Float(allow_none=True, required=True)


class MoneynessPoint(Point):
    """A dated moneyness with its ITM flag."""

    is_itm = fields.Boolean(required=True)


class RiskChange(Schema):
    """A change of risk level between two snapshots."""

    date = fields.String(required=True)
    from_ = fields.String(required=True, data_key="from", attribute="from")
    to = fields.String(required=True)


class DecayPoint(Schema):
    """Time decay: the option's mark and the premium captured against DTE."""

    date = fields.String(required=True)
    dte_calendar = fields.Integer(required=True)
    dte_trading = fields.Integer(required=True)
    option_mark = fields.Float(allow_none=True, required=True)
    premium_captured_pct = fields.Float(allow_none=True, required=True)


class Trend(Schema):
    """Series for charts of one trade of a wheel."""

    wheel_id = fields.Integer(required=True)
    trade_id = fields.Integer(required=True)
    symbol = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    strike = Money(required=True)
    expiration_date = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    points = fields.Integer(required=True)
    price = fields.List(fields.Nested(Point), required=True, metadata={"description": "Price in dollars"})
    moneyness = fields.List(fields.Nested(MoneynessPoint), required=True)
    risk_changes = fields.List(fields.Nested(RiskChange), required=True)
    time_decay = fields.List(fields.Nested(DecayPoint), required=True)


class TrendQuery(Schema):
    """Which trade of the wheel (default: its open one, else its latest)."""

    trade_id = id_field()


class Metrics(Schema):
    """PerformanceMetrics (PRD §6.6) with the P&L components, capital and returns."""

    portfolio_id = fields.Integer(allow_none=True, required=True)
    wheel_id = fields.Integer(allow_none=True, required=True)
    symbol = fields.String(allow_none=True, required=True)
    period_start = fields.String(required=True, metadata={"format": "date"})
    period_end = fields.String(required=True, metadata={"format": "date"})
    days = fields.Integer(required=True)
    total_premium = Money(required=True, metadata={"description": "Gross premium collected"})
    total_trades = fields.Integer(required=True)
    open_trades = fields.Integer(required=True)
    settled_trades = fields.Integer(required=True)
    winning_trades = fields.Integer(required=True)
    losing_trades = fields.Integer(required=True)
    win_rate = fields.Float(
        allow_none=True,
        required=True,
        metadata={
            "description": "wins / settled trades, percent (expired or closed for a credit = win); null if none settled"
        },
    )
    cycles_closed = fields.Integer(required=True, metadata={"description": "Cycles (cash to cash) ended in the period"})
    cycles_won = fields.Integer(required=True, metadata={"description": "Closed cycles with a total P&L above 0"})
    cycle_win_rate = fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "cycles_won / cycles_closed, percent; null when no cycle closed"},
    )
    average_premium = Money(required=True, metadata={"description": "Gross premium per trade"})
    fees = Money(required=True)
    close_costs = Money(required=True)
    premium_net = Money(required=True)
    realized_stock_pnl = Money(required=True)
    unrealized_stock_pnl = Money(
        allow_none=True,
        required=True,
        metadata={"description": "Held shares at the last price; null for a period that ends before today"},
    )
    total_pnl = Money(required=True)
    capital_allocated = Money(required=True)
    capital_deployed = Money(
        required=True,
        metadata={"description": "Collateral the period's trades put to work: Σ strike × 100 × contracts"},
    )
    annualized_return = fields.Float(
        allow_none=True, required=True, metadata={"description": "Net premium / collateral-days × 365, percent"}
    )
    return_on_capital = fields.Float(
        allow_none=True, required=True, metadata={"description": "total_pnl / capital_allocated, percent"}
    )
    unpriced_symbols = fields.List(fields.String(), required=True)
    unrealized_option_pnl = Money(
        allow_none=True,
        metadata={
            "example": 140.0,
            "description": "Open options: Σ (total premium − cost to close at the mid); null when one has no mark",
        },
    )
    total_pnl_marked = Money(
        allow_none=True,
        metadata={
            "example": 2089.4,
            "description": "total_pnl less the cost to close the open options; null when one has no mark",
        },
    )
    unmarked_options = fields.Integer(metadata={"description": "Open options without a mark (their figures are null)"})
    price_as_of = fields.String(
        allow_none=True, required=True, metadata={"description": "Time of the oldest quote behind unrealized_stock_pnl"}
    )
    price_age_seconds = fields.Float(
        allow_none=True, required=True, metadata={"description": "now − price_as_of, seconds"}
    )
    price_stale = fields.Boolean(allow_none=True, required=True, metadata={"description": "Any stale price behind it"})
    stale_symbols = fields.List(fields.String(), required=True, metadata={"description": "Held symbols priced stale"})
    cycles = fields.List(
        fields.Nested(lambda: Cycle()),
        metadata={"description": "Wheel scope only (not in CSV): the wheel's cycles, as /wheels/{id}/cycles"},
    )


class CycleTrade(Schema):
    """A trade of a cycle, briefly."""

    id = fields.Integer(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(["put", "call"]))
    strike = Money(required=True)
    contracts = fields.Integer(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["open", "expired", "assigned", "closed", "rolled"]))
    opened_on = fields.String(required=True, metadata={"format": "date"})
    settled_on = fields.String(allow_none=True, required=True, metadata={"format": "date"})
    net_premium = Money(required=True)


class Cycle(Schema):
    """One cycle of a wheel: from leaving cash back to cash, or still open."""

    cycle = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["open", "closed"]))
    start_date = fields.String(required=True, metadata={"format": "date"})
    end_date = fields.String(allow_none=True, required=True, metadata={"format": "date"})
    days = fields.Integer(
        required=True, metadata={"description": "New York calendar days, end − start (to today while open)"}
    )
    trades = fields.List(fields.Nested(CycleTrade), required=True)
    premium_net = Money(required=True)
    realized_stock_pnl = Money(required=True)
    unrealized_stock_pnl = Money(
        allow_none=True, required=True, metadata={"description": "Shares held at the last price; null when unpriced"}
    )
    total_pnl = Money(required=True)
    collateral_days = Money(
        required=True,
        metadata={
            "description": "Σ per day of strike × 100 × contracts (put open) or shares × entry (shares held), $-days"
        },
    )
    annualized_return = fields.Float(
        allow_none=True, required=True, metadata={"description": "total_pnl / collateral_days × 365, percent"}
    )
    result = fields.String(
        allow_none=True, required=True, metadata={"description": "win | loss by total P&L; null while open"}
    )


class WheelCycles(Schema):
    """A wheel's cycles, oldest first."""

    wheel_id = fields.Integer(required=True)
    symbol = fields.String(required=True)
    cycles_closed = fields.Integer(required=True)
    cycles_won = fields.Integer(required=True)
    cycle_win_rate = fields.Float(allow_none=True, required=True)
    price_source = fields.String(allow_none=True, required=True)
    price_as_of = fields.String(allow_none=True, required=True)
    price_age_seconds = fields.Float(allow_none=True, required=True)
    price_stale = fields.Boolean(allow_none=True, required=True)
    cycles = fields.List(fields.Nested(Cycle), required=True)


class PortfolioMetrics(Metrics):
    """A portfolio's metrics in the side-by-side comparison."""

    portfolio_name = fields.String(required=True)


class SymbolMetrics(Metrics):
    """A symbol's metrics in the best-to-worst ranking."""

    rank = fields.Integer(required=True)


class TimelinePoint(Schema):
    """P&L of one day (by settlement date; open trades by opening date) and the running total."""

    date = fields.String(required=True)
    trades = fields.Integer(required=True)
    premium_net = Money(required=True)
    realized_stock_pnl = Money(required=True)
    pnl = Money(required=True)
    cumulative_pnl = Money(required=True)


class Timeline(Schema):
    """Cumulative P&L for charts."""

    period_start = fields.String(required=True)
    period_end = fields.String(required=True)
    points = fields.List(fields.Nested(TimelinePoint), required=True)
    realized_total = Money(required=True)
    unrealized_stock_pnl = Money(allow_none=True, required=True)


class PerformanceQuery(CsvQuery):
    """Scope and period: `period` or `start`/`end` (New York dates); `format=csv` for a file."""

    portfolio_id = id_field()
    wheel_id = id_field()
    symbol = Symbol()
    period = fields.String(
        validate=validate.OneOf(["30d", "90d", "365d", "all"]),
        metadata={"description": "Last N days including today, or all (default all when no start/end)"},
    )
    start = IsoDate()
    end = IsoDate()

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("period") and (data.get("start") or data.get("end")):
            raise ValidationError("give either period or start/end, not both", "period")
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("must not be after end", "start")
