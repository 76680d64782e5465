"""Position status payloads."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wheeld.http.schemas.common import CsvQuery, IsoDate, Money, PageQuery, Symbol, Timestamp, id_field
from wheeld.http.schemas.wheels import DIRECTIONS, STATES

RISK_LEVELS = ["LOW", "MEDIUM", "HIGH"]


ADVICE_ACTIONS = ["let_expire", "take_profit", "expect_assignment", "roll", "close", "hold"]
MARK_UNAVAILABLE = ["no_chain", "chain_pending", "not_in_chain", "no_bid_ask", "expired"]


class RollCandidate(Schema):
    """The contract to roll to: same direction, first expiration inside the profile's DTE window."""

    strike = fields.Float(required=True, metadata={"example": 175.0})
    expiration_date = fields.String(required=True, metadata={"format": "date", "example": "2027-01-15"})
    premium_per_share = fields.Float(required=True, metadata={"description": "The chain's bid/ask mid"})
    premium = Money(required=True, metadata={"description": "premium_per_share × 100 × contracts"})
    net_credit = Money(
        allow_none=True, required=True, metadata={"description": "premium − cost_to_close (null without a mark)"}
    )


class PositionAdvice(Schema):
    """What to do with the option: the first advice rule that fires, with each rule's figure."""

    action = fields.String(required=True, validate=validate.OneOf(ADVICE_ACTIONS), metadata={"example": "roll"})
    reasons = fields.List(
        fields.String(), required=True, metadata={"example": ["let_expire: DTE 9 > 2", "roll: DTE 9 ≤ 21"]}
    )
    roll_candidate = fields.Nested(RollCandidate, allow_none=True, required=True)


class PositionStatus(Schema):
    """An open short option priced now: DTE, moneyness, risk, and where the price came from."""

    trade_id = fields.Integer(required=True, metadata={"example": 7})
    wheel_id = fields.Integer(required=True, metadata={"example": 3})
    portfolio_id = fields.Integer(required=True, metadata={"example": 1})
    symbol = fields.String(required=True, metadata={"example": "AAPL"})
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    strike = Money(required=True)
    expiration_date = fields.String(required=True, metadata={"format": "date"})
    contracts = fields.Integer(required=True)
    current_price = Money(
        allow_none=True, required=True, metadata={"description": "Last price (null when no quote could be had)"}
    )
    price_source = fields.String(
        allow_none=True, required=True, metadata={"description": "simulated, schwab or finnhub", "example": "simulated"}
    )
    price_as_of = Timestamp(allow_none=True, required=True)
    price_age_seconds = fields.Float(
        allow_none=True, required=True, metadata={"description": "now − price_as_of, seconds (the quote's true age)"}
    )
    price_stale = fields.Boolean(
        allow_none=True,
        required=True,
        metadata={
            "description": "true when the quote is older than the quote TTL while the market is open, predates the"
            " last session's close (by more than the TTL) while it is closed, or is a cached one served because"
            " the provider failed"
        },
    )
    dte_calendar = fields.Integer(required=True, metadata={"description": "Calendar days to expiration (NY date)"})
    dte_trading = fields.Integer(
        required=True, metadata={"description": "XNYS sessions after today up to and including expiration"}
    )
    approaching_expiration = fields.Boolean(required=True, metadata={"description": "dte_calendar < 3 (config)"})
    moneyness_pct = fields.Float(
        allow_none=True, required=True, metadata={"description": "OTM cushion in percent; negative means in the money"}
    )
    is_itm = fields.Boolean(allow_none=True, required=True)
    distance = fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "Dollars between price and strike on the OTM side (negative = ITM)"},
    )
    risk_level = fields.String(allow_none=True, required=True, validate=validate.OneOf(RISK_LEVELS))
    risk_icon = fields.String(allow_none=True, required=True, metadata={"example": "🟢"})
    premium_collected = Money(required=True)
    net_premium = Money(required=True, metadata={"description": "Premium less fees so far"})
    breakeven = fields.Float(required=True, metadata={"description": "Put strike − net premium/share; call + it"})
    shares = fields.Integer(required=True)
    opened_at = Timestamp(required=True)
    option_mark = fields.Float(
        allow_none=True, metadata={"description": "The chain's bid/ask mid per share (null: see the reason)"}
    )
    mark_as_of = Timestamp(allow_none=True)
    mark_source = fields.String(allow_none=True, metadata={"example": "simulated"})
    mark_unavailable_reason = fields.String(
        allow_none=True, validate=validate.OneOf(MARK_UNAVAILABLE), metadata={"description": "Why there is no mark"}
    )
    cost_to_close = Money(allow_none=True, metadata={"description": "option_mark × 100 × contracts"})
    unrealized_option_pnl = Money(allow_none=True, metadata={"description": "premium_collected − cost_to_close"})
    premium_captured_pct = fields.Float(
        allow_none=True, metadata={"description": "(premium per share − mark) / premium per share × 100"}
    )
    advice = fields.Nested(PositionAdvice)


class PositionQuery(PageQuery, CsvQuery):
    """Filters of the open positions."""

    portfolio_id = id_field()
    symbol = Symbol()
    risk_level = fields.String(validate=validate.OneOf(RISK_LEVELS))
    expires_before = IsoDate(metadata={"description": "Only options expiring before this date"})
