"""Wheel and trade requests and responses."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wheeld.domain.vocabulary import normalize_profile
from wheeld.http.schemas.common import (
    AwareDateTime,
    CsvQuery,
    IsoDate,
    Money,
    MoneyIn,
    PageQuery,
    StrictBoolean,
    Symbol,
    Timestamp,
    WholeNumber,
    id_field,
)

STATES = ["cash", "short_put", "shares", "short_call"]
OUTCOMES = ["open", "expired", "assigned", "closed", "rolled"]
DIRECTIONS = ["put", "call"]
MAX_CONTRACTS = 10_000
MAX_SHARES = 10_000_000


class Profile(fields.String):
    """A strategy profile: conservative, moderate, aggressive, defensive or a user-defined name."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_profile(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class WheelCreate(Schema):
    """A new wheel: in cash (sells puts first) or, with starting_direction call, already holding shares."""

    symbol = Symbol(required=True)
    profile = Profile(load_default="moderate", metadata={"example": "moderate"})
    capital_allocated = MoneyIn(
        attribute="capital_allocated_cents",
        metadata={"example": 20000.0, "description": "Defaults to the portfolio's default capital"},
    )
    starting_direction = fields.String(load_default="put", validate=validate.OneOf(DIRECTIONS))
    shares = WholeNumber(
        minimum=1,
        maximum=MAX_SHARES,
        metadata={"description": "Shares held (starting_direction call)"},
    )
    cost_basis = MoneyIn(
        attribute="cost_basis_cents",
        allow_zero=False,
        metadata={"description": "Entry price per share (starting_direction call)"},
    )
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class WheelUpdate(Schema):
    """Changes to a wheel; `archived` hides it from active lists (its trades stay in every total)."""

    profile = Profile()
    capital_allocated = MoneyIn(attribute="capital_allocated_cents")
    notes = fields.String(validate=validate.Length(max=2000))
    archived = StrictBoolean()


class Warning(Schema):
    """Something to know about a recorded move (the record is kept)."""

    code = fields.String(required=True, metadata={"example": "INSUFFICIENT_CAPITAL"})
    message = fields.String(required=True)


class Trade(Schema):
    """One short option."""

    id = fields.Integer(required=True, metadata={"example": 7})
    wheel_id = fields.Integer(required=True)
    portfolio_id = fields.Integer(required=True)
    symbol = fields.String(required=True, metadata={"example": "AAPL"})
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    strike = Money(required=True, metadata={"example": 180.0})
    expiration_date = fields.String(required=True, metadata={"format": "date", "example": "2026-12-18"})
    contracts = fields.Integer(required=True, metadata={"example": 1})
    premium_per_share = fields.Float(required=True, metadata={"example": 2.35})
    total_premium = Money(required=True, metadata={"example": 235.0})
    fees = Money(required=True, metadata={"example": 0.65})
    close_cost = Money(allow_none=True, required=True)
    net_premium = Money(required=True, metadata={"description": "total_premium − close_cost − fees"})
    collateral = Money(required=True, metadata={"description": "strike × 100 × contracts"})
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    result = fields.String(allow_none=True, required=True, validate=validate.OneOf(["win", "loss"]))
    stock_price_at_expiry = Money(allow_none=True, required=True)
    realized_stock_pnl = Money(
        required=True,
        metadata={"description": "Stock P&L realized by this settlement (shares called away vs entry price)"},
    )
    cycle = fields.Integer(required=True)
    opened_at = Timestamp(required=True)
    settled_at = Timestamp(allow_none=True, required=True)
    expired_at = Timestamp(allow_none=True, required=True)
    rolled_from_id = fields.Integer(allow_none=True, required=True)
    rolled_to_id = fields.Integer(allow_none=True, required=True)
    notes = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class Wheel(Schema):
    """A wheel: one symbol in one portfolio, with its state and cost basis."""

    id = fields.Integer(required=True, metadata={"example": 3})
    portfolio_id = fields.Integer(required=True, metadata={"example": 1})
    portfolio_name = fields.String(required=True, metadata={"example": "Income"})
    symbol = fields.String(required=True, metadata={"example": "AAPL"})
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    profile = fields.String(required=True, metadata={"example": "moderate"})
    capital_allocated = Money(required=True, metadata={"example": 20000.0})
    shares = fields.Integer(required=True, metadata={"example": 100})
    cost_basis = Money(allow_none=True, required=True, metadata={"description": "Entry price per share"})
    adjusted_cost_basis = fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "Entry price − net premium of the current cycle / shares"},
    )
    cycle_net_premium = Money(required=True)
    starting_direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    cycle = fields.Integer(required=True)
    notes = fields.String(required=True)
    is_active = fields.Boolean(required=True)
    archived_at = Timestamp(allow_none=True, required=True)
    open_trade = fields.Nested(Trade, allow_none=True, required=True)
    created_at = Timestamp(required=True)
    updated_at = Timestamp(required=True)


class WheelListQuery(PageQuery, CsvQuery):
    """Filters, paging and sorting of wheels."""

    portfolio_id = id_field()
    symbol = Symbol()
    state = fields.String(validate=validate.OneOf(STATES))
    profile = Profile()
    archived = fields.String(
        load_default="false",
        validate=validate.OneOf(["false", "true", "all"]),
        metadata={"description": "false (active only, default), true, or all"},
    )
    sort = fields.String(
        load_default="id",
        metadata={"description": "id, symbol, state, created_at, capital_allocated, portfolio_id; - for descending"},
    )


