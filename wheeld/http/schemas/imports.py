"""Schemas of broker imports: the query of POST /imports and the import report."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wheeld.http.schemas.common import Money, id_field

STEPS = ["open", "settle", "roll", "match", "skip", "conflict", "already_imported"]


class ImportQuery(Schema):
    """Where the rows come from and where they go."""

    source = fields.String(
        required=True,
        validate=validate.OneOf(["schwab-csv"]),
        metadata={"description": "schwab-csv: Schwab's transaction history export, as the body"},
    )
    portfolio_id = id_field(metadata={"description": "Default: the default portfolio"})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Plan and report; write nothing"})
    shares = fields.String(
        validate=validate.Length(max=2000),
        metadata={
            "description": "Shares held before the export, for covered calls: SYMBOL=COUNT@COST, comma-separated"
            " (a multipart body may carry a `shares` field instead), e.g. KO=300@52.10",
        },
    )


class ImportRow(Schema):
    """What the import did with one broker row."""

    line = fields.Integer(required=True, metadata={"example": 4})
    date = fields.String(required=True, metadata={"format": "date", "example": "2026-11-20"})
    action = fields.String(required=True, metadata={"example": "Sell to Open"})
    symbol = fields.String(required=True, metadata={"example": "KO 12/19/2026 60.00 P"})
    step = fields.String(required=True, validate=validate.OneOf(STEPS))
    reason = fields.String(required=True)
    trade_id = fields.Integer(allow_none=True, required=True)


class ImportTotals(Schema):
    """How many rows took each step."""

    rows = fields.Integer(required=True)
    open = fields.Integer(required=True)
    settle = fields.Integer(required=True)
    roll = fields.Integer(required=True)
    match = fields.Integer(required=True)
    skip = fields.Integer(required=True)
    conflict = fields.Integer(required=True)
    already_imported = fields.Integer(required=True)


class Reconciliation(Schema):
    """One symbol: the broker's net option premium (after fees) against wheeld's, and open contracts."""

    symbol = fields.String(required=True)
    broker_net_premium = Money(required=True)
    wheeld_net_premium = Money(required=True)
    difference = Money(required=True)
    broker_open_contracts = fields.Integer(required=True)
    wheeld_open_contracts = fields.Integer(required=True)
    ok = fields.Boolean(required=True)


class Period(Schema):
    """The trade dates the rows span."""

    start = fields.String(allow_none=True, required=True)
    end = fields.String(allow_none=True, required=True)


class ImportReport(Schema):
    """An import (or a dry run: `id` null, nothing written) and its reconciliation."""

    id = fields.Integer(allow_none=True, required=True)
    source = fields.String(required=True)
    portfolio_id = fields.Integer(required=True)
    dry_run = fields.Boolean(required=True)
    imported_at = fields.String(required=True)
    period = fields.Nested(Period, required=True)
    totals = fields.Nested(ImportTotals, required=True)
    rows = fields.List(fields.Nested(ImportRow), required=True)
    reconciliation = fields.List(fields.Nested(Reconciliation), required=True)
