"""Opportunity scan requests and responses."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wheeld.http.schemas.common import Money, PageQuery, RealNumber, Timestamp, WholeNumber, id_field
from wheeld.http.schemas.recommendations import TRENDS, TradeWarning
from wheeld.http.schemas.wheels import DIRECTIONS, Profile

EARNINGS_RULES = ["penalize", "exclude"]


class ScanCriteria(Schema):
    """What to look for; every field defaults to its `opportunities.*` config key."""

    min_iv_rank = RealNumber(minimum=0, maximum=100, metadata={"example": 20})
    min_annualized_yield_pct = RealNumber(minimum=0, maximum=1000, metadata={"example": 12})
    earnings = fields.String(
        validate=validate.OneOf(EARNINGS_RULES),
        metadata={"description": "Earnings before the put's expiration: penalize the score or exclude"},
    )
    earnings_penalty = RealNumber(minimum=0, maximum=100)
    min_open_interest = WholeNumber(minimum=0, maximum=1_000_000)
    max_spread_pct = RealNumber(minimum=0, maximum=200)
    profile = Profile(
        allow_none=True,
        metadata={"description": "One profile for every candidate; default: each candidate's own"},
    )
    top_n = WholeNumber(minimum=1, maximum=500)
    portfolio_id = id_field(metadata={"description": "Scan one portfolio's wheels and watchlist (with the global one)"})


class StoredCriteria(Schema):
    """The criteria a scan used, defaults filled in."""

    min_iv_rank = fields.Float(required=True)
    min_annualized_yield_pct = fields.Float(required=True)
    earnings = fields.String(required=True, validate=validate.OneOf(EARNINGS_RULES))
    earnings_penalty = fields.Float(required=True)
    min_open_interest = fields.Integer(required=True)
    max_spread_pct = fields.Float(required=True)
    profile = fields.String(allow_none=True, required=True)
    top_n = fields.Integer(required=True)


class Excluded(Schema):
    """A candidate left out of the ranking, and why."""

    symbol = fields.String(required=True)
    wheel_id = fields.Integer(allow_none=True, required=True)
    portfolio_id = fields.Integer(allow_none=True, required=True)
    reason = fields.String(required=True)


class Scan(Schema):
    """One opportunity scan."""

    id = fields.Integer(required=True)
    started_at = Timestamp(required=True)
    finished_at = Timestamp(required=True)
    trigger = fields.String(required=True, validate=validate.OneOf(["manual", "schedule"]))
    portfolio_id = fields.Integer(allow_none=True, required=True, metadata={"description": "null: every portfolio"})
    criteria = fields.Nested(StoredCriteria, required=True)
    candidates = fields.Integer(required=True, metadata={"description": "Wheels in cash and watchlist symbols scanned"})
    count = fields.Integer(required=True, metadata={"description": "Opportunities stored (the ranked top N)"})
    excluded = fields.List(fields.Nested(Excluded), required=True)
    iv_rank_method = fields.String(required=True)


class ScoreParts(Schema):
    """The points behind a score; they add up to it."""

    iv_rank = fields.Float(required=True, metadata={"description": "Up to 30: IV rank / 100 × 30 (unknown = 15)"})
    # `yield` is a Python keyword: the attribute is named otherwise, the JSON key is `yield`.
    yield_points = fields.Float(
        data_key="yield", attribute="yield", required=True, metadata={"description": "Up to 30: yield / 40 % × 30"}
    )
    liquidity = fields.Float(required=True, metadata={"description": "Up to 20: open interest and spread"})
    trend = fields.Float(required=True, metadata={"description": "Bullish 20, neutral 10, bearish 0"})
    earnings = fields.Float(required=True, metadata={"description": "−penalty with earnings before expiration"})


class Opportunity(Schema):
    """A scored candidate: its recommended put, its score and the parts of it."""

    id = fields.Integer(required=True)
    scan_id = fields.Integer(required=True)
    scanned_at = Timestamp(required=True)
    rank = fields.Integer(required=True, metadata={"example": 1})
    symbol = fields.String(required=True, metadata={"example": "AAPL"})
    wheel_id = fields.Integer(allow_none=True, required=True, metadata={"description": "The wheel in cash, if any"})
    portfolio_id = fields.Integer(allow_none=True, required=True)
    profile = fields.String(required=True)
    score = fields.Float(required=True, metadata={"example": 71.4})
    score_parts = fields.Nested(ScoreParts, required=True)
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    option_symbol = fields.String(required=True)
    strike = Money(required=True)
    expiration_date = fields.String(required=True, metadata={"format": "date"})
    dte = fields.Integer(required=True)
    bid = fields.Float(allow_none=True, required=True)
    ask = fields.Float(allow_none=True, required=True)
    mid = fields.Float(required=True)
    premium = Money(required=True, metadata={"description": "mid × 100"})
    collateral = Money(required=True, metadata={"description": "strike × 100"})
    delta = fields.Float(allow_none=True, required=True)
    iv = fields.Float(allow_none=True, required=True)
    sigma_distance = fields.Float(allow_none=True, required=True)
    p_itm = fields.Float(allow_none=True, required=True)
    open_interest = fields.Integer(allow_none=True, required=True)
    spread_pct = fields.Float(allow_none=True, required=True)
    premium_yield_pct = fields.Float(required=True)
    annualized_yield_pct = fields.Float(required=True)
    break_even = fields.Float(required=True)
    price = fields.Float(required=True, metadata={"description": "The underlying's price at the scan"})
    iv_rank = fields.Float(allow_none=True, required=True)
    trend = fields.String(required=True, validate=validate.OneOf(TRENDS))
    warnings = fields.List(fields.Nested(TradeWarning), required=True)


class ScanResult(Schema):
    """A scan and all its results, best first."""

    scan = fields.Nested(Scan, required=True)
    opportunities = fields.List(fields.Nested(Opportunity), required=True)


class OpportunityQuery(PageQuery):
    """Paging of the latest scan's results."""