class PortfolioWheelListQuery(WheelListQuery):
    """Wheel filters inside one portfolio."""

    class Meta:
        exclude = ("portfolio_id",)


class TradeCreate(Schema):
    """Record a short option: exactly one of total_premium and premium_per_share."""

    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    strike = MoneyIn(required=True, allow_zero=False, attribute="strike_cents", metadata={"example": 180.0})
    expiration_date = IsoDate(required=True, metadata={"example": "2026-12-18"})
    contracts = WholeNumber(minimum=1, maximum=MAX_CONTRACTS, required=True)
    total_premium = MoneyIn(
        attribute="total_premium_cents",
        metadata={"example": 235.0, "description": "premium per share × 100 × contracts"},
    )
    premium_per_share = MoneyIn(places=4, metadata={"example": 2.35})
    fees = MoneyIn(attribute="fees_cents", metadata={"example": 0.65})
    notes = fields.String(validate=validate.Length(max=2000))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=20))
    opened_at = AwareDateTime(metadata={"description": "Defaults to now; past dates back-fill history"})

    @validates_schema
    def _one_premium(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("total_premium_cents" in data) == ("premium_per_share" in data):
            raise ValidationError("give exactly one of total_premium or premium_per_share", "total_premium")


class TradeCreated(Trade):
    """A recorded trade with the wheel's state after it and any warnings."""

    wheel_state = fields.String(required=True, validate=validate.OneOf(STATES))
    warnings = fields.List(fields.Nested(Warning), required=True)


class TradeUpdate(Schema):
    """Metadata changes: notes and tags always, fees only while the trade is open."""

    notes = fields.String(validate=validate.Length(max=2000))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=20))
    fees = MoneyIn(attribute="fees_cents")


class Settle(Schema):
    """How an open option ended."""

    outcome = fields.String(required=True, validate=validate.OneOf(["expired", "assigned", "closed"]))
    stock_price_at_expiry = MoneyIn(attribute="stock_price_at_expiry_cents", metadata={"example": 183.2})
    close_cost = MoneyIn(
        attribute="close_cost_cents",
        metadata={"description": "Total debit paid to buy back (closed only)", "example": 60.0},
    )
    fees = MoneyIn(attribute="fees_cents", metadata={"description": "Fees of the settlement, added to the trade's"})
    settled_at = AwareDateTime(metadata={"description": "Defaults to now; any date is accepted"})
    contracts = WholeNumber(
        minimum=1,
        maximum=MAX_CONTRACTS,
        metadata={
            "description": "Settle only this many contracts (default: all open). The trade keeps them with its"
            " share of premium and fees (rounded half up to the cent); a new open trade takes the rest",
            "example": 1,
        },
    )


class SettleResult(TradeCreated):
    """A settled trade; after a partial settlement (only then), `remainder` is the new open trade with the rest."""

    remainder = fields.Nested(Trade)


class RollNew(Schema):
    """The replacement contract of a roll (same direction)."""

    strike = MoneyIn(required=True, allow_zero=False, attribute="strike_cents", metadata={"example": 175.0})
    expiration_date = IsoDate(required=True, metadata={"example": "2027-01-15"})
    contracts = WholeNumber(
        minimum=1,
        maximum=MAX_CONTRACTS,
        metadata={"description": "Defaults to the rolled trade's"},
    )
    total_premium = MoneyIn(attribute="total_premium_cents")
    premium_per_share = MoneyIn(places=4)
    fees = MoneyIn(attribute="fees_cents")
    notes = fields.String(validate=validate.Length(max=2000))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=20))

    @validates_schema
    def _one_premium(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("total_premium_cents" in data) == ("premium_per_share" in data):
            raise ValidationError("give exactly one of total_premium or premium_per_share", "total_premium")


class Roll(Schema):
    """Buy back the open option and sell the next one."""

    close_cost = MoneyIn(required=True, attribute="close_cost_cents", metadata={"example": 410.0})
    fees = MoneyIn(attribute="fees_cents", metadata={"description": "Fees of the buy-back"})
    rolled_at = AwareDateTime()
    new = fields.Nested(RollNew, required=True)


class RollResult(Schema):
    """The closed (rolled) trade and its replacement."""

    closed = fields.Nested(Trade, required=True)
    opened = fields.Nested(Trade, required=True)
    wheel_state = fields.String(required=True, validate=validate.OneOf(STATES))
    warnings = fields.List(fields.Nested(Warning), required=True)


class TradeListQuery(PageQuery, CsvQuery):
    """Trade history filters; dates match trades opened or settled in the range (New York dates)."""

    portfolio_id = id_field()
    wheel_id = id_field()
    symbol = Symbol()
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    outcome = fields.String(metadata={"description": "One outcome or several separated by commas", "enum": OUTCOMES})
    start = IsoDate()
    end = IsoDate()
    sort = fields.String(
        load_default="id",
        metadata={
            "description": "id, opened_at, settled_at, expiration_date, symbol, strike, total_premium, "
            "created_at or outcome; '-' for descending"
        },
    )

    @validates_schema
    def _check(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("must not be after end", "start")
        if data.get("outcome"):
            bad = [o for o in data["outcome"].split(",") if o.strip() not in OUTCOMES]
            if bad:
                raise ValidationError(f"unknown outcome {bad[0]!r}; one of {', '.join(OUTCOMES)}", "outcome")


class WheelTradeListQuery(TradeListQuery):
    """Trade history of one wheel."""

    class Meta:
        exclude = ("wheel_id", "portfolio_id")
