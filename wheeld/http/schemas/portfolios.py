"""Portfolio requests and responses."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from wheeld.http.schemas.common import Money, MoneyIn, PageQuery, Timestamp


def _not_blank(value: str) -> None:
    # The table's CHECK trims the name: one of spaces only was a 500 there instead of a 400 here.
    if not value.strip():
        raise ValidationError("must not be blank")


_NAME = [validate.Length(min=1, max=100), _not_blank]


class PortfolioCreate(Schema):
    """A new portfolio."""

    name = fields.String(required=True, validate=_NAME, metadata={"example": "Income"})
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    default_capital = MoneyIn(
        load_default=0,
        attribute="default_capital_cents",
        metadata={"example": 50000.0, "description": "Capital a new wheel gets by default"},
    )


class PortfolioUpdate(Schema):
    """Changes to a portfolio (any subset)."""

    name = fields.String(validate=_NAME)
    description = fields.String(validate=validate.Length(max=1000))
    default_capital = MoneyIn(attribute="default_capital_cents")
    is_default = fields.Boolean(
        validate=validate.Equal(True), metadata={"description": "true makes this the default portfolio"}
    )


class Portfolio(Schema):
    """A portfolio."""

    id = fields.Integer(required=True, metadata={"example": 1})
    name = fields.String(required=True, metadata={"example": "Income"})
    description = fields.String(required=True, metadata={"example": "Dividend names, conservative"})
    default_capital = Money(required=True, metadata={"example": 50000.0})
    is_default = fields.Boolean(required=True)
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class PortfolioListQuery(PageQuery):
    """Paging and sorting of portfolios."""

    sort = fields.String(
        load_default="id",
        metadata={"description": "id, name, created_at or default_capital; prefix '-' for descending"},
    )


class PortfolioSummary(Schema):
    """FR-2 figures of a portfolio with the P&L components."""

    portfolio_id = fields.Integer(required=True, metadata={"example": 1})
    total_wheels = fields.Integer(required=True, metadata={"example": 3})
    active_wheels = fields.Integer(required=True, metadata={"example": 2})
    open_positions = fields.Integer(required=True, metadata={"example": 2})
    capital_allocated = Money(required=True, metadata={"example": 30000.0})
    total_trades = fields.Integer(required=True, metadata={"example": 12})
    total_premium = Money(required=True, metadata={"example": 2150.0, "description": "Gross premium collected"})
    fees = Money(required=True, metadata={"example": 15.6})
    close_costs = Money(required=True, metadata={"example": 120.0})
    premium_net = Money(required=True, metadata={"example": 2014.4, "description": "Premium − close costs − fees"})
    realized_stock_pnl = Money(required=True, metadata={"example": 300.0})
    unrealized_stock_pnl = Money(required=True, metadata={"example": -85.0})
    net_pnl = Money(
        required=True,
        metadata={"example": 2229.4, "description": "premium_net + realized + unrealized stock P&L"},
    )
    wins = fields.Integer(required=True, metadata={"example": 8})
    losses = fields.Integer(required=True, metadata={"example": 2})
    win_rate = fields.Float(
        allow_none=True,
        required=True,
        metadata={"example": 80.0, "description": "Percent of settled trades; null when none is settled"},
    )
    unpriced_symbols = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Held symbols with no known price (their unrealized P&L is left out)"},
    )
    price_as_of = fields.String(
        allow_none=True, required=True, metadata={"description": "Time of the oldest quote behind unrealized_stock_pnl"}
    )
    price_age_seconds = fields.Float(allow_none=True, required=True, metadata={"description": "now − price_as_of"})
    price_stale = fields.Boolean(allow_none=True, required=True, metadata={"description": "Any stale price behind it"})
    stale_symbols = fields.List(fields.String(), required=True, metadata={"description": "Held symbols priced stale"})
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
            "description": "net_pnl less the cost to close the open options; null when one has no mark",
        },
    )
    unmarked_options = fields.Integer(metadata={"description": "Open options without a mark (their figures are null)"})
