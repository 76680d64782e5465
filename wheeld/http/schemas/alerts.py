"""Alert requests and responses (FR-9)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wheeld.domain.alerts import SEVERITIES
from wheeld.http.schemas.common import AwareDateTime, PageQuery, Symbol, Timestamp, id_field
from wheeld.http.schemas.jobs import StrictBoolean


class AlertDelivery(Schema):
    """How an alert went to one notifier channel."""

    channel = fields.String(required=True, validate=validate.OneOf(["log", "webhook", "ntfy", "slack"]))
    notifier = fields.String(
        required=True, metadata={"description": "The notifier's name in notifiers.channels ('' for the log)"}
    )
    status = fields.String(required=True, validate=validate.OneOf(["sent", "failed", "skipped"]))
    attempts = fields.Integer(required=True)
    error = fields.String(allow_none=True, required=True)
    delivered_at = Timestamp(required=True)


class Alert(Schema):
    """Something that needs a look: a position in the money, a worse risk level, an expiry, a plugin's find."""

    id = fields.Integer(required=True, metadata={"example": 12})
    kind = fields.String(
        required=True,
        metadata={"description": "itm, risk_worsened, expiring, or a plugin's kind", "example": "itm"},
    )
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    condition_key = fields.String(
        required=True,
        metadata={
            "description": "What the alert is about; one active alert per condition",
            "example": "itm:trade:7",
        },
    )
    message = fields.String(required=True)
    details = fields.Dict(required=True, metadata={"description": "The figures behind the alert"})
    portfolio_id = fields.Integer(allow_none=True, required=True)
    wheel_id = fields.Integer(allow_none=True, required=True)
    trade_id = fields.Integer(allow_none=True, required=True)
    symbol = fields.String(allow_none=True, required=True)
    source = fields.String(required=True, metadata={"description": "The job that raised it", "example": "risk_monitor"})
    created_at = Timestamp(required=True)
    acknowledged = fields.Boolean(required=True)
    acknowledged_at = Timestamp(allow_none=True, required=True)
    active = fields.Boolean(required=True, metadata={"description": "false once the condition cleared"})
    cleared_at = Timestamp(allow_none=True, required=True)
    deliveries = fields.List(fields.Nested(AlertDelivery), required=True)


class AlertListQuery(PageQuery):
    """Alert filters (newest first)."""

    acknowledged = fields.Boolean()
    active = fields.Boolean(metadata={"description": "true: conditions that still hold; false: cleared"})
    kind = fields.String(validate=validate.Length(min=1, max=80))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    portfolio_id = id_field()
    wheel_id = id_field()
    trade_id = id_field()
    symbol = Symbol()
    source = fields.String(validate=validate.Length(min=1, max=80))
    since = AwareDateTime(metadata={"description": "Alerts created at or after this time"})


class AlertUpdate(Schema):
    """Acknowledge an alert (or, with false, take the acknowledgement back)."""

    acknowledged = StrictBoolean(required=True)
