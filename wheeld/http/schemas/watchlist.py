"""Watchlist requests and responses."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from wheeld.http.schemas.common import PageQuery, Symbol, Timestamp, id_field
from wheeld.http.schemas.wheels import Profile


class WatchlistEntry(Schema):
    """A symbol to scan: global (every portfolio) or one portfolio's."""

    id = fields.Integer(required=True, metadata={"example": 4})
    symbol = fields.String(required=True, metadata={"example": "KO"})
    portfolio_id = fields.Integer(allow_none=True, required=True, metadata={"description": "null: global"})
    portfolio_name = fields.String(allow_none=True, required=True)
    scope = fields.String(required=True, validate=validate.OneOf(["global", "portfolio"]))
    notes = fields.String(required=True)
    profile = fields.String(
        allow_none=True, required=True, metadata={"description": "Profile to scan it with; null: opportunities.profile"}
    )
    created_at = Timestamp(required=True)


class WatchlistCreate(Schema):
    """Add a symbol: to a portfolio's list with `portfolio_id`, else to the global one."""

    symbol = Symbol(required=True)
    portfolio_id = id_field(allow_none=True, metadata={"description": "Omit (or null) for the global list"})
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    profile = Profile(allow_none=True, metadata={"description": "A configured profile name", "example": "conservative"})


class WatchlistQuery(PageQuery):
    """Which entries: all (default), one portfolio's (`portfolio_id`) or the global ones (`global=true`)."""

    portfolio_id = id_field()
    global_only = fields.Boolean(data_key="global", load_default=False, metadata={"description": "Only global entries"})

    @validates_schema
    def _one_scope(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("global_only") and data.get("portfolio_id") is not None:
            raise ValidationError("give portfolio_id or global=true, not both", "global")


class WatchlistSymbolPath(Schema):
    """`{symbol}` in the path."""

    symbol = Symbol(required=True)


class WatchlistDeleteQuery(Schema):
    """Which list to remove the symbol from: a portfolio's, or (without it) the global one."""

    portfolio_id = id_field(metadata={"description": "The portfolio's entry; omit for the global entry"})
