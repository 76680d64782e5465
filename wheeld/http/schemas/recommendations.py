"""Recommendation requests and responses: the pick, alternatives, warnings and the basis behind them."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wheeld.domain.recommendation import WARNING_CODES
from wheeld.http.schemas.common import ErrorBody, Money, Timestamp, id_field
from wheeld.http.schemas.wheels import DIRECTIONS

MAX_BATCH = 200
TRENDS = ["bullish", "bearish", "neutral"]


class TradeWarning(Schema):
    """Something to know before selling: a stable code and a sentence."""

    code = fields.String(required=True, metadata={"enum": list(WARNING_CODES), "example": "EARNINGS_BEFORE_EXPIRATION"})
    message = fields.String(required=True)


def _float(description: str = "", **kwargs: Any) -> fields.Float:
    return fields.Float(metadata={"description": description} if description else {}, **kwargs)


class Contract(Schema):
    """One recommended contract: market figures (per share), model figures, yields and its warnings."""

    label = fields.String(
        required=True, metadata={"description": "`pick`, or how an alternative relates to it", "example": "pick"}
    )
    symbol = fields.String(required=True, metadata={"description": "Option symbol (OCC)"})
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    strike = _float("Strike price", required=True)
    expiration_date = fields.String(required=True, metadata={"format": "date", "example": "2026-12-24"})
    dte = fields.Integer(required=True, metadata={"description": "Calendar days to expiration"})
    bid = _float(allow_none=True, required=True)
    ask = _float(allow_none=True, required=True)
    mid = _float("(bid + ask) / 2, per share", required=True)
    premium = Money(required=True, metadata={"description": "mid × 100: the credit of one contract"})
    delta = _float("As the provider gives it (from the chain's implied volatility)", allow_none=True, required=True)
    iv = _float("Implied volatility (decimal)", allow_none=True, required=True)
    sigma_distance = _float("|ln(K/S)| / (HV30 × √(DTE/365))", allow_none=True, required=True)
    p_itm = _float("N(d2) (call) or N(−d2) (put) with HV30", allow_none=True, required=True)
    open_interest = fields.Integer(allow_none=True, required=True)
    volume = fields.Integer(allow_none=True, required=True)
    spread_pct = _float("(ask − bid) / mid × 100", allow_none=True, required=True)
    collateral = Money(required=True, metadata={"description": "put: strike × 100; call: cost basis × 100"})
    premium_yield_pct = _float("premium / collateral × 100", required=True)
    annualized_yield_pct = _float("premium_yield_pct × 365 / dte", required=True)
    break_even = _float(
        "put: strike − mid; call: adjusted cost basis − mid (where the covered position breaks even)", required=True
    )
    contracts = fields.Integer(
        required=True, metadata={"description": "How many the wheel can sell: capital // collateral, or shares // 100"}
    )
    in_delta_band = fields.Boolean(allow_none=True, required=True)
    in_sigma_band = fields.Boolean(allow_none=True, required=True)
    below_cost_basis = fields.Boolean(
        required=True, metadata={"description": "A call struck below the adjusted cost basis (never the pick)"}
    )
    warnings = fields.List(fields.Nested(TradeWarning), required=True)


class ProfileParameters(Schema):
    """A profile's targets."""

    name = fields.String(required=True, metadata={"example": "moderate"})
    delta = fields.List(fields.Float(), required=True, metadata={"description": "[min, max] |delta|"})
    sigma = fields.List(fields.Float(), required=True, metadata={"description": "[min, max] σ distance"})
    dte = fields.List(fields.Integer(), required=True, metadata={"description": "[min, max] calendar days"})
    max_p_itm = fields.Float(required=True)


class Bias(Schema):
    """How the trend moved the delta target, and why."""

    trend = fields.String(required=True, validate=validate.OneOf(TRENDS))
    base_target_delta = fields.Float(required=True)
    target_delta = fields.Float(required=True)
    shift = fields.Float(required=True)
    strike_moved = fields.String(required=True, validate=validate.OneOf(["closer", "further", "none"]))
    reason = fields.String(required=True)


class Basis(Schema):
    """The numbers behind a recommendation."""

    symbol = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    price = fields.Float(required=True)
    hv30 = _float("30-day historical volatility of daily closes, annualized (√252)", allow_none=True, required=True)
    sigma_volatility = fields.String(
        required=True,
        validate=validate.OneOf(["hv30", "contract_iv"]),
        metadata={"description": "The volatility behind sigma_distance and p_itm (contract IV when history is short)"},
    )
    sma20 = fields.Float(allow_none=True, required=True)
    sma50 = fields.Float(allow_none=True, required=True)
    trend = fields.String(required=True, validate=validate.OneOf(TRENDS))
    bias = fields.Nested(Bias, required=True)
    method = fields.String(
        required=True,
        validate=validate.OneOf(["delta", "sigma"]),
        metadata={"description": "delta; sigma (the σ band's midpoint) when the chain has no deltas"},
    )
    atm_iv = _float("The chain's at-the-money IV at about 30 DTE", allow_none=True, required=True)
    iv_rank = _float("0–100", allow_none=True, required=True)
    iv_rank_method = fields.String(allow_none=True, required=True)
    profile = fields.Nested(ProfileParameters, required=True)
    risk_free_rate = fields.Float(required=True)
    adjusted_cost_basis = fields.Float(allow_none=True, required=True)
    capital = Money(allow_none=True, required=True)
    shares = fields.Integer(required=True)
    candidates = fields.Integer(required=True, metadata={"description": "Contracts in the DTE window with a bid"})
    earnings = fields.List(fields.String(), allow_none=True, required=True, metadata={"description": "null: unknown"})
    ex_dividends = fields.List(fields.String(), required=True)
    chain_source = fields.String(required=True, metadata={"example": "simulated"})
    chain_as_of = Timestamp(required=True)
    chain_stale = fields.Boolean(required=True)
    simulated = fields.Boolean(required=True)


class Recommendation(Schema):
    """The next trade of a wheel: `pick` (null with a warning saying why), alternatives, warnings, basis."""

    wheel_id = fields.Integer(required=True)
    symbol = fields.String(required=True, metadata={"example": "AAPL"})
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    profile = fields.String(required=True, metadata={"example": "moderate"})
    pick = fields.Nested(Contract, allow_none=True, required=True)
    alternatives = fields.List(fields.Nested(Contract), required=True)
    warnings = fields.List(fields.Nested(TradeWarning), required=True)
    basis = fields.Nested(Basis, required=True)


class RecommendationBatch(Schema):
    """Wheels to recommend for: `wheel_ids` or `portfolio_id` (its active wheels in cash or shares), exactly one."""

    wheel_ids = fields.List(id_field(), validate=validate.Length(min=1, max=MAX_BATCH), metadata={"example": [1, 2]})
    portfolio_id = id_field()

    @validates_schema
    def _exactly_one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("wheel_ids" in data) == ("portfolio_id" in data):
            raise ValidationError("give exactly one of wheel_ids or portfolio_id", "wheel_ids")


class BatchEntry(Schema):
    """One wheel's recommendation, or why there is none (`error`, as in the error envelope)."""

    wheel_id = fields.Integer(required=True)
    symbol = fields.String(allow_none=True, required=True)
    recommendation = fields.Nested(Recommendation, allow_none=True, required=True)
    error = fields.Nested(ErrorBody, allow_none=True, required=True)
